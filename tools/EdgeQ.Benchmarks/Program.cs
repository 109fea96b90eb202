using System.CommandLine;
using EdgeQ.Benchmarks;
using EdgeQ.Benchmarks.Engines;
using EdgeQ.Benchmarks.Layers;
using EdgeQ.Benchmarks.Measurement;
using EdgeQ.Benchmarks.Reports;
using EdgeQ.CommandLine;
using Microsoft.ML.OnnxRuntime;

const string Tool = "edgeq-bench";
const int MaxLayerRuns = 10;   // per-layer profiles: medians of up to this many runs per engine

var modelsOption = new Option<string>("--models")
{
    Description = $"Comma-separated models ({string.Join(", ", ModelCatalog.Names)})",
    DefaultValueFactory = _ => string.Join(",", ModelCatalog.Names),
};
var threadsOption = new Option<string>("--threads") { Description = "Comma-separated thread counts", DefaultValueFactory = _ => "1,2" };
var runsOption = new Option<int>("--runs") { Description = "Measured runs per engine (interleaved)", DefaultValueFactory = _ => 30 };
var warmupOption = new Option<int>("--warmup") { Description = "Warm-up runs per engine after its load", DefaultValueFactory = _ => 5 };
var jsonOption = new Option<bool>("--json") { Description = "Print one JSON array (one object per model and thread count) instead of markdown" };
var writeDocOption = new Option<string?>("--write-doc")
{
    Description = $"Also put the markdown report into this file, between its {MarkdownReport.BeginMarker} and {MarkdownReport.EndMarker} lines",
};
var probeLoadOption = new Option<string?>(LoadProbe.OptionName) { Hidden = true };   // the child side of LoadProbe
var root = new RootCommand("EdgeQ benchmark: EdgeQ int8, ONNX Runtime int8 (on EdgeQ's QDQ export) and ONNX Runtime fp32, " +
    "interleaved, per model and thread count. Progress goes to stderr, the report to stdout.")
{
    modelsOption, threadsOption, runsOption, warmupOption, jsonOption, writeDocOption, probeLoadOption,
};
root.SetAction(parse =>
{
    try
    {
        if (parse.GetValue(probeLoadOption) is { } probe)
        {
            LoadProbe.Run(probe, Console.Out);
            return CommandErrors.Success;
        }
        string[] modelNames = SplitList(parse.GetValue(modelsOption)!);
        int[] threadCounts = SplitList(parse.GetValue(threadsOption)!).Select(t =>
            int.TryParse(t, out int n) && n > 0 ? n : throw new UsageException($"--threads: '{t}' is not a positive integer")).ToArray();
        int runs = parse.GetValue(runsOption), warmup = parse.GetValue(warmupOption);
        if (runs < 1 || warmup < 0) throw new UsageException("--runs must be at least 1 and --warmup at least 0");
        string? document = parse.GetValue(writeDocOption);
        if (document is not null && !File.Exists(document)) throw new UsageException($"--write-doc: {document} does not exist");

        var models = modelNames.Select(name => ModelCatalog.Load(name, Console.Error)).ToList();   // packs first; unknown or missing models fail before any measuring
        var started = DateTime.UtcNow;
        double loadAtStart = MachineInfo.LoadAverage();
        var runner = new InterleavedRunner(warmup, runs, Console.Error);
        var results = new List<BenchmarkResult>();
        foreach (var model in models)
        {
            Console.Error.WriteLine($"{model.Name}: {model.Macs.Value / 1e6:F0} M MACs in EdgeQ's graph");
            foreach (int threads in threadCounts) results.Add(runner.Measure(model, threads, EngineCatalog.All));
        }

        // Every model EdgeQ runs, layer by layer against ORT (before the load average is read at the end).
        int layerRuns = Math.Min(runs, MaxLayerRuns);
        var comparisons = models.Where(m => m.EqmPath is not null).Select(m =>
        {
            Console.Error.WriteLine($"  {m.Name}: per-layer profiles of the three engines ({layerRuns} runs each)");
            return LayerComparison.Measure(m, [.. threadCounts.Where(t => t != LayerComparison.Threads)], warmup, layerRuns);
        }).ToList();
        var context = new RunContext(started, "./bench.sh " + string.Join(' ', args), MachineInfo.Read(), OrtEnv.Instance().GetVersionString(),
            loadAtStart, MachineInfo.LoadAverage(), warmup, runs, layerRuns);
        string markdown = MarkdownReport.Format(results, context, comparisons);
        Console.WriteLine(parse.GetValue(jsonOption) ? JsonReport.Format(results, context, comparisons) : markdown);
        if (document is not null) MarkdownReport.WriteInto(document, markdown);
        return CommandErrors.Success;
    }
    catch (Exception e)
    {
        return CommandErrors.Report(Tool, e, CommandErrors.DebugFromEnvironment, Console.Error);
    }
});
return root.Parse(args).Invoke();

static string[] SplitList(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
