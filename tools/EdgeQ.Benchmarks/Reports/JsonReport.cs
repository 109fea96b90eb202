using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeQ.Benchmarks.Engines;
using EdgeQ.Benchmarks.Layers;
using EdgeQ.Benchmarks.Measurement;

namespace EdgeQ.Benchmarks.Reports;

/// <summary>
/// One JSON array, one object per model and thread count: <c>model</c>, <c>threads</c>, <c>macs</c>, and per engine
/// <c>{key}_ms</c> (median; null while the engine is pending) with its quartiles, load time, peak memory and GMAC/s;
/// at one thread <c>layer_families</c> (the per-layer comparison by operator family).
/// </summary>
internal static class JsonReport
{
    public static string Format(IReadOnlyList<BenchmarkResult> results, RunContext context, IReadOnlyList<LayerComparison> comparisons)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("model", r.Model.Name);
                json.WriteNumber("threads", r.Threads);
                json.WriteNumber("macs", r.Model.Macs.Value);
                foreach (var e in r.Engines) WriteEngine(json, e, r, context.Machine);
                json.WriteNumber("int8_peak_gmacs", context.Machine.Int8PeakGmacs(r.Threads));
                json.WriteNumber("load_average_start", context.LoadAverageAtStart);
                json.WriteNumber("load_average_end", context.LoadAverageAtEnd);
                if (comparisons.FirstOrDefault(c => c.Model == r.Model.Name && r.Threads == LayerComparison.Threads) is { } comparison)
                    WriteFamilies(json, comparison);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary><c>layer_families</c>: per operator family the layers' summed median ms of each engine at one thread, and
    /// EdgeQ's at the other thread counts (<c>edgeq_2_threads_ms</c>; see LayerComparison).</summary>
    private static void WriteFamilies(Utf8JsonWriter json, LayerComparison comparison)
    {
        json.WriteStartArray("layer_families");
        foreach (var f in comparison.Families)
        {
            json.WriteStartObject();
            json.WriteString("family", f.Family);
            json.WriteNumber("layers", f.Layers);
            json.WriteNumber(EngineCatalog.EdgeQInt8 + "_ms", Math.Round(f.EdgeQMs, 3));
            json.WriteNumber(EngineCatalog.OrtInt8 + "_ms", Math.Round(f.OrtInt8Ms, 3));
            json.WriteNumber(EngineCatalog.OrtFp32 + "_ms", Math.Round(f.OrtFp32Ms, 3));
            for (int t = 0; t < comparison.MoreThreads.Count; t++)
                json.WriteNumber($"{EngineCatalog.EdgeQInt8}_{comparison.MoreThreads[t]}_threads_ms", Math.Round(f.EdgeQMsMoreThreads[t], 3));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteEngine(Utf8JsonWriter json, EngineResult e, BenchmarkResult r, MachineInfo machine)
    {
        string key = e.Engine.Key;
        if (e.Latency is not { } s)
        {
            json.WriteNull(key + "_ms");
            json.WriteString(key + "_pending", e.Unavailable);
            return;
        }
        json.WriteNumber(key + "_ms", Math.Round(s.MedianMs, 3));
        json.WriteNumber(key + "_p25_ms", Math.Round(s.P25Ms, 3));
        json.WriteNumber(key + "_p75_ms", Math.Round(s.P75Ms, 3));
        json.WriteNumber(key + "_runs", s.Runs);
        json.WriteNumber(key + "_load_ms", Math.Round(e.LoadMs, 1));
        json.WriteNumber(key + "_peak_mib", Math.Round(e.PeakBytes / 1048576.0, 1));
        double gmacs = Formatting.Gmacs(r.Model.Macs.Value, s);
        json.WriteNumber(key + "_gmacs", Math.Round(gmacs, 2));
        if (key == EngineCatalog.EdgeQInt8) json.WriteNumber(key + "_int8_peak_share", Math.Round(gmacs / machine.Int8PeakGmacs(r.Threads), 4));
    }
}
