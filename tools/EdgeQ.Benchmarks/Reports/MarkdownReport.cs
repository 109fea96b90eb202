using System.Text;
using EdgeQ.Format;
using EdgeQ.Benchmarks.Layers;
using EdgeQ.Benchmarks.Engines;
using EdgeQ.Benchmarks.Measurement;
using static EdgeQ.Benchmarks.Reports.Formatting;

namespace EdgeQ.Benchmarks.Reports;

/// <summary>The report as markdown: what docs/benchmarks.md embeds between its benchmark markers.</summary>
internal static class MarkdownReport
{
    public const string BeginMarker = "<!-- bench:begin -->";
    public const string EndMarker = "<!-- bench:end -->";

    public static string Format(IReadOnlyList<BenchmarkResult> results, RunContext context, IReadOnlyList<LayerComparison> comparisons)
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
        foreach (var comparison in comparisons) AppendComparison(text, comparison, context.LayerRuns);
        return text.ToString();
    }

    private const int SlowestLayers = 10;

    /// <summary>One model layer by layer: per family and the slowest layers, each engine's time and what it costs against the target.</summary>
    private static void AppendComparison(StringBuilder text, LayerComparison comparison, int runs)
    {
        var all = new FamilyRow("all layers", comparison.Layers.Count, comparison.Families.Sum(f => f.EdgeQMs),
            comparison.Families.Sum(f => f.OrtInt8Ms), comparison.Families.Sum(f => f.OrtFp32Ms),
            [.. comparison.MoreThreads.Select((_, t) => comparison.Families.Sum(f => f.EdgeQMsMoreThreads[t]))]);
        string moreThreadsHeader = string.Concat(comparison.MoreThreads.Select(t => $" EdgeQ int8 {t} threads ms |"));
        string moreThreadsRule = string.Concat(comparison.MoreThreads.Select(_ => "---:|"));
        text.AppendLine();
        text.AppendLine($"**{comparison.Model}**, layer by layer, {LayerComparison.Threads} thread: median per layer of {runs} profiled runs " +
            $"(EdgeQ `CollectLayerTimes`, ORT's profiler with its nodes mapped onto EdgeQ's layers); the layers sum to EdgeQ int8 " +
            $"{Number(all.EdgeQMs, "F2")} ms, ORT int8 {Number(all.OrtInt8Ms, "F2")} ms, ORT fp32 {Number(all.OrtFp32Ms, "F2")} ms. " +
            $"Over target = EdgeQ ms - ORT int8 ms / {Number(Target.OverOrtInt8, "F1")} (resp. - ORT fp32 ms / {Number(Target.OverOrtFp32, "F0")}): " +
            "what EdgeQ must still save there; the family sums add up to the model's gap." +
            (comparison.MoreThreads.Count > 0 ? " The last column(s): EdgeQ's own per-layer profile at more threads." : ""));
        text.AppendLine();
        text.AppendLine("| family | layers | MMAC | EdgeQ int8 ms | ORT int8 ms | ORT fp32 ms | EdgeQ vs ORT int8 | EdgeQ vs ORT fp32 | over int8 target ms | over fp32 target ms |" + moreThreadsHeader);
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + moreThreadsRule);
        var macs = comparison.Layers.GroupBy(l => l.Family).ToDictionary(g => g.Key, g => g.Sum(l => l.Layer.Macs));
        foreach (var f in comparison.Families.Append(all))
            text.AppendLine($"| {f.Family} | {f.Layers} | {Number((f == all ? macs.Values.Sum() : macs.GetValueOrDefault(f.Family)) / 1e6, "F1")} | " +
                ComparisonCells(f.EdgeQMs, f.OrtInt8Ms, f.OrtFp32Ms) + MoreThreadsCells(f.EdgeQMsMoreThreads));
        var convolutions = comparison.Layers.Where(l => l.Layer.Macs > 0).ToList();
        int floatInOrt = convolutions.Count(l => !l.OrtInt8Ops.Contains("QLinear", StringComparison.Ordinal) && l.OrtInt8Ops.Contains("Conv", StringComparison.Ordinal));
        text.AppendLine();
        text.AppendLine($"ORT int8 ran {floatInOrt} of the {convolutions.Count} convolution and fully connected layers as a float Conv between DequantizeLinear " +
            "and QuantizeLinear (its QDQ fusion left them), the others as int8 kernels (QLinearConv).");
        text.AppendLine();
        text.AppendLine($"The {SlowestLayers} slowest EdgeQ layers of {comparison.Model}:");
        text.AppendLine();
        text.AppendLine("| # | layer | family | input -> output (NHWC) | MMAC | EdgeQ int8 ms | ORT int8 ms | ORT fp32 ms | EdgeQ vs ORT int8 | EdgeQ vs ORT fp32 | over int8 target ms | over fp32 target ms |" +
            moreThreadsHeader + " ORT int8 ran |");
        text.AppendLine("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|" + moreThreadsRule + "---|");
        foreach (var l in comparison.Layers.OrderByDescending(l => l.EdgeQMs).Take(SlowestLayers))
            text.AppendLine($"| {l.Layer.Index} | {l.Layer.Name} | {l.Family} | {string.Join('x', l.Layer.InputShape)} -> {string.Join('x', l.Layer.OutputShape)} | " +
                $"{Number(l.Layer.Macs / 1e6, "F1")} | " + ComparisonCells(l.EdgeQMs, l.OrtInt8Ms, l.OrtFp32Ms) + MoreThreadsCells(l.EdgeQMsMoreThreads) + $" {l.OrtInt8Ops} |");
    }

    private static string ComparisonCells(double edgeq, double ortInt8, double ortFp32) =>
        $"{Number(edgeq, "F3")} | {Number(ortInt8, "F3")} | {Number(ortFp32, "F3")} | {Ratio(ortInt8, edgeq)} | {Ratio(ortFp32, edgeq)} | " +
        $"{Number(edgeq - ortInt8 / Target.OverOrtInt8, "F3")} | {Number(edgeq - ortFp32 / Target.OverOrtFp32, "F3")} |";

    private static string MoreThreadsCells(IReadOnlyList<double> ms) => string.Concat(ms.Select(m => $" {Number(m, "F3")} |"));

    /// <summary>"How many times faster" as in the latency table; blank where EdgeQ spends no time.</summary>
    private static string Ratio(double peerMs, double edgeqMs) => edgeqMs > 0 ? Number(peerMs / edgeqMs, "F2") + "x" : "";

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
