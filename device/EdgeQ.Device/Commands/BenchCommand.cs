using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Runtime;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run bench MODEL.eqm</c>: latency statistics over timed runs on a seeded input, and per layer
/// (when asked) the mean time, its share, MACs and GMAC/s.</summary>
public static class BenchCommand
{
    public static readonly CommandSpec Spec = new(
        "bench",
        "Measure a model's latency (min/median/p90), throughput and, with --per-layer, where the time goes",
        [
            ModelOptions.Threads,
            ModelOptions.Kernels,
            new OptionSpec("--runs", "Timed runs (default 50)", "N"),
            new OptionSpec("--warmup", "Untimed runs first (default 5)", "N"),
            new OptionSpec("--per-layer", "Time every layer (adds two timestamps per op)"),
            new OptionSpec("--json", "Print the results as JSON"),
        ],
        [ModelOptions.Model],
        Run);

    private sealed record LayerResult(LayerInfo Layer, double MeanMs, double Share, double GmacPerSecond);

    private static int Run(ParsedCommand parsed, TextWriter output)
    {
        int runs = parsed.IntValue("--runs", 50, 1, 1_000_000), warmup = parsed.IntValue("--warmup", 5, 0, 1_000_000);
        bool perLayer = parsed.Has("--per-layer");
        using InferenceModel model = ModelOptions.Open(parsed);
        // A fixed pseudo-random input: timings do not depend on values, and every machine sees the same work.
        var rng = new Random(1);
        var input = new sbyte[model.Input.Bytes];
        rng.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()));
        var result = new sbyte[model.OutputBytes];

        for (int i = 0; i < warmup; i++) model.Run(input, result);
        model.CollectLayerTimes = perLayer;
        var latencies = new double[runs];
        var layerMs = new double[model.Layers.Count];
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Run(input, result);
            latencies[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (perLayer)
                for (int l = 0; l < layerMs.Length; l++) layerMs[l] += model.LayerTime(l).TotalMilliseconds;
        }
        Array.Sort(latencies);
        double median = Percentile(latencies, 0.5), p90 = Percentile(latencies, 0.9);
        long macs = ModelOptions.TotalMacs(model);
        double layerTotal = 0;
        foreach (double ms in layerMs) layerTotal += ms;
        var layers = new List<LayerResult>();
        for (int i = 0; perLayer && i < layerMs.Length; i++)
        {
            LayerInfo l = model.Layers[i];
            layers.Add(new LayerResult(l, layerMs[i] / runs, layerTotal > 0 ? layerMs[i] / layerTotal : 0,
                layerMs[i] > 0 ? l.Macs / (layerMs[i] / runs * 1e6) : 0));
        }

        if (parsed.Has("--json"))
        {
            output.WriteLine(ToJson(model, runs, warmup, latencies[0], median, p90, macs, layers));
            return CommandErrors.Success;
        }
        output.WriteLine($"{model.Metadata.Name}: {runs} runs after {warmup} warm-up, {model.Threads} threads, kernels {ModelOptions.DescribeKernels(model.Kernels)}");
        output.WriteLine(FormattableString.Invariant(
            $"latency ms: min {latencies[0]:F3}, median {median:F3}, p90 {p90:F3}; throughput {1000 / median:F1} inferences/s; {macs / 1e6:F1} MMAC, {macs / (median * 1e6):F2} GMAC/s"));
        if (perLayer)
        {
            output.WriteLine();
            var rows = new List<IReadOnlyList<string>> { new[] { "#", "op", "name", "ms", "share", "MACs", "GMAC/s" } };
            foreach (LayerResult r in layers)
                rows.Add([r.Layer.Index.ToString(CultureInfo.InvariantCulture), r.Layer.Kind.ToString(), r.Layer.Name,
                    r.MeanMs.ToString("F3", CultureInfo.InvariantCulture), r.Share.ToString("P1", CultureInfo.InvariantCulture),
                    r.Layer.Macs.ToString("N0", CultureInfo.InvariantCulture), r.Layer.Macs == 0 ? "" : r.GmacPerSecond.ToString("F2", CultureInfo.InvariantCulture)]);
            TextTable.Write(output, rows);
        }
        return CommandErrors.Success;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double fraction) => sorted[Math.Max(0, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    private static string ToJson(InferenceModel model, int runs, int warmup, double min, double median, double p90, long macs, List<LayerResult> layers)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", model.Metadata.Name);
            json.WriteString("kernelVariant", model.Kernels.Variant.Name());
            json.WriteNumber("threads", model.Threads);
            json.WriteNumber("runs", runs);
            json.WriteNumber("warmup", warmup);
            json.WriteNumber("minMs", min);
            json.WriteNumber("medianMs", median);
            json.WriteNumber("p90Ms", p90);
            json.WriteNumber("inferencesPerSecond", 1000 / median);
            json.WriteNumber("macs", macs);
            json.WriteNumber("gmacPerSecond", macs / (median * 1e6));
            json.WriteStartArray("layers");
            foreach (LayerResult r in layers)
            {
                json.WriteStartObject();
                json.WriteNumber("index", r.Layer.Index);
                json.WriteString("kind", r.Layer.Kind.ToString());
                json.WriteString("name", r.Layer.Name);
                json.WriteNumber("meanMs", r.MeanMs);
                json.WriteNumber("share", r.Share);
                json.WriteNumber("macs", r.Layer.Macs);
                json.WriteNumber("gmacPerSecond", r.GmacPerSecond);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
