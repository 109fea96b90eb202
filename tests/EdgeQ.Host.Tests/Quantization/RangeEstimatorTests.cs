using EdgeQ.Host.Calibration;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class RangeEstimatorTests
{
    internal static float[] Normal(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
            (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
    }

    private static float[] Laplace(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            double u = random.NextDouble() - 0.5;
            return (float)(-Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u)));
        }).ToArray();
    }

    private static Histogram HistogramOf(float[] values)
    {
        var histogram = new Histogram(Math.Min(values.Min(), 0), Math.Max(values.Max(), 0));
        histogram.Add(values);
        return histogram;
    }

    /// <summary>The mean squared error of quantizing the samples themselves with the int8 grid over [low, high].</summary>
    private static double QuantizationMse(float[] values, double low, double high)
    {
        var q = AffineQuantization.FromRange(low, high);
        return values.Average(v => Math.Pow(q.Dequantize(q.Quantize(v)) - v, 2));
    }

    [Fact]
    public void PercentileIgnoresRareOutliersThatMinMaxKeeps()
    {
        var random = new Random(1);
        var values = Enumerable.Range(0, 200_000).Select(_ => random.NextSingle() * 2 - 1).Concat([100f, -50f]).ToArray();
        var histogram = HistogramOf(values);
        var (low, high) = RangeEstimators.Percentile(histogram, 99.99);
        Assert.InRange(high, 1 - 1e-9, 1 + 2 * histogram.BinWidth);
        Assert.InRange(low, -1 - 2 * histogram.BinWidth, -1 + 1e-9);
        Assert.Equal(100, values.Max());
    }

    [Fact]
    public void PercentileOfANormalDistributionMatchesItsQuantile()
    {
        var histogram = HistogramOf(Normal(1_000_000, 2));
        var (low, high) = RangeEstimators.Percentile(histogram, 99.9);
        // The 99.9 % quantile of N(0, 1) is 3.090; sampling and bin edges move it a little.
        Assert.InRange(high, 3.0, 3.2);
        Assert.InRange(low, -3.2, -3.0);
    }

    [Fact]
    public void MseKeepsTheWholeRangeOfAUniformDistribution()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 200_000).Select(_ => random.NextSingle() * 4 - 1).ToArray();
        var (low, high) = RangeEstimators.MinimumMse(HistogramOf(values));
        Assert.InRange(high, 2.95, 3.0 + 1e-6);
        Assert.InRange(low, -1.0 - 1e-6, -0.95);
    }

    [Fact]
    public void MseClipsHeavyTailsAndBeatsEveryOtherClippingOfTheSamples()
    {
        var values = Laplace(300_000, 4);
        var (low, high) = RangeEstimators.MinimumMse(HistogramOf(values));
        // Banner et al. (ACIQ): the MSE-optimal 8-bit clip of a Laplace(b = 1) lies near 9.9 b.
        Assert.InRange(high, 7, 13);
        Assert.InRange(-low, 7, 13);
        double chosen = QuantizationMse(values, low, high);
        Assert.True(chosen < QuantizationMse(values, values.Min(), values.Max()), "MSE range should beat min/max on heavy tails");
        foreach (double alpha in new[] { 4.0, 6, 8, 9, 10, 11, 12 })
            Assert.True(chosen <= 1.03 * QuantizationMse(values, -alpha, alpha), $"clip at {alpha} beats the chosen [{low:G4}, {high:G4}]");
    }

    [Fact]
    public void MseAndPercentileOfNonNegativeDataStartAtZero()
    {
        var values = Normal(100_000, 5).Select(Math.Abs).ToArray();
        var histogram = HistogramOf(values);
        Assert.Equal(0, RangeEstimators.MinimumMse(histogram).Low);
        Assert.Equal(0, RangeEstimators.Percentile(histogram, 99.99).Low);
    }
}
