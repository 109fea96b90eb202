namespace EdgeQ.Benchmarks.Measurement;

/// <summary>Median and interquartile range of one engine's run times (ms); quartiles resist a loaded machine's outliers.</summary>
internal sealed record LatencyStats(double MedianMs, double P25Ms, double P75Ms, double MinMs, int Runs)
{
    public static LatencyStats Of(IReadOnlyList<double> samplesMs)
    {
        var sorted = samplesMs.Order().ToArray();
        return new(Percentile(sorted, 0.5), Percentile(sorted, 0.25), Percentile(sorted, 0.75), sorted[0], sorted.Length);
    }

    /// <summary>Linear interpolation between the closest ranks.</summary>
    private static double Percentile(double[] sorted, double p)
    {
        double rank = p * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
