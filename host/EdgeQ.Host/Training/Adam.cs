namespace EdgeQ.Host.Training;

/// <summary>
/// Adam (Kingma and Ba 2015) over groups of parameters updated in place. Each group has a unit: the optimizer works on
/// parameter / unit, so the learning rate means "units per step" in every group (bias fine-tuning uses each layer's
/// output quantization step, so one rate fits layers whose values differ by orders of magnitude).
/// </summary>
public sealed class Adam
{
    private readonly IReadOnlyList<float[]> parameters;
    private readonly IReadOnlyList<double> units;
    private readonly double[][] firstMoment, secondMoment;
    private readonly double beta1, beta2, epsilon;
    private int steps;

    public Adam(IReadOnlyList<float[]> parameters, IReadOnlyList<double> units, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (parameters.Count != units.Count) throw new ArgumentException($"{parameters.Count} parameter groups but {units.Count} units");
        this.parameters = parameters;
        this.units = units;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        firstMoment = parameters.Select(p => new double[p.Length]).ToArray();
        secondMoment = parameters.Select(p => new double[p.Length]).ToArray();
    }

    /// <param name="gradients">dL/d(parameter), one array per group, in the parameters' own units.</param>
    /// <param name="learningRate">This step's rate, in units (the caller owns the schedule).</param>
    public void Step(IReadOnlyList<float[]> gradients, double learningRate)
    {
        steps++;
        double correction1 = 1 - Math.Pow(beta1, steps), correction2 = 1 - Math.Pow(beta2, steps);
        for (int group = 0; group < parameters.Count; group++)
        {
            double unit = units[group];
            float[] p = parameters[group], g = gradients[group];
            double[] m = firstMoment[group], v = secondMoment[group];
            for (int i = 0; i < p.Length; i++)
            {
                // Gradient with respect to parameter / unit.
                double scaled = g[i] * unit;
                m[i] = beta1 * m[i] + (1 - beta1) * scaled;
                v[i] = beta2 * v[i] + (1 - beta2) * scaled * scaled;
                double step = learningRate * (m[i] / correction1) / (Math.Sqrt(v[i] / correction2) + epsilon);
                p[i] -= (float)(step * unit);
            }
        }
    }
}
