using System.Globalization;
using System.Text;
using EdgeQ.Format;
using EdgeQ.Runtime;
using EdgeQ.Benchmarks.Engines;
using EdgeQ.Benchmarks.Measurement;
using static EdgeQ.Benchmarks.Reports.Formatting;

namespace EdgeQ.Benchmarks.Reports;

/// <summary>The report as markdown: what docs/benchmarks.md embeds between its benchmark markers.</summary>
internal static class MarkdownReport
{
    public const string BeginMarker = "<!-- bench:begin -->";
    public const string EndMarker = "<!-- bench:end -->";

    public static string Format(IReadOnlyList<BenchmarkResult> results, RunContext context, (string Model, IReadOnlyList<LayerTiming> Layers)? profile)
    {
        var machine = context.Machine;
        var text = new StringBuilder();
        text.AppendLine($"Measured {context.StartedUtc:yyyy-MM-dd HH:mm} UTC with `{context.CommandLine}`: {machine.CpuModel}, " +
            $"{machine.LogicalCores} logical cores, clock {machine.ClockGHz:F2} GHz (/proc/cpuinfo), ONNX Runtime {context.OnnxRuntimeVersion}. " +
            $"1-minute load average {Number(context.LoadAverageAtStart, "F2")} at the start and {Number(context.LoadAverageAtEnd, "F2")} at the end" +
            (context.MachineWasBusy ? ": a shared machine under load, so these figures are noisy." : "."));
        text.AppendLine();
        text.AppendLine($"Latency: median (p25–p75) ms of {context.MeasuredRuns} interleaved runs per engine after {context.WarmupRuns} warm-up runs. " +
            "Speed-up = peer median / EdgeQ median. GMAC/s = MACs of EdgeQ's optimized graph / median latency.");
        text.AppendLine();
        text.AppendLine("| model | MMAC | threads | EdgeQ int8 ms | ORT int8 (EdgeQ QDQ) ms | ORT fp32 ms | EdgeQ vs ORT int8 | EdgeQ vs ORT fp32 | ORT fp32 GMAC/s | EdgeQ int8 GMAC/s (share of int8 peak) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            EngineResult edgeq = r.For(EngineCatalog.EdgeQInt8), ortInt8 = r.For(EngineCatalog.OrtInt8), ortFp32 = r.For(EngineCatalog.OrtFp32);
            string edgeqThroughput = edgeq.Latency is { } s
                ? $"{Number(Gmacs(r.Model.Macs.Value, s), "F1")} ({Number(Gmacs(r.Model.Macs.Value, s) / machine.Int8PeakGmacs(r.Threads), "P0")})"
                : NotMeasured;
            text.AppendLine($"| {r.Model.Name} | {Number(r.Model.Macs.Value / 1e6, "F0")} | {r.Threads} | {LatencyCell(edgeq)} | {LatencyCell(ortInt8)} | " +
                $"{LatencyCell(ortFp32)} | {Speedup(edgeq, ortInt8)} | {Speedup(edgeq, ortFp32)} | " +
                $"{(ortFp32.Latency is { } f ? Number(Gmacs(r.Model.Macs.Value, f), "F1") : NotMeasured)} | {edgeqThroughput} |");
        }
        text.AppendLine();
        text.AppendLine("Model load and peak memory, each in a fresh process: load = the engine's Load call (for ONNX Runtime, session creation " +
            "from the file, after the process-wide environment exists); peak memory = VmHWM (reset through /proc/self/clear_refs) " +
            "minus the resident memory just before the load, over the load and one inference.");
        text.AppendLine();
        text.AppendLine("| model | threads | engine | load ms | peak memory added (MiB) |");
        text.AppendLine("|---|---:|---|---:|---:|");
        foreach (var r in results)
            foreach (var e in r.Engines)
                text.AppendLine(e.Latency is null
                    ? $"| {r.Model.Name} | {r.Threads} | {e.Engine.Title} | {NotMeasured} | {NotMeasured} |"
                    : $"| {r.Model.Name} | {r.Threads} | {e.Engine.Title} | {Number(e.LoadMs, "F0")} | {Number(e.PeakBytes / 1048576.0, "F1")} |");
        text.AppendLine();
        text.AppendLine($"int8 peak of this CPU: {machine.PeakFormula(1)}; {machine.PeakFormula(2)}. " +
            (machine.Int8Extensions.Count > 0
                ? $"The CPU also reports {string.Join(", ", machine.Int8Extensions)}, which ONNX Runtime's int8 kernels may use beyond this AVX2 peak."
                : "No VNNI or AVX-512: AVX2 is the widest int8 path here."));
        text.AppendLine();
        foreach (var (model, engine, reason) in results.SelectMany(r => r.Engines.Where(e => e.Unavailable is not null)
                     .Select(e => (r.Model.Name, e.Engine.Title, e.Unavailable))).Distinct())
            text.AppendLine($"- {model}, {engine}: {NotMeasured}, {reason}");
        if (profile is { } layers) AppendProfile(text, layers);
        return text.ToString();
    }

