namespace EdgeQ.Benchmarks.Engines;

/// <summary>The engines every model is measured on, in column order. Their keys name the JSON fields (<c>{key}_ms</c>).</summary>
internal static class EngineCatalog
{
    public const string EdgeQInt8 = "edgeq";
    public const string OrtInt8 = "ort_int8";
    public const string OrtFp32 = "ort_fp32";

    public static IReadOnlyList<IEngine> All { get; } =
    [
        // To plug in: an engine that loads BenchmarkModel.EqmPath into the int8 executor (device/EdgeQ.Runtime).
        new PendingEngine(EdgeQInt8, "EdgeQ int8", "needs the int8 executor (device/EdgeQ.Runtime) and quantize + pack"),
        // Becomes live as soon as BenchmarkModel.QdqPath is set (EdgeQ's QDQ export, issue 7).
        new OnnxRuntimeEngine(OrtInt8, "ORT int8 (EdgeQ QDQ)", model => model.QdqPath, "needs EdgeQ's QDQ export"),
        new OnnxRuntimeEngine(OrtFp32, "ORT fp32", model => model.OnnxPath, "the float model is missing"),
    ];
}
