using System.Buffers.Binary;
using System.Text.Json;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests;

/// <summary>The project's trained MobileNetV2 fixture: the float executor reproduces its recorded accuracy.</summary>
public sealed class FashionMnistFixtureTests(ITestOutputHelper output)
{
    private static string Fixture(string relativePath)
    {
        string path = Path.Combine(TestData.RepoRoot, relativePath);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: the fixture is made by tools/fixtures/train_fmnist_mobilenetv2.py and committed");
        return path;
    }

    [Fact]
    public void FloatExecutorReproducesTheRecordedSampleAccuracy()
    {
        using var record = JsonDocument.Parse(File.ReadAllText(Fixture("models/fmnist_mobilenetv2.json")));
        var root = record.RootElement;
        var sample = root.GetProperty("accuracy").GetProperty("sample_2000");
        var preprocessing = root.GetProperty("preprocessing");
        float mean = preprocessing.GetProperty("mean").GetSingle(), std = preprocessing.GetProperty("std").GetSingle();
        var images = ReadIdx(Fixture(sample.GetProperty("images").GetString()!), 0x803);
        var labels = ReadIdx(Fixture(sample.GetProperty("labels").GetString()!), 0x801);
        string modelPath = Fixture(root.GetProperty("model").GetString()!);

        var graph = GraphOptimizer.Load(modelPath);
        var executor = new FloatExecutor(graph);
        string input = graph.Inputs[0].Name, logits = graph.Outputs[0].Name;
        var samples = Enumerable.Range(0, labels.Length).Select(i => (IReadOnlyDictionary<string, TensorData>)
            OnnxLayout.ToGraph(graph, new Dictionary<string, TensorData> { [input] = Preprocess(images, i, mean, std) })).ToList();
        var results = executor.RunBatch(samples);
        int correct = Enumerable.Range(0, labels.Length).Count(i => MobileNetV1Tests.ArgMax(results[i][logits].Floats) == labels[i]);

        using var oracle = new OrtOracle(modelPath);
        var worst = new Difference(0, 0);
        for (int i = 0; i < 16; i++)
            worst = worst.Max(Difference.Of(results[i][logits].Floats, oracle.Run(new Dictionary<string, TensorData> { [input] = Preprocess(images, i, mean, std) })[logits].Floats));

        output.WriteLine($"fmnist_mobilenetv2: {correct}/{labels.Length} correct on the committed sample " +
            $"(recorded: {sample.GetProperty("correct").GetInt32()}); 16 images vs ONNX Runtime: {worst}");
        Assert.Equal(sample.GetProperty("total").GetInt32(), labels.Length);
        Assert.Equal(sample.GetProperty("correct").GetInt32(), correct);
        Assert.True(worst.MaxRelative < 1e-4, $"differs from ONNX Runtime: {worst}");
    }

    /// <summary>28x28 grey -> zero-padded 32x32 -> (pixel - mean) / std, replicated to 3 channels, NCHW.</summary>
    private static TensorData Preprocess(byte[] images, int index, float mean, float std)
    {
        var values = new float[3 * 32 * 32];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
            {
                bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                float v = ((inside ? images[index * 784 + (y - 2) * 28 + x - 2] : 0) - mean) / std;
                for (int c = 0; c < 3; c++) values[(c * 32 + y) * 32 + x] = v;
            }
        return TensorData.FromFloats([1, 3, 32, 32], values);
    }

    /// <summary>The payload of an idx file (big-endian header: magic, counts), checked against its magic number.</summary>
    private static byte[] ReadIdx(string path, int magic)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(magic, BinaryPrimitives.ReadInt32BigEndian(bytes));
        int header = 4 + 4 * (magic & 0xff);
        return bytes[header..];
    }
}