    /// <param name="profile">EdgeQ's per-layer times on the model it ran slowest, one thread.</param>
    private static void AppendProfile(StringBuilder text, (string Model, IReadOnlyList<LayerTiming> Layers) profile)
    {
        double total = profile.Layers.Sum(l => l.MedianMs);
        text.AppendLine();
        text.AppendLine($"EdgeQ per-layer profile of {profile.Model} (its slowest model), 1 thread, median per layer: layers sum to " +
            $"{Number(total, "F2")} ms. By operator kind:");
        text.AppendLine();
        text.AppendLine("| kind | layers | ms | share | MMAC | GMAC/s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var kind in profile.Layers.GroupBy(l => KindName(l.Layer)).OrderByDescending(g => g.Sum(l => l.MedianMs)))
            text.AppendLine(ProfileRow(kind.Key, kind.Count().ToString(CultureInfo.InvariantCulture), kind.Sum(l => l.MedianMs),
                kind.Sum(l => l.Layer.Macs), total));
        text.AppendLine();
        text.AppendLine("The 12 slowest layers:");
        text.AppendLine();
        text.AppendLine("| # | layer | kind | input -> output (NHWC) | ms | share | MMAC | GMAC/s |");
        text.AppendLine("|---:|---|---|---|---:|---:|---:|---:|");
        foreach (var l in profile.Layers.OrderByDescending(l => l.MedianMs).Take(12))
            text.AppendLine($"| {l.Layer.Index} | {l.Layer.Name} | " + ProfileRow(KindName(l.Layer),
                $"{string.Join('x', l.Layer.InputShape)} -> {string.Join('x', l.Layer.OutputShape)}", l.MedianMs, l.Layer.Macs, total)[2..]);
    }

    private static string ProfileRow(string first, string second, double ms, long macs, double totalMs) =>
        $"| {first} | {second} | {Number(ms, "F3")} | {Number(ms / totalMs, "P1")} | {Number(macs / 1e6, "F1")} | " +
        $"{(macs > 0 && ms > 0 ? Number(macs / (ms * 1e6), "F1") : "")} |";

    /// <summary>Convolutions split by shape class, since 1x1 (pure GEMM) and KxK (im2col + GEMM) run different paths.</summary>
    private static string KindName(LayerInfo layer) => layer.Kind switch
    {
        OpKind.Conv2D when layer.InputShape[^1] == 3 => "Conv2D (first, 3 input channels)",
        OpKind.Conv2D when layer.Macs == layer.OutputShape.Aggregate(1L, (a, d) => a * d) * layer.InputShape[^1] => "Conv2D 1x1",
        OpKind.Conv2D => "Conv2D KxK",
        _ => layer.Kind.ToString(),
    };

    /// <summary>Replaces the text between the markers in the document (which keeps everything else).</summary>
    public static void WriteInto(string documentPath, string table)
    {
        string document = File.ReadAllText(documentPath);
        int begin = document.IndexOf(BeginMarker, StringComparison.Ordinal), end = document.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            throw new CommandLine.UsageException($"{documentPath} has no '{BeginMarker}' ... '{EndMarker}' block to replace");
        string updated = document[..(begin + BeginMarker.Length)] + "\n" + table + document[end..];
        AtomicFile.WriteAllBytes(documentPath, System.Text.Encoding.UTF8.GetBytes(updated));
    }

    private static string LatencyCell(EngineResult e) => e.Latency is { } s ? Ms(s) : NotMeasured;
}
