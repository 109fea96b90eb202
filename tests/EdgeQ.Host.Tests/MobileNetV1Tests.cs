using System.Diagnostics;
using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests;

/// <summary>The real ImageNet MobileNetV1-0.25 on the 1000 labelled photos, against ONNX Runtime.</summary>
public sealed class MobileNetV1Tests(ITestOutputHelper output)
{
    [Fact]
    public void MatchesOnnxRuntimeAndReproducesTop1OnAllSamples()
    {
        var graph = GraphOptimizer.Load(TestData.MobileNetV1);
        var executor = new FloatExecutor(graph);
        using var oracle = new OrtOracle(TestData.MobileNetV1);
        var labels = File.ReadLines(Path.Combine(TestData.ImageNetSamples, "labels.tsv")).Skip(1)
            .Select(line => line.Split('\t')).Select(f => (File: f[0], Class: int.Parse(f[1]))).ToList();
        Assert.Equal(1000, labels.Count);
        var preprocessor = new ImagePreprocessor();

        int ourCorrect = 0, ortCorrect = 0, disagreements = 0;
        var worst = new Difference(0, 0);
        var ours = Stopwatch.StartNew();
        var ortTime = new Stopwatch();
        foreach (var chunk in labels.Chunk(50))
        {
            var images = chunk.AsParallel().AsOrdered()
                .Select(s => preprocessor.Load(Path.Combine(TestData.ImageNetSamples, s.File), Layout.Plain)).ToArray();
            var results = executor.RunBatch(images.Select(image => OnnxLayout.ToGraph(graph, new Dictionary<string, TensorData> { ["input"] = image })).ToArray());
            for (int i = 0; i < chunk.Length; i++)
            {
                ortTime.Start();
                var expected = oracle.Run(new Dictionary<string, TensorData> { ["input"] = images[i] })["logits"].Floats;
                ortTime.Stop();
                var actual = results[i]["logits"].Floats;
                worst = worst.Max(Difference.Of(actual, expected));
                int ourTop1 = ArgMax(actual), ortTop1 = ArgMax(expected);
                if (ourTop1 == chunk[i].Class) ourCorrect++;
                if (ortTop1 == chunk[i].Class) ortCorrect++;
                if (ourTop1 != ortTop1) disagreements++;
            }
        }
        ours.Stop();
        output.WriteLine($"MobileNetV1-0.25, 1000 images: top-1 EdgeQ {ourCorrect}/1000, ONNX Runtime {ortCorrect}/1000, " +
            $"per-image top-1 disagreements {disagreements}; logits {worst}; " +
            $"total {ours.Elapsed.TotalSeconds:F1} s (of which ORT {ortTime.Elapsed.TotalSeconds:F1} s)");
        Assert.Equal(580, ortCorrect);
        Assert.Equal(580, ourCorrect);
        Assert.Equal(0, disagreements);
        Assert.True(worst.MaxRelative < 1e-4, $"logits differ from ONNX Runtime: {worst}");
    }

    [Fact]
    public void OptimizedGraphIsFoldedFusedAndNhwc()
    {
        var graph = GraphOptimizer.Load(TestData.MobileNetV1);
        Assert.DoesNotContain(graph.Nodes, n => n is BatchNormalizationNode or ActivationNode or TransposeNode);
        var convs = graph.Nodes.OfType<ConvNode>().ToList();
        Assert.Equal(28, convs.Count);
        Assert.Equal(13, convs.Count(c => c.IsDepthwise));
        Assert.All(convs.SkipLast(1), c => Assert.Equal(new Activation(ActivationKind.Clip, 0, 6), c.Activation));
        Assert.Equal(Layout.Nhwc, graph.Inputs[0].Layout);
        Assert.Equal([1, 224, 224, 3], graph.Inputs[0].Shape);
        Assert.Equal([1, 1000], graph.Outputs[0].Shape);
    }

    internal static int ArgMax(ReadOnlySpan<float> values) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(values);
}
