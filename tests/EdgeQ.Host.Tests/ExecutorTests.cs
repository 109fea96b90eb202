using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Host.Tests;

public sealed class ExecutorTests
{
    private static Graph ConvReluModel(out string path)
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 6, 6);
        b.Output(b.Node("Relu", [b.Node("Conv", ["x", b.Random("w", [8, 3, 3, 3]), b.Random("bias", [8])], ("pads", new[] { 1, 1, 1, 1 }))]));
        path = b.Save();
        return GraphOptimizer.Load(path);
    }

    [Fact]
    public void ObserverSeesPreActivationOfFusedNodes()
    {
        var graph = ConvReluModel(out string path);
        File.Delete(path);
        var conv = Assert.IsType<ConvNode>(Assert.Single(graph.Nodes));
        Assert.Equal(ActivationKind.Relu, conv.Activation.Kind);
        var seen = new List<TensorObservation>();
        var input = TestData.RandomTensor([1, 6, 6, 3], 3);
        var result = new FloatExecutor(graph).Run(new Dictionary<string, TensorData> { ["x"] = input }, (in TensorObservation o) => seen.Add(o));

        var pre = Assert.Single(seen, o => o.PreActivation).Tensor.Floats;
        var post = Assert.Single(seen, o => !o.PreActivation).Tensor.Floats;
        Assert.Contains(pre, v => v < 0);                       // the raw conv output, not the clamped one
        Assert.Equal(pre.Select(v => Math.Max(v, 0f)), post);
        Assert.Equal(post, result[graph.Outputs[0].Name].Floats);
    }

    [Fact]
    public void BatchRunsMatchSingleRuns()
    {
        var graph = GraphOptimizer.Load(TestData.MobileNetV1);
        var executor = new FloatExecutor(graph);
        var samples = Enumerable.Range(0, 4)
            .Select(seed => (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { ["input"] = TestData.RandomTensor([1, 224, 224, 3], seed) })
            .ToList();
        int observed = 0;
        var batch = executor.RunBatch(samples, (in TensorObservation _) => Interlocked.Increment(ref observed));
        for (int i = 0; i < samples.Count; i++)
            Assert.Equal(executor.Run(samples[i])["logits"].Floats, batch[i]["logits"].Floats);
        // Every node output plus every fused pre-activation, for every sample.
        int perSample = graph.Nodes.Sum(n => n.Outputs.Count) + graph.Nodes.OfType<IFusedActivation>().Count(n => n.Activation.Kind != ActivationKind.None);
        Assert.Equal(samples.Count * perSample, observed);
    }
}
