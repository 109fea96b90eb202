using EdgeQ.Benchmarks.Layers;
using Microsoft.ML.OnnxRuntime;

namespace EdgeQ.Benchmarks.Engines;

/// <summary>
/// ONNX Runtime (CPU provider) on one ONNX file of the model: the float original, or EdgeQ's QDQ export for its int8
/// (MLAS) kernels. Sessions are set up as a latency-minded user would: IntraOpNumThreads = threads, InterOp 1,
/// sequential execution, all graph optimizations; the input lives in a pre-bound OrtValue (I/O binding), so a run
/// copies nothing in.
/// </summary>
internal sealed class OnnxRuntimeEngine(string key, string title, Func<BenchmarkModel, string?> modelFile,
    Func<BenchmarkModel, string?> missingFileReason) : IEngine
{
    // The process-wide ONNX Runtime environment (native library, logging, thread pools) is set up once per process,
    // not per model: create it before any load is timed.
    static OnnxRuntimeEngine() => OrtEnv.Instance();

    public string Key => key;
    public string Title => title;

    public string? Unavailable(BenchmarkModel model) => modelFile(model) is null ? missingFileReason(model) : null;

    public IEngineSession Load(BenchmarkModel model, int threads)
    {
        using var options = Options(threads);
        return new Session(new InferenceSession(modelFile(model)!, options), model);
    }

    /// <summary>
    /// Per-node kernel times of <paramref name="runs"/> inferences after <paramref name="warmupRuns"/>, from ORT's
    /// profiler in a session of its own (so the timed sessions run unprofiled).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<NodeTime>> Profile(BenchmarkModel model, int threads, int warmupRuns, int runs)
    {
        using var options = Options(threads);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"edgeq-bench-{Environment.ProcessId}-{key}");
        string profile;
        using (var session = new Session(new InferenceSession(modelFile(model)!, options), model))
        {
            for (int i = 0; i < warmupRuns + runs; i++) session.Run();
            profile = session.EndProfiling();
        }
        try
        {
            return [.. OrtProfile.Runs(File.ReadAllText(profile)).Skip(warmupRuns)];
        }
        finally
        {
            File.Delete(profile);
        }
    }

    private static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    private sealed class Session : IEngineSession
    {
        private readonly InferenceSession session;
        private readonly OrtValue input;
        private readonly OrtIoBinding binding;
        private readonly RunOptions runOptions = new();

        public Session(InferenceSession session, BenchmarkModel model)
        {
            this.session = session;
            input = OrtValue.CreateTensorValueFromMemory(model.Input, model.InputShape.Select(d => (long)d).ToArray());
            binding = session.CreateIoBinding();
            binding.BindInput(model.InputName, input);
            foreach (string output in session.OutputNames) binding.BindOutputToDevice(output, OrtMemoryInfo.DefaultInstance);
        }

        public void Run() => session.RunWithBinding(runOptions, binding);

        /// <summary>Stops the profiler of a session created with profiling on; returns the trace file's path.</summary>
        public string EndProfiling() => session.EndProfiling();

        public void Dispose()
        {
            runOptions.Dispose();
            binding.Dispose();
            input.Dispose();
            session.Dispose();
        }
    }
}
