using EdgeQ.Benchmarks.Measurement;

namespace EdgeQ.Benchmarks;

/// <summary>The conditions of one benchmark run, printed with its figures.</summary>
internal sealed record RunContext(
    DateTime StartedUtc, string CommandLine, MachineInfo Machine, string OnnxRuntimeVersion,
    double LoadAverageAtStart, double LoadAverageAtEnd, int WarmupRuns, int MeasuredRuns, int LayerRuns)
{
    /// <summary>More runnable threads than a quarter of the cores on average: other work competed for the CPU.</summary>
    public bool MachineWasBusy => Math.Max(LoadAverageAtStart, LoadAverageAtEnd) > 0.25 * Machine.LogicalCores;
}
