namespace EdgeQ.Host.Calibration;

public enum CalibrationMethod { MinMax, Percentile, Mse }

/// <summary>Clipping ranges [Low, High] for an activation from its observed values (before 0 is added to the range).</summary>
public static class RangeEstimators
{
    /// <summary>
    /// Keeps the central <paramref name="percent"/> of the mass on each side: Low at the (100 - p) % quantile, High
    /// at the p % quantile (bin edges, so the range never cuts into the bin holding the quantile).
    /// </summary>
    public static (double Low, double High) Percentile(Histogram histogram, double percent)
    {
        if (!(percent > 50 && percent <= 100)) throw new ArgumentException($"percentile must be in (50, 100], not {percent}");
        long total = histogram.Total;
        double tail = total * (100 - percent) / 100;
        int low = 0, high = histogram.Bins - 1;
        for (long below = histogram.Counts[0]; below <= tail && low < histogram.Bins - 1; below += histogram.Counts[++low]) { }
        for (long above = histogram.Counts[^1]; above <= tail && high > 0; above += histogram.Counts[--high]) { }
        return (histogram.Edge(low), histogram.Edge(high + 1));
    }

    /// <summary>
    /// The range minimizing the expected squared quantization error of the histogram's values on a grid of
    /// <paramref name="levels"/> steps: clipping error (x - bound)^2 outside, uniform rounding noise step^2 / 12
    /// inside. Every pair of bin edges is tried (O(bins^2) with prefix sums), with the range widened to include 0
    /// as the quantizer will.
    /// </summary>
    public static (double Low, double High) MinimumMse(Histogram histogram, int levels = 256)
    {
        int bins = histogram.Bins;
        // Prefix sums over bins [0, i): count, sum of centre, sum of centre^2.
        var n = new double[bins + 1];
        var s1 = new double[bins + 1];
        var s2 = new double[bins + 1];
        for (int i = 0; i < bins; i++)
        {
            double c = histogram.Center(i), k = histogram.Counts[i];
            n[i + 1] = n[i] + k;
            s1[i + 1] = s1[i] + k * c;
            s2[i + 1] = s2[i] + k * c * c;
        }
        // Sum over bins [from, to) of k * (c - t)^2.
        double Squared(int from, int to, double t) =>
            (s2[to] - s2[from]) - 2 * t * (s1[to] - s1[from]) + t * t * (n[to] - n[from]);

        // Clipping bounds never cross 0: a low bound lies on an edge <= 0 (or the first edge), a high one >= 0.
        int lastLow = 0, firstHigh = bins;
        while (lastLow < bins && histogram.Edge(lastLow + 1) <= 0) lastLow++;
        while (firstHigh > 0 && histogram.Edge(firstHigh - 1) >= 0) firstHigh--;
        double best = double.PositiveInfinity;
        (double, double) bestRange = (histogram.Min, histogram.Max);
        for (int lo = 0; lo <= lastLow; lo++)
        {
            double low = Math.Min(histogram.Edge(lo), 0), below = Squared(0, lo, low);
            for (int hi = Math.Max(firstHigh, lo + 1); hi <= bins; hi++)
            {
                double high = Math.Max(histogram.Edge(hi), 0), step = (high - low) / (levels - 1);
                double error = below + Squared(hi, bins, high) + (n[hi] - n[lo]) * step * step / 12;
                if (error < best) (best, bestRange) = (error, (low, high));
            }
        }
        return bestRange;
    }
}
