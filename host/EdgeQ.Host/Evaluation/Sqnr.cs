namespace EdgeQ.Host.Evaluation;

/// <summary>Signal-to-quantization-noise ratio, the figure every accuracy report uses.</summary>
public static class Sqnr
{
    /// <summary>10 log10(sum float^2 / sum (float - int8)^2) from the two sums.</summary>
    public static double Decibels(double signal, double noise) => 10 * Math.Log10(signal / noise);
}
