using System.Numerics.Tensors;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Runtime;

namespace EdgeQ.Host.Evaluation;

/// <summary>Float vs int8 on the same images (the keys are those of <c>edgeq eval --json</c>).</summary>
/// <param name="FloatTop1">Fraction of images whose float arg-max is the label; null without labels.</param>
/// <param name="Int8Top1">The same for the int8 model.</param>
/// <param name="Top1Agreement">Fraction of images where both models pick the same class.</param>
/// <param name="SqnrDb">10 log10(sum float^2 / sum (float - int8)^2) over the first output of every image.</param>
/// <param name="Cosine">Cosine similarity of the float and int8 first output, averaged over images (for feature
/// extractors such as ResNet18, whose output has no classes).</param>
public sealed record AccuracyReport(int Images, double? FloatTop1, double? Int8Top1, double Top1Agreement, double SqnrDb, double Cosine);

/// <summary>Runs the float reference executor and the int8 runtime on the same preprocessed images and compares the
/// first output.</summary>
public static class AccuracyEvaluator
{
    /// <param name="labels">Class index per image, or null.</param>
    public static AccuracyReport Evaluate(Graph graph, InferenceModel model, ICalibrationData images, IReadOnlyList<int>? labels = null,
        Action<double>? reportFraction = null)
    {
        if (labels is not null && labels.Count != images.Count)
            throw new ArgumentException($"{labels.Count} labels for {images.Count} images");
        var executor = new FloatExecutor(graph);
        var input = new AffineQuantization(model.Input.Scale, model.Input.ZeroPoint);
        var floats = new float[images.Count][];
        var ints = new float[images.Count][];
        var raw = new sbyte[model.OutputBytes];
        for (int i = 0; i < images.Count; i++)
        {
            var sample = images.Load(i);
            floats[i] = executor.Run(new Dictionary<string, TensorData> { [graph.Inputs[0].Name] = sample })[graph.Outputs[0].Name].Floats;
            model.Run(input.QuantizeToInt8(sample.Floats), raw);
            ints[i] = new float[model.Outputs[0].Tensor.Bytes];
            model.Outputs[0].ToFloat(raw, ints[i]);
            reportFraction?.Invoke((i + 1) / (double)images.Count);
        }
        return Compare(floats, ints, labels);
    }

    public static AccuracyReport Compare(IReadOnlyList<float[]> floatOutputs, IReadOnlyList<float[]> int8Outputs, IReadOnlyList<int>? labels)
    {
        int n = floatOutputs.Count;
        int[] floatClass = floatOutputs.Select(o => TensorPrimitives.IndexOfMax(o)).ToArray();
        int[] int8Class = int8Outputs.Select(o => TensorPrimitives.IndexOfMax(o)).ToArray();
        double signal = 0, noise = 0;
        for (int i = 0; i < n; i++) Sqnr.Accumulate(floatOutputs[i], int8Outputs[i], ref signal, ref noise);
        double? Top1(int[] predicted) => labels is null ? null : Enumerable.Range(0, n).Count(i => predicted[i] == labels[i]) / (double)n;
        return new AccuracyReport(n, Top1(floatClass), Top1(int8Class),
            Enumerable.Range(0, n).Count(i => floatClass[i] == int8Class[i]) / (double)n, Sqnr.Decibels(signal, noise),
            Enumerable.Range(0, n).Average(i => Cosine(floatOutputs[i], int8Outputs[i])));
    }

    /// <summary>Cosine similarity, with an all-zero output (an int8 map where nothing crossed a step) counted as 0,
    /// or as 1 when both are zero, instead of NaN.</summary>
    private static double Cosine(float[] a, float[] b)
    {
        bool aZero = TensorPrimitives.MaxMagnitude(a) == 0, bZero = TensorPrimitives.MaxMagnitude(b) == 0;
        return aZero || bZero ? (aZero && bZero ? 1 : 0) : TensorPrimitives.CosineSimilarity(a, b);
    }
}
