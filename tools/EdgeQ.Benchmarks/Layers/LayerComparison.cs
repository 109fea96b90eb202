using EdgeQ.Benchmarks.Engines;
using EdgeQ.Benchmarks.Measurement;
using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Benchmarks.Layers;

/// <summary>One EdgeQ layer with the median time each engine spends on it at one thread (ORT: the nodes mapped onto it)
/// and EdgeQ's at each of <see cref="LayerComparison.MoreThreads"/>. <see cref="OrtInt8Ops"/> names the operators ORT
/// int8 ran for it, slowest first (QLinearConv, or a float Conv between DequantizeLinear and QuantizeLinear where ORT
/// did not fuse the QDQ pattern).</summary>
internal sealed record LayerRow(LayerInfo Layer, string Family, double EdgeQMs, double OrtInt8Ms, double OrtFp32Ms, string OrtInt8Ops,
    IReadOnlyList<double> EdgeQMsMoreThreads);

/// <summary>The layers of one family summed; <see cref="LayerFamily.OrtOnly"/> holds the ORT nodes that map to no layer.</summary>
internal sealed record FamilyRow(string Family, int Layers, double EdgeQMs, double OrtInt8Ms, double OrtFp32Ms, IReadOnlyList<double> EdgeQMsMoreThreads);

/// <summary>
/// EdgeQ int8, ORT int8 (on EdgeQ's QDQ export) and ORT fp32 on one model, layer by layer, one thread: EdgeQ's own
/// per-layer profile against ORT's node profile, ORT's nodes mapped onto EdgeQ's layers (<see cref="NodeLayerMap"/>).
/// Per layer and engine the median over the profiled runs. EdgeQ is also profiled at <see cref="MoreThreads"/>, to
/// show which layers gain from more threads.
/// </summary>
internal sealed record LayerComparison(string Model, IReadOnlyList<int> MoreThreads, IReadOnlyList<LayerRow> Layers, IReadOnlyList<FamilyRow> Families)
{
    public const int Threads = 1;

    public static LayerComparison Measure(BenchmarkModel model, IReadOnlyList<int> moreThreads, int warmupRuns, int runs)
    {
        var edgeq = LayerProfile.Measure(model, Threads, warmupRuns, runs);
        var edgeqMoreThreads = moreThreads.Select(threads => LayerProfile.Measure(model, threads, warmupRuns, runs)).ToList();
        using var eqm = EqmFile.Open(model.EqmPath!);
        var int8Map = NodeLayerMap.ForQdqExport(OnnxNode.ReadAll(model.QdqPath!), [.. eqm.Model.Operators.Select(op => op.Output)]);
        var fp32Map = NodeLayerMap.ForFloatModel(OnnxNode.ReadAll(model.OnnxPath), [.. edgeq.Select(l => l.Layer.Name)]);
        return Combine(model.Name, edgeq, moreThreads, edgeqMoreThreads,
            int8Map, EngineCatalog.OrtInt8Engine.Profile(model, Threads, warmupRuns, runs),
            fp32Map, EngineCatalog.OrtFp32Engine.Profile(model, Threads, warmupRuns, runs));
    }

    public static LayerComparison Combine(string model, IReadOnlyList<LayerTiming> edgeq,
        IReadOnlyList<int> moreThreads, IReadOnlyList<IReadOnlyList<LayerTiming>> edgeqMoreThreads,
        NodeLayerMap int8Map, IReadOnlyList<IReadOnlyList<NodeTime>> int8Runs,
        NodeLayerMap fp32Map, IReadOnlyList<IReadOnlyList<NodeTime>> fp32Runs)
    {
        var (int8, int8Ops) = MedianPerLayer(int8Map, int8Runs, edgeq.Count);
        var (fp32, _) = MedianPerLayer(fp32Map, fp32Runs, edgeq.Count);
        var layers = edgeq.Select((l, i) => new LayerRow(l.Layer, LayerFamily.Of(l.Layer), l.MedianMs, int8[i], fp32[i], int8Ops[i],
            [.. edgeqMoreThreads.Select(profile => profile[i].MedianMs)])).ToList();
        var families = layers.GroupBy(l => l.Family)
            .Select(g => new FamilyRow(g.Key, g.Count(), g.Sum(l => l.EdgeQMs), g.Sum(l => l.OrtInt8Ms), g.Sum(l => l.OrtFp32Ms),
                [.. moreThreads.Select((_, t) => g.Sum(l => l.EdgeQMsMoreThreads[t]))]))
            .OrderByDescending(f => f.EdgeQMs)
            .Append(new FamilyRow(LayerFamily.OrtOnly, 0, 0, int8[^1], fp32[^1], [.. moreThreads.Select(_ => 0.0)]))
            .ToList();
        return new(model, moreThreads, layers, families);
    }

    /// <summary>Per layer (and, last, the unmapped nodes) the median over runs of the node times mapped onto it, and the
    /// operators of those nodes by their total time.</summary>
    private static (double[] Ms, string[] Ops) MedianPerLayer(NodeLayerMap map, IReadOnlyList<IReadOnlyList<NodeTime>> runs, int layerCount)
    {
        var layerOf = new Dictionary<string, int>();
        var samples = Enumerable.Range(0, layerCount + 1).Select(_ => new List<double>(runs.Count)).ToArray();
        var opTimes = Enumerable.Range(0, layerCount + 1).Select(_ => new Dictionary<string, double>()).ToArray();
        foreach (var run in runs)
        {
            var sums = new double[layerCount + 1];
            foreach (var node in run)
            {
                if (!layerOf.TryGetValue(node.Node, out int index)) layerOf[node.Node] = index = map.LayerOf(node.Node) ?? layerCount;
                sums[index] += node.Ms;
                opTimes[index][node.Op] = opTimes[index].GetValueOrDefault(node.Op) + node.Ms;
            }
            for (int i = 0; i <= layerCount; i++) samples[i].Add(sums[i]);
        }
        return ([.. samples.Select(s => s.Count == 0 ? 0 : LatencyStats.Of(s).MedianMs)],
            [.. opTimes.Select(ops => string.Join(" + ", ops.OrderByDescending(o => o.Value).Select(o => o.Key)))]);
    }
}
