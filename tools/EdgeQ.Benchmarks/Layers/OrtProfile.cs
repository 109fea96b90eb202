using System.Text.Json;

namespace EdgeQ.Benchmarks.Layers;

/// <summary>One node execution in an ONNX Runtime profile: the node's name in ORT's optimized graph, its operator and kernel time.</summary>
internal sealed record NodeTime(string Node, string Op, double Ms);

/// <summary>
/// Reads the trace ONNX Runtime writes with <c>SessionOptions.EnableProfiling</c>: a JSON array of events in which each
/// inference is a <c>model_run</c> event (cat <c>Session</c>) and each node execution inside it a
/// <c>{node}_kernel_time</c> event (cat <c>Node</c>, <c>dur</c> in microseconds, the operator in <c>args.op_name</c>).
/// </summary>
internal static class OrtProfile
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>The node times of each inference, in run order.</summary>
    public static IReadOnlyList<IReadOnlyList<NodeTime>> Runs(string json)
    {
        using var document = JsonDocument.Parse(json);
        var runs = new List<(long Start, long End)>();
        var nodes = new List<(long Start, NodeTime Time)>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            string category = e.TryGetProperty("cat", out var cat) ? cat.GetString() ?? "" : "";
            string name = e.GetProperty("name").GetString() ?? "";
            long start = e.GetProperty("ts").GetInt64(), duration = e.GetProperty("dur").GetInt64();
            if (category == "Session" && name == "model_run") runs.Add((start, start + duration));
            else if (category == "Node" && name.EndsWith(KernelSuffix, StringComparison.Ordinal))
                nodes.Add((start, new NodeTime(name[..^KernelSuffix.Length], e.GetProperty("args").GetProperty("op_name").GetString() ?? "", duration / 1000.0)));
        }
        return [.. runs.Select(run => (IReadOnlyList<NodeTime>)[.. nodes.Where(n => n.Start >= run.Start && n.Start <= run.End).Select(n => n.Time)])];
    }
}
