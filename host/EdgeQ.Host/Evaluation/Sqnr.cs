namespace EdgeQ.Host.Evaluation;

/// <summary>Signal-to-quantization-noise ratio, the figure every accuracy report uses.</summary>
public static class Sqnr
{
    /// <summary>10 log10(sum float^2 / sum (float - int8)^2) from the two sums.</summary>
    public static double Decibels(double signal, double noise) => 10 * Math.Log10(signal / noise);

    /// <summary>Adds one tensor pair's sum of float^2 and sum of (float - int8)^2.</summary>
    public static void Accumulate(ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized, ref double signal, ref double noise)
    {
        for (int j = 0; j < reference.Length; j++)
        {
            double f = reference[j], e = f - quantized[j];
            signal += f * f;
            noise += e * e;
        }
    }
}
