namespace EdgeQ.Benchmarks;

/// <summary>
/// One benchmark model: its float ONNX file, the input every engine runs (same values for all), and its MACs as
/// EdgeQ's optimized graph counts them. <see cref="QdqPath"/> and <see cref="EqmPath"/> are the int8 forms the pending
/// engines will read.
/// </summary>
internal sealed class BenchmarkModel
{
    public required string Name { get; init; }
    public required string OnnxPath { get; init; }
    public required string InputName { get; init; }
    public required int[] InputShape { get; init; }
    public required float[] Input { get; init; }

    /// <summary>MACs of EdgeQ's optimized graph, counted on first use (load probes do not import the graph).</summary>
    public required Lazy<long> Macs { get; init; }

    /// <summary>EdgeQ's QDQ export of the calibrated model, for ONNX Runtime int8 (null until the export exists).</summary>
    public string? QdqPath { get; init; }

    /// <summary>EdgeQ's packed int8 model, for the EdgeQ int8 engine (null until quantize and pack exist).</summary>
    public string? EqmPath { get; init; }
}
