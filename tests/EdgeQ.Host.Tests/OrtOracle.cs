using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeQ.Host.Tests;

/// <summary>ONNX Runtime (CPU, fp32) as the float oracle; inputs and outputs in ONNX layout.</summary>
internal sealed class OrtOracle : IDisposable
{
    private readonly InferenceSession session;

    public OrtOracle(string modelPath)
    {
        // Basic optimizations only (constant folding, no fusions or layout rewrites); one thread for repeatable sums.
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, IntraOpNumThreads = 1 };
        session = new InferenceSession(modelPath, options);
    }

    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        var feeds = inputs.Select(kv => NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(kv.Value.Floats, kv.Value.Shape))).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r =>
        {
            var tensor = r.AsTensor<float>();
            return TensorData.FromFloats(tensor.Dimensions.ToArray(), tensor.ToArray());
        });
    }

    public void Dispose() => session.Dispose();
}

/// <summary>Runs an optimized graph on ONNX-layout inputs and returns ONNX-layout outputs, for comparison with ORT.</summary>
internal static class OnnxLayout
{
    public static Dictionary<string, TensorData> ToGraph(Graph graph, IReadOnlyDictionary<string, TensorData> onnxInputs) =>
        graph.Inputs.ToDictionary(v => v.Name, v => v.Layout == Layout.Nhwc ? onnxInputs[v.Name].Transpose(Nhwc.FromNchw) : onnxInputs[v.Name]);

    public static TensorData FromGraph(Value value, TensorData tensor) =>
        value.Layout == Layout.Nhwc ? tensor.Transpose(Nhwc.ToNchw) : tensor;

    public static Dictionary<string, TensorData> Run(FloatExecutor executor, IReadOnlyDictionary<string, TensorData> onnxInputs)
    {
        var outputs = executor.Run(ToGraph(executor.Graph, onnxInputs));
        return executor.Graph.Outputs.ToDictionary(v => v.Name, v => FromGraph(v, outputs[v.Name]));
    }
}

/// <summary>Max abs difference, and that difference relative to the reference's largest magnitude.</summary>
internal readonly record struct Difference(double MaxAbs, double MaxRelative, double ReferenceMax = 0)
{
    /// <summary>Relative = max abs difference / max |reference| (per-element ratios blow up near zero).</summary>
    public static Difference Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"lengths differ: {actual.Length} vs {expected.Length}");
        double maxAbs = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        return new(maxAbs, scale == 0 ? maxAbs : maxAbs / scale, scale);
    }

    public Difference Max(Difference other) =>
        new(Math.Max(MaxAbs, other.MaxAbs), Math.Max(MaxRelative, other.MaxRelative), Math.Max(ReferenceMax, other.ReferenceMax));

    public override string ToString() => $"max abs {MaxAbs:E2}, max rel {MaxRelative:E2} (reference max |y| {ReferenceMax:G4})";
}
