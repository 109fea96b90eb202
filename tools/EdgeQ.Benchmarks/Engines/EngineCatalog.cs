namespace EdgeQ.Benchmarks.Engines;

/// <summary>The engines every model is measured on, in column order. Their keys name the JSON fields (<c>{key}_ms</c>).</summary>
internal static class EngineCatalog
{
    public const string EdgeQInt8 = "edgeq";
    public const string OrtInt8 = "ort_int8";
    public const string OrtFp32 = "ort_fp32";

    public static OnnxRuntimeEngine OrtInt8Engine { get; } =
        new(OrtInt8, "ORT int8 (EdgeQ QDQ)", model => model.QdqPath, model => model.Int8Unsupported);

    public static OnnxRuntimeEngine OrtFp32Engine { get; } = new(OrtFp32, "ORT fp32", model => model.OnnxPath, _ => "the float model is missing");

    public static IReadOnlyList<IEngine> All { get; } = [new EdgeQEngine(), OrtInt8Engine, OrtFp32Engine];
}
