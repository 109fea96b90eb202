namespace EdgeQ.Benchmarks.Engines;

/// <summary>A column whose engine does not exist yet: reported as "n/a (pending)" with the reason, never measured.</summary>
internal sealed class PendingEngine(string key, string title, string reason) : IEngine
{
    public string Key => key;
    public string Title => title;
    public string? Unavailable(BenchmarkModel model) => reason;
    public IEngineSession Load(BenchmarkModel model, int threads) => throw new InvalidOperationException($"{title}: {reason}");
}
