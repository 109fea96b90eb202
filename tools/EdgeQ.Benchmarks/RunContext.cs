using EdgeQ.Benchmarks.Measurement;

namespace EdgeQ.Benchmarks;

/// <summary>The conditions of one benchmark run, printed with its figures.</summary>
internal sealed record RunContext(
    DateTime StartedUtc, string CommandLine, MachineInfo Machine, string OnnxRuntimeVersion,
    string LoadAverageAtStart, string LoadAverageAtEnd, int WarmupRuns, int MeasuredRuns);
