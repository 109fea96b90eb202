using EdgeQ.Benchmarks.Layers;
using EdgeQ.Benchmarks.Measurement;
using EdgeQ.Format;
using static EdgeQ.Benchmarks.Tests.LayerFamilyTests;

namespace EdgeQ.Benchmarks.Tests;

public class LayerComparisonTests
{
    [Fact]
    public void Node_times_are_summed_per_layer_per_run_then_medians_grouped_by_family()
    {
        LayerTiming[] edgeq =
        [
            new(Layer(0, OpKind.Conv2D, [1, 8, 8, 3], [1, 8, 8, 4], 8 * 8 * 4 * 27, "a"), 0.5),
            new(Layer(1, OpKind.Conv2D, [1, 8, 8, 4], [1, 8, 8, 4], 8 * 8 * 4 * 4, "b"), 0.2),
            new(Layer(2, OpKind.Conv2D, [1, 8, 8, 4], [1, 8, 8, 4], 8 * 8 * 4 * 4, "c"), 0.1),
        ];
        OnnxNode[] graph =
        [
            new("A", "Conv", ["input"], ["a"]),
            new("B", "Conv", ["a"], ["b"]),
            new("C", "Conv", ["b"], ["c"]),
        ];
        var map = NodeLayerMap.ForFloatModel(graph, ["a", "b", "c"]);
        // Layer b is two nodes in ORT int8 (a float Conv between Q and DQ): their sum per run, then the median of 3 runs.
        IReadOnlyList<NodeTime>[] int8Runs =
        [
            [new("A", "QLinearConv", 0.4), new("B", "Conv", 0.3), new("B_q", "QuantizeLinear", 0.1), new("C", "QLinearConv", 0.05), new("Transpose", "Transpose", 0.02)],
            [new("A", "QLinearConv", 0.6), new("B", "Conv", 0.2), new("B_q", "QuantizeLinear", 0.1), new("C", "QLinearConv", 0.05), new("Transpose", "Transpose", 0.04)],
            [new("A", "QLinearConv", 0.5), new("B", "Conv", 0.5), new("B_q", "QuantizeLinear", 0.1), new("C", "QLinearConv", 0.05), new("Transpose", "Transpose", 0.03)],
        ];
        IReadOnlyList<NodeTime>[] fp32Runs = [[new("A", "Conv", 1.0), new("B", "Conv", 0.4), new("C", "Conv", 0.6)]];

        LayerTiming[] edgeqTwoThreads = [.. edgeq.Select(l => l with { MedianMs = l.MedianMs / 2 })];

        var comparison = LayerComparison.Combine("m", edgeq, [2], [edgeqTwoThreads], map, int8Runs, map, fp32Runs);

        Assert.Equal([0.5, 0.4, 0.05], comparison.Layers.Select(l => Math.Round(l.OrtInt8Ms, 6)));
        Assert.Equal([1.0, 0.4, 0.6], comparison.Layers.Select(l => l.OrtFp32Ms));
        Assert.Equal("Conv + QuantizeLinear", comparison.Layers[1].OrtInt8Ops);
        Assert.Equal("QLinearConv", comparison.Layers[0].OrtInt8Ops);

        Assert.Equal([LayerFamily.FirstConv, LayerFamily.Pointwise, LayerFamily.OrtOnly], comparison.Families.Select(f => f.Family));
        var pointwise = comparison.Families[1];
        Assert.Equal((2, 0.3, 0.45, 1.0), (pointwise.Layers, Math.Round(pointwise.EdgeQMs, 6), Math.Round(pointwise.OrtInt8Ms, 6), Math.Round(pointwise.OrtFp32Ms, 6)));
        Assert.Equal(0.15, Math.Round(pointwise.EdgeQMsMoreThreads.Single(), 6));
        Assert.Equal([0.25, 0.1, 0.05], comparison.Layers.Select(l => l.EdgeQMsMoreThreads.Single()));
        var ortOnly = comparison.Families[2];
        Assert.Equal((0, 0.0, 0.03, 0.0), (ortOnly.Layers, ortOnly.EdgeQMs, Math.Round(ortOnly.OrtInt8Ms, 6), ortOnly.OrtFp32Ms));
    }
}
