using System.Globalization;
using EdgeQ.Benchmarks.Measurement;

namespace EdgeQ.Benchmarks.Reports;

/// <summary>Cell texts shared by the table and the console report.</summary>
internal static class Formatting
{
    /// <summary>A cell with no measurement; the report lists why under the table.</summary>
    public const string NotMeasured = "n/a";

    public static string Ms(LatencyStats s) => string.Create(CultureInfo.InvariantCulture, $"{s.MedianMs:F2} ({s.P25Ms:F2}–{s.P75Ms:F2})");

    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Achieved GMAC/s at the median latency.</summary>
    public static double Gmacs(long macs, LatencyStats s) => macs / (s.MedianMs * 1e6);

    /// <summary>"How many times faster": the peer's median over EdgeQ's.</summary>
    public static string Speedup(EngineResult edgeq, EngineResult peer) =>
        edgeq.Latency is { } ours && peer.Latency is { } theirs ? Number(theirs.MedianMs / ours.MedianMs, "F2") + "x" : NotMeasured;
}
