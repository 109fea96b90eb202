using EdgeQ.Benchmarks.Engines;
using EdgeQ.Runtime;

namespace EdgeQ.Benchmarks.Measurement;

/// <summary>One EdgeQ layer's median wall time over the profiled runs.</summary>
internal sealed record LayerTiming(LayerInfo Layer, double MedianMs);

/// <summary>EdgeQ's per-layer times (InferenceModel.CollectLayerTimes), median per layer over the runs.</summary>
internal static class LayerProfile
{
    public static IReadOnlyList<LayerTiming> Measure(BenchmarkModel model, int threads, int warmupRuns, int runs)
    {
        using var inference = EdgeQEngine.OpenModel(model, threads);
        inference.CollectLayerTimes = true;
        var input = EdgeQEngine.QuantizedInput(model, inference.Input);
        var output = new sbyte[inference.OutputBytes];
        for (int i = 0; i < warmupRuns; i++) inference.Run(input, output);
        var samples = inference.Layers.Select(_ => new List<double>(runs)).ToArray();
        for (int run = 0; run < runs; run++)
        {
            inference.Run(input, output);
            for (int layer = 0; layer < samples.Length; layer++) samples[layer].Add(inference.LayerTime(layer).TotalMilliseconds);
        }
        return [.. inference.Layers.Select((layer, i) => new LayerTiming(layer, LatencyStats.Of(samples[i]).MedianMs))];
    }
}
