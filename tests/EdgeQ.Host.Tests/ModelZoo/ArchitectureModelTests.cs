using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;
using EdgeQ.Host.ModelZoo;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.ModelZoo;

/// <summary>The benchmark architectures: published MACs and parameters, ONNX Runtime agreement, sane logits.</summary>
public sealed class ArchitectureModelTests(ITestOutputHelper output)
{
    private const int Seed = 1;

    // Published figures (MobileNetV2 paper; torchvision model cards). Parameters are counted after BN folding (one
    // bias per channel instead of BN's scale and shift), which is why they sit slightly below the published ones.
    public static TheoryData<string, double, double, double, double> PublishedSizes => new()
    {
        { "mobilenet_v2_1.0_224", 295e6, 305e6, 3.40e6, 3.55e6 },
        { "mobilenet_v3_large_224", 215e6, 221e6, 5.35e6, 5.50e6 },
    };

    [Theory]
    [MemberData(nameof(PublishedSizes))]
    public void MacsAndParametersMatchThePublishedFigures(string name, double minMacs, double maxMacs, double minParameters, double maxParameters)
    {
        using var model = TempModel.Write(ArchitectureModels.ByName[name](Seed));
        var graph = GraphOptimizer.Load(model.Path);
        output.WriteLine($"{name}: {graph.Nodes.Count} IR nodes, {graph.TotalMacs / 1e6:F1} M MACs, {graph.TotalParameters / 1e6:F3} M parameters");
        Assert.DoesNotContain(graph.Nodes, n => n is BatchNormalizationNode);   // all folded into the convolutions
        Assert.InRange(graph.TotalMacs, minMacs, maxMacs);
        Assert.InRange(graph.TotalParameters, minParameters, maxParameters);
    }

    [Theory]
    [InlineData("mobilenet_v2_1.0_224")]
    [InlineData("mobilenet_v3_large_224")]
    public void FloatExecutorMatchesOnnxRuntimeWithSpreadLogits(string name)
    {
        using var model = TempModel.Write(ArchitectureModels.ByName[name](Seed));
        var executor = new FloatExecutor(GraphOptimizer.Load(model.Path));
        using var oracle = new OrtOracle(model.Path);
        var worst = new Difference(0, 0);
        var argmaxes = new HashSet<int>();
        // Photos, not noise: global pooling averages i.i.d. noise away, so every noise image gives the same logits.
        var photos = Directory.GetFiles(TestData.ImageNetSamples, "*.jpg").Order(StringComparer.Ordinal).Take(4)
            .Select(f => new ImagePreprocessor().Load(f, Layout.Plain));
        foreach (var (photo, sample) in photos.Select((p, i) => (p, i)))
        {
            var feeds = new Dictionary<string, TensorData> { [ArchitectureModels.InputName] = photo };
            var expected = oracle.Run(feeds).Values.Single();
            var logits = OnnxLayout.Run(executor, feeds).Values.Single();
            Assert.Equal([1, 1000], logits.Shape);
            worst = worst.Max(Difference.Of(logits.Floats, expected.Floats));
            float[] values = logits.Floats;
            Assert.All(values, v => Assert.True(float.IsFinite(v)));
            double mean = values.Average(), std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            output.WriteLine($"{name} input {sample}: logits mean {mean:F3}, std {std:F3}, range [{values.Min():F3}, {values.Max():F3}]");
            Assert.InRange(std, 0.1, 100);   // neither collapsed to a constant nor blown up through the depth
            argmaxes.Add(Array.IndexOf(values, values.Max()));
        }
        output.WriteLine($"{name} vs ONNX Runtime: {worst}");
        Assert.True(worst.MaxRelative < 1e-4, $"{name} differs from ONNX Runtime: {worst}");
        Assert.True(argmaxes.Count > 1, "every input gives the same class: the network ignores its input");
    }

    [Fact]
    public void WeightsAreDeterministicPerSeed()
    {
        Assert.Equal(ArchitectureModels.MobileNetV2(Seed), ArchitectureModels.MobileNetV2(Seed));
        Assert.NotEqual(ArchitectureModels.MobileNetV2(Seed), ArchitectureModels.MobileNetV2(Seed + 1));
    }

    /// <summary>A model file for the path-based importer and ORT, deleted afterwards.</summary>
    private sealed class TempModel(string path) : IDisposable
    {
        public string Path { get; } = path;

        public static TempModel Write(byte[] bytes)
        {
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgeq-zoo-{Guid.NewGuid():N}.onnx");
            File.WriteAllBytes(path, bytes);
            return new TempModel(path);
        }

        public void Dispose() => File.Delete(Path);
    }
}
