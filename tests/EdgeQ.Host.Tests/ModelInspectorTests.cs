using System.Text.Json;
using EdgeQ.Host.Inspection;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests;

public sealed class ModelInspectorTests(ITestOutputHelper output)
{
    [Fact]
    public void TableAndJsonDescribeMobileNetV1()
    {
        var graph = GraphOptimizer.Load(TestData.MobileNetV1);
        string table = ModelInspector.FormatTable(graph);
        output.WriteLine(table);
        Assert.Contains("DepthwiseConv", table);
        Assert.Contains("Clip(0,6)", table);
        Assert.Contains("[1x112x112x8] NHWC", table);
        // MobileNetV1-0.25 at 224: about 41 M multiply-accumulates and 0.47 M parameters (published figures).
        Assert.InRange(graph.TotalMacs, 40_000_000, 43_000_000);
        Assert.InRange(graph.TotalParameters, 460_000, 480_000);

        using var json = JsonDocument.Parse(ModelInspector.FormatJson(graph));
        var root = json.RootElement;
        Assert.Equal(graph.TotalMacs, root.GetProperty("total_macs").GetInt64());
        Assert.Equal(graph.TotalParameters, root.GetProperty("parameters").GetInt64());
        var layers = root.GetProperty("layers");
        Assert.Equal(graph.Nodes.Count, layers.GetArrayLength());
        Assert.Equal(graph.TotalMacs, layers.EnumerateArray().Sum(l => l.GetProperty("macs").GetInt64()));
        Assert.Equal("Conv", layers[0].GetProperty("op").GetString());
    }
}
