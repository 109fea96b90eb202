using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class EqualizationTests(ITestOutputHelper output)
{
    private static double MaxRelativeDifference(float[][] a, float[][] b) =>
        a.Zip(b).Max(p => Difference.Of(p.First, p.Second).MaxRelative);

    /// <summary>Largest over smallest per-output-channel weight range, over the convs that feed another conv.</summary>
    private static double WorstRangeRatio(Graph graph) => graph.Nodes.OfType<ConvNode>().SkipLast(1).Max(conv =>
    {
        var ranges = WeightQuantizer.ChannelMaxAbs(conv.Weights, QuantizationPlan.WeightChannelAxis(conv));
        return ranges.Max() / ranges.Min();
    });

    [Fact]
    public void ReluChainKeepsItsOutputAndEvensOutChannelRanges()
    {
        var graph = SmallModels.ConvChain("Relu");
        var inputs = SmallModels.RandomInputs(4, 10);
        var before = SmallModels.Run(graph, inputs);
        double ratioBefore = WorstRangeRatio(graph);
        var result = CrossLayerEqualization.Run(graph);
        double ratioAfter = WorstRangeRatio(graph);
        double difference = MaxRelativeDifference(SmallModels.Run(graph, inputs), before);
        output.WriteLine($"pairs {result.Pairs}, sweeps {result.Sweeps}, worst channel range ratio {ratioBefore:F1} -> {ratioAfter:F2}, output difference {difference:E2}");
        Assert.Equal(2, result.Pairs);
        Assert.True(difference < 1e-5);
        Assert.True(ratioAfter < ratioBefore / 4, $"ranges did not even out: {ratioBefore:F1} -> {ratioAfter:F1}");
    }

    [Fact]
    public void Relu6PairsAreLeftAloneWithoutCalibrationMaxima()
    {
        var graph = SmallModels.ConvChain("Relu6");
        var weights = graph.Nodes.OfType<ConvNode>().Select(c => c.Weights.Floats).ToList();
        Assert.Equal(0, CrossLayerEqualization.Run(graph).Pairs);
        Assert.Equal(weights, graph.Nodes.OfType<ConvNode>().Select(c => c.Weights.Floats));
    }

    [Fact]
    public void Relu6PairsEqualizeOnlyChannelsWhoseClipNeverActsAndStayExactOnTheCalibrationData()
    {
        var graph = SmallModels.ConvChain("Relu6");
        var inputs = SmallModels.RandomInputs(8, 20);
        var before = SmallModels.Run(graph, inputs);
        var statistics = ActivationCalibrator.Run(graph, new TensorCalibrationData(inputs), CalibrationMethod.MinMax);
        var maxima = statistics.Channels.ToDictionary(kv => kv.Key, kv => kv.Value.Maxima);
        var first = graph.Nodes.OfType<ConvNode>().First();
        int clipped = maxima[first].Count(m => m > 6);
        var firstRanges = WeightQuantizer.ChannelMaxAbs(first.Weights, 0);

        var result = CrossLayerEqualization.Run(graph, maxima);
        double difference = MaxRelativeDifference(SmallModels.Run(graph, inputs), before);
        var equalized = WeightQuantizer.ChannelMaxAbs(first.Weights, 0);
        output.WriteLine($"pairs {result.Pairs}, first conv: {clipped} of 8 channels reach the clip; output difference {difference:E2}");
        Assert.Equal(2, result.Pairs);
        Assert.True(difference < 1e-5);
        Assert.All(graph.Nodes.OfType<ConvNode>().SkipLast(1), c => Assert.Equal(new Activation(ActivationKind.Clip, 0, 6), c.Activation));
        Assert.InRange(clipped, 1, 7);   // the model exercises both kinds of channel
        for (int c = 0; c < 8; c++)
            if (maxima[first][c] > 6) Assert.Equal(firstRanges[c], equalized[c]);
        Assert.Contains(Enumerable.Range(0, 8), c => maxima[first][c] <= 6 && Math.Abs(equalized[c] / firstRanges[c] - 1) > 0.1);
    }
}
