namespace EdgeQ.Benchmarks.Engines;

/// <summary>
/// An inference engine under measurement. <see cref="Load"/> is timed as the model load; the returned session's
/// <see cref="IEngineSession.Run"/> is one inference on the input it was loaded with, and nothing else.
/// </summary>
internal interface IEngine
{
    /// <summary>Stem of the JSON keys (<c>{Key}_ms</c>), e.g. <c>ort_fp32</c>.</summary>
    string Key { get; }

    /// <summary>Column title, e.g. "ORT fp32".</summary>
    string Title { get; }

    /// <summary>Why this engine cannot run the model yet, or null when it can.</summary>
    string? Unavailable(BenchmarkModel model);

    IEngineSession Load(BenchmarkModel model, int threads);
}

internal interface IEngineSession : IDisposable
{
    void Run();
}
