using EdgeQ.Host.Ir;
using EdgeQ.Host.Tests.Quantization;
using EdgeQ.Host.Training;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Training;

public sealed class FineTuningGradientTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every op the backward pass supports, on 12x12 images: conv (stride 2) + ReLU, constant Pad + MaxPool, depthwise
    /// + ReLU6, Concat, a standalone LeakyRelu, 1x1 conv, Add with fused hard-swish, an SE block (global average pool,
    /// conv + ReLU, conv + hard-sigmoid, Mul), AveragePool, Flatten, Gemm and Softmax.
    /// </summary>
    private static Graph EveryOp()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 12, 12);
        string Weights(string name, params int[] shape) => b.Random(name, shape, 0.6f);
        string a = b.Node("Relu", [b.Node("Conv", ["x", Weights("w1", 8, 3, 3, 3), Weights("b1", 8)], ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }))]);
        string padded = b.Node("Pad", [a, b.Initializer("pads", [0L, 0, 1, 1, 0, 0, 1, 1])]);
        string pooled = b.Node("MaxPool", [padded], ("kernel_shape", new[] { 3, 3 }));
        string dw = b.Node("Clip", [b.Node("Conv", [a, Weights("w2", 8, 1, 3, 3), Weights("b2", 8)], ("group", 8), ("pads", new[] { 1, 1, 1, 1 })),
            b.Initializer("lo", [], [0f]), b.Initializer("hi", [], [6f])]);
        string joined = b.Node("LeakyRelu", [b.Node("Concat", [pooled, dw], ("axis", 1))], ("alpha", 0.1f));
        string projected = b.Node("Conv", [joined, Weights("w3", 8, 16, 1, 1), Weights("b3", 8)]);
        string h = b.Node("HardSwish", [b.Node("Add", [projected, a])]);
        string squeezed = b.Node("Relu", [b.Node("Conv", [b.Node("GlobalAveragePool", [h]), Weights("w4", 4, 8, 1, 1), Weights("b4", 4)])]);
        string gate = b.Node("HardSigmoid", [b.Node("Conv", [squeezed, Weights("w5", 8, 4, 1, 1), Weights("b5", 8)])]);
        string excited = b.Node("Mul", [h, gate]);
        string averaged = b.Node("AveragePool", [excited], ("kernel_shape", new[] { 2, 2 }), ("strides", new[] { 2, 2 }));
        b.Output(b.Node("Softmax", [b.Node("Gemm", [b.Node("Flatten", [averaged]), Weights("w6", 5, 72), Weights("b6", 5)], ("transB", 1))], ("axis", -1)));
        return SmallModels.Load(b);
    }

    [Fact]
    public void BiasGradientsMatchFiniteDifferencesThroughEveryOp()
    {
        var graph = EveryOp();
        output.WriteLine(string.Join(", ", graph.Nodes.Select(n => $"{n.OpType}{(NodeActivation(n) is { } a ? "+" + a : "")}")));
        // The optimizer must not have folded any op away, or the check would not cover it.
        string[] ops = ["Conv", "Pad", "MaxPool", "DepthwiseConv", "Concat", "LeakyRelu", "Add", "ReduceMean", "Mul", "AveragePool", "Transpose", "Reshape", "Gemm", "Softmax"];
        Assert.Empty(ops.Except(graph.Nodes.Select(n => n.OpType)));
        ActivationKind[] activations = [ActivationKind.Relu, ActivationKind.Clip, ActivationKind.HardSwish, ActivationKind.HardSigmoid];
        Assert.Empty(activations.Except(graph.Nodes.OfType<IFusedActivation>().Select(n => n.Activation.Kind)));
        var network = TrainableGraph.Float(graph);
        var inputs = Enumerable.Range(0, 2).Select(i => TestData.RandomTensor([1, 12, 12, 3], 40 + i)).ToArray();
        // Probabilities to match: the softmax output is in (0, 1).
        var targets = Enumerable.Range(0, 2).Select(i => TestData.RandomTensor([1, 5], 50 + i).Floats.Select(v => (v + 1) / 5).ToArray()).ToArray();
        double Loss() => inputs.Select((x, i) => network.SquaredError(x, targets[i], Gradients(network))).Sum();
        var analytic = Gradients(network);
        for (int i = 0; i < inputs.Length; i++) network.SquaredError(inputs[i], targets[i], analytic);

        const float step = 1e-3f;
        int checkedChannels = 0;
        for (int l = 0; l < network.Layers.Count; l++)
        {
            var bias = network.Biases[l];
            double largest = analytic[l].Max(Math.Abs);
            Assert.True(largest > 1e-4, $"{network.Layers[l]}: no gradient reaches this layer");
            for (int c = 0; c < bias.Length; c++)
            {
                float original = bias[c];
                bias[c] = original + step;
                double up = Loss();
                bias[c] = original - step;
                double down = Loss();
                bias[c] = original;
                double numeric = (up - down) / (2 * step);
                Assert.True(Math.Abs(numeric - analytic[l][c]) <= 1e-3 + 0.02 * Math.Abs(numeric),
                    $"{network.Layers[l]} channel {c}: analytic {analytic[l][c]:G5}, finite difference {numeric:G5}");
                checkedChannels++;
            }
        }
        output.WriteLine($"{checkedChannels} bias gradients of {network.Layers.Count} layers match finite differences");
    }

    private static string? NodeActivation(Node node) => node is IFusedActivation { Activation.Kind: not ActivationKind.None } f ? f.Activation.ToString() : null;

    private static float[][] Gradients(TrainableGraph network) => network.Biases.Select(b => new float[b.Length]).ToArray();
}
