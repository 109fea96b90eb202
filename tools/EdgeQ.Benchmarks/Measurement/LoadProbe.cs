using System.Diagnostics;
using System.Globalization;
using EdgeQ.Benchmarks.Engines;

namespace EdgeQ.Benchmarks.Measurement;

/// <summary>
/// Model load time and peak memory, each measured in a fresh child process (this program with <see cref="OptionName"/>):
/// in the measuring process, memory that earlier models freed stays with the allocator and hides the next model's
/// peak. The child times the engine's Load, then runs one inference; peak memory is its VmHWM minus its resident
/// memory just before the load (see <see cref="ProcessMemory"/>).
/// </summary>
internal static class LoadProbe
{
    public const string OptionName = "--probe-load";

    public static (double LoadMs, long PeakBytes) Measure(BenchmarkModel model, IEngine engine, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(LoadProbe).Assembly.Location);
        start.ArgumentList.Add(OptionName);
        start.ArgumentList.Add($"{model.Name},{engine.Key},{threads}");
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"load probe of {engine.Title} on {model.Name} failed: {error.Result.Trim()}");
        string[] fields = output.Trim().Split(' ');
        return (double.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The child's side: <paramref name="spec"/> is "model,engine key,threads"; prints "load-ms peak-bytes".</summary>
    public static void Run(string spec, TextWriter output)
    {
        string[] fields = spec.Split(',');
        var model = ModelCatalog.Load(fields[0], TextWriter.Null);   // packed by the parent: from the cache
        var engine = EngineCatalog.All.Single(e => e.Key == fields[1]);
        long baseline = ProcessMemory.ResetPeak();
        var clock = Stopwatch.StartNew();
        using var session = engine.Load(model, int.Parse(fields[2], CultureInfo.InvariantCulture));
        double loadMs = clock.Elapsed.TotalMilliseconds;
        session.Run();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{loadMs:F1} {ProcessMemory.PeakBytes - baseline}"));
    }
}
