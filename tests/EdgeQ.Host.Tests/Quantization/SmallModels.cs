using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>Small ONNX graphs (imported and optimized like real ones) for quantization tests.</summary>
internal static class SmallModels
{
    public static readonly int[] InputShape = [1, 8, 8, 3];

    /// <summary>
    /// conv 3x3 (3 -> 8) -> act -> depthwise 3x3 (8) -> act -> conv 1x1 (8 -> 4), with output channel c of the first
    /// two layers scaled by 4^(c mod 4 - 2), so per-channel ranges differ by 64x. act: "Relu", "Relu6", "HardSwish".
    /// </summary>
    public static Graph ConvChain(string activation)
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        string conv = b.Node("Conv", ["x", Spread(b, "w1", [8, 3, 3, 3]), Uniform(b, "b1", [8], 0.2f)], ("pads", new[] { 1, 1, 1, 1 }));
        string act1 = Activate(b, conv, activation);
        string dw = b.Node("Conv", [act1, Spread(b, "w2", [8, 1, 3, 3]), Uniform(b, "b2", [8], 0.2f)], ("group", 8), ("pads", new[] { 1, 1, 1, 1 }));
        string act2 = Activate(b, dw, activation);
        b.Output(b.Node("Conv", [act2, Uniform(b, "w3", [4, 8, 1, 1], 0.5f), Uniform(b, "b3", [4], 0.2f)]));
        return Load(b);
    }

    /// <summary>Weights in [-scale, scale) from a seed fixed by the name (OnnxModelBuilder.Random's seed changes per process).</summary>
    private static string Uniform(OnnxModelBuilder b, string name, int[] shape, float scale)
    {
        var random = new Random(name[^1] * 131 + shape.Length);
        return b.Initializer(name, shape, Enumerable.Range(0, Shapes.Size(shape)).Select(_ => (random.NextSingle() * 2 - 1) * scale).ToArray());
    }

    public static Graph Load(OnnxModelBuilder builder) => GraphOptimizer.Run(OnnxImporter.Load(new MemoryStream(builder.Build())));

    private static string Spread(OnnxModelBuilder b, string name, int[] shape)
    {
        var random = new Random(name.Length * 31 + shape[0]);
        int perChannel = Shapes.Size(shape) / shape[0];
        return b.Initializer(name, shape, Enumerable.Range(0, Shapes.Size(shape))
            .Select(i => (random.NextSingle() * 2 - 1) * MathF.Pow(4, i / perChannel % 4 - 2)).ToArray());
    }

    private static string Activate(OnnxModelBuilder b, string x, string activation) => activation switch
    {
        "Relu6" => b.Node("Clip", [x, b.Initializer($"lo_{x}", [], [0f]), b.Initializer($"hi_{x}", [], [6f])]),
        _ => b.Node(activation, [x]),
    };

    public static TensorData[] RandomInputs(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => TestData.RandomTensor(InputShape, seed + i)).ToArray();

    public static float[][] Run(Graph graph, IEnumerable<TensorData> inputs)
    {
        var executor = new FloatExecutor(graph);
        return inputs.Select(x => executor.Run(new Dictionary<string, TensorData> { [graph.Inputs[0].Name] = x })[graph.Outputs[0].Name].Floats).ToArray();
    }
}
