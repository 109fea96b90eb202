using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>
/// Weight quantization alone on the real MobileNetV1-0.25: weights are quantized, dequantized and run by the float
/// executor (activations stay float), and top-1 is compared with the float model on 64 images.
/// </summary>
public sealed class WeightQuantizationAccuracyTests(MobileNetFixture mobileNet, ITestOutputHelper output) : IClassFixture<MobileNetFixture>
{
    private double Agreement(WeightGranularity granularity, int bits, bool equalize)
    {
        var graph = MobileNetFixture.LoadGraph();
        if (equalize) mobileNet.Equalize(graph);
        FakeQuantizeWeights(graph, granularity, bits);
        double agreement = mobileNet.Top1Agreement(mobileNet.Logits(graph));
        output.WriteLine($"{granularity} W{bits}{(equalize ? " + equalize" : "")}: top-1 agreement with float {agreement:P1} on {MobileNetFixture.EvaluationCount} images");
        return agreement;
    }

    internal static void FakeQuantizeWeights(Graph graph, WeightGranularity granularity, int bits)
    {
        foreach (var node in graph.Nodes)
        {
            if (node is not (ConvNode or FullyConnectedNode)) continue;
            var (weights, _) = QuantizationPlan.FloatParameters(node);
            var dequantized = WeightQuantizer.Quantize(weights, QuantizationPlan.WeightChannelAxis(node), granularity, bits).Dequantize();
            if (node is ConvNode conv) conv.Weights = dequantized;
            else ((FullyConnectedNode)node).Weights = dequantized;
        }
    }

    [Fact]
    public void PerChannelEightBitWeightsKeepTheFloatTop1()
    {
        Assert.True(Agreement(WeightGranularity.PerChannel, 8, equalize: false) >= 0.95);
    }

    [Fact]
    public void PerTensorWeightsNeedEqualization()
    {
        double naive = Agreement(WeightGranularity.PerTensor, 8, equalize: false);
        double equalized = Agreement(WeightGranularity.PerTensor, 8, equalize: true);
        Assert.True(naive < 0.6, $"per-tensor W8 agreement {naive:P1}: expected the depthwise ranges to hurt it");
        Assert.True(equalized >= naive + 0.3, $"equalization should repair per-tensor W8: {naive:P1} -> {equalized:P1}");
    }
}
