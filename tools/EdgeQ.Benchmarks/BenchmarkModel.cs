namespace EdgeQ.Benchmarks;

/// <summary>
/// One benchmark model: its float ONNX file, the input every engine runs (same values for all), and its MACs as
/// EdgeQ's optimized graph counts them. <see cref="EqmPath"/> and <see cref="QdqPath"/> are its int8 forms (Int8Models).
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

    /// <summary>EdgeQ's QDQ export of the packed model, for ONNX Runtime int8 (null when the model does not pack).</summary>
    public string? QdqPath { get; init; }

    /// <summary>EdgeQ's packed int8 model, for the EdgeQ int8 engine (null when the model does not pack).</summary>
    public string? EqmPath { get; init; }

    /// <summary>Why the packer rejected the model (null when it packed).</summary>
    public string? Int8Unsupported { get; init; }
}
