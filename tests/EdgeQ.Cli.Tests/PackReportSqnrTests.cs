using System.Text.Json;
using EdgeQ.Tests;

namespace EdgeQ.Cli.Tests;

/// <summary>pack --report's per-layer SQNR: float against the int8 runtime's output of every layer.</summary>
public sealed class PackReportSqnrTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("edgeq-sqnr-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Every_layer_has_a_finite_sqnr_and_the_last_one_is_the_output_sqnr_edgeq_eval_reports()
    {
        string report = Path.Combine(folder, "report"), eqm = Path.Combine(folder, "fixture.eqm");
        var pack = CliRun.Of("pack", "--out", eqm, "--calib-count", "64", "--report", report);
        Assert.True(pack.ExitCode == 0, pack.Stderr);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json")));
        var root = json.RootElement;
        var layers = root.GetProperty("layer_sqnr").EnumerateArray().ToList();
        // The fixture's convolutions and its classifier; iterative correction measured the same layers.
        Assert.True(layers.Count >= root.GetProperty("layers").GetArrayLength() && layers.Count > 10, $"{layers.Count} layers");
        foreach (var layer in layers)
        {
            string name = layer.GetProperty("name").GetString()!;
            double before = layer.GetProperty("sqnr_before_db").GetDouble(), after = layer.GetProperty("sqnr_after_db").GetDouble();
            // 8-bit layers of a well-conditioned model: well above 0 dB, below the ~50 dB of int8 rounding alone.
            Assert.True(after is > 5 and < 60 && before is > 5 and < 60, $"{name}: {before} -> {after} dB");
        }

        // The classifier writes the model output: its SQNR is the accuracy table's, on the same held-out images...
        double lastLayer = layers[^1].GetProperty("sqnr_after_db").GetDouble();
        Assert.Equal(root.GetProperty("accuracy").GetProperty("sqnr_db").GetDouble(), lastLayer, 0.02);
        // ...and what edgeq eval reports for the packed model (on all 2000 fixture images, so not to the digit).
        var eval = CliRun.Of("eval", Path.Combine(RepoPaths.Root, "models", "fmnist_mobilenetv2.onnx"), eqm,
            "--images", Path.Combine(RepoPaths.Root, "data", "fmnist-test-2000-images-idx3-ubyte"), "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var evalJson = JsonDocument.Parse(eval.Stdout);
        Assert.Equal(evalJson.RootElement.GetProperty("sqnr_db").GetDouble(), lastLayer, 1.0);
        Assert.InRange(evalJson.RootElement.GetProperty("cosine").GetDouble(), 0.99, 1.0);
    }
}
