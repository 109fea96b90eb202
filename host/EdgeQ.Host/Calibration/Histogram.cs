namespace EdgeQ.Host.Calibration;

/// <summary>Counts of values in equal-width bins over a fixed [Min, Max]; values outside land in the end bins.</summary>
public sealed class Histogram
{
    public const int DefaultBins = 2048;

    public Histogram(double min, double max, int bins = DefaultBins)
    {
        if (!(max > min)) throw new ArgumentException($"histogram range [{min}, {max}] is empty");
        Min = min;
        Max = max;
        Counts = new long[bins];
    }

    public double Min { get; }
    public double Max { get; }
    public long[] Counts { get; }
    public int Bins => Counts.Length;
    public double BinWidth => (Max - Min) / Bins;
    public long Total => Counts.Sum();

    public double Edge(int index) => Min + index * BinWidth;
    public double Center(int index) => Min + (index + 0.5) * BinWidth;

    public void Add(ReadOnlySpan<float> values)
    {
        double perUnit = Bins / (Max - Min);
        foreach (float v in values)
            Counts[Math.Clamp((int)((v - Min) * perUnit), 0, Bins - 1)]++;
    }

    public void Merge(Histogram other)
    {
        if (other.Min != Min || other.Max != Max || other.Bins != Bins) throw new ArgumentException("histograms cover different bins");
        for (int i = 0; i < Bins; i++) Counts[i] += other.Counts[i];
    }
}
