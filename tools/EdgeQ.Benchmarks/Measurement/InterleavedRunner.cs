using System.Diagnostics;
using EdgeQ.Benchmarks.Engines;

namespace EdgeQ.Benchmarks.Measurement;

/// <summary>What one engine measured on one model at one thread count (only <see cref="Unavailable"/> when pending).</summary>
internal sealed record EngineResult(IEngine Engine, string? Unavailable, LatencyStats? Latency = null, double LoadMs = 0, long PeakBytes = 0);

internal sealed record BenchmarkResult(BenchmarkModel Model, int Threads, IReadOnlyList<EngineResult> Engines)
{
    public EngineResult For(string engineKey) => Engines.Single(e => e.Engine.Key == engineKey);
}

/// <summary>
/// Measures engines on one model the same way: load time and peak memory in a fresh process each
/// (<see cref="LoadProbe"/>); then every engine is loaded here and warmed up, and the engines run interleaved
/// (A B A B ...), so load changes on the shared machine hit every engine alike instead of whichever ran during a spike.
/// </summary>
internal sealed class InterleavedRunner(int warmupRuns, int measuredRuns, TextWriter progress)
{
    public BenchmarkResult Measure(BenchmarkModel model, int threads, IReadOnlyList<IEngine> engines)
    {
        var loaded = new List<(IEngine Engine, IEngineSession Session, double LoadMs, long PeakBytes)>();
        try
        {
            foreach (var engine in engines.Where(e => e.Unavailable(model) is null))
            {
                var (loadMs, peakBytes) = LoadProbe.Measure(model, engine, threads);
                loaded.Add((engine, engine.Load(model, threads), loadMs, peakBytes));
            }
            foreach (var l in loaded)
                for (int i = 0; i < warmupRuns; i++) l.Session.Run();

            var samples = loaded.Select(_ => new List<double>(measuredRuns)).ToArray();
            for (int run = 0; run < measuredRuns; run++)
            {
                for (int e = 0; e < loaded.Count; e++)
                {
                    long start = Stopwatch.GetTimestamp();
                    loaded[e].Session.Run();
                    samples[e].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                if ((run + 1) % 10 == 0) progress.Write($"\r  {model.Name}, {threads} thread(s): run {run + 1}/{measuredRuns}");
            }
            progress.WriteLine($"\r  {model.Name}, {threads} thread(s): {measuredRuns} runs done          ");

            return new BenchmarkResult(model, threads, engines.Select(engine =>
            {
                int index = loaded.FindIndex(l => l.Engine == engine);
                return index < 0
                    ? new EngineResult(engine, engine.Unavailable(model))
                    : new EngineResult(engine, null, LatencyStats.Of(samples[index]), loaded[index].LoadMs, loaded[index].PeakBytes);
            }).ToList());
        }
        finally
        {
            foreach (var l in loaded) l.Session.Dispose();
        }
    }
}
