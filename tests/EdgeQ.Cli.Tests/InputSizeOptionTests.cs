using System.Text.Json;
using EdgeQ.Runtime;
using EdgeQ.Host.ModelZoo;

namespace EdgeQ.Cli.Tests;

/// <summary><c>--input-size HxW</c> for models whose input height and width are symbolic (as PaddleOCR det's).</summary>
public sealed class InputSizeOptionTests : IDisposable
{
    private static readonly string ImageNetSamples = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory,
        "../../../../../../shared/data/imagenet-samples"));
    private readonly string folder = Directory.CreateTempSubdirectory("edgeq-input-size-").FullName;
    private readonly string model;

    public InputSizeOptionTests()
    {
        model = Path.Combine(folder, "dynamic.onnx");
        File.WriteAllBytes(model, DynamicSizeModel());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("inspect")]
    [InlineData("pack")]
    public void Without_the_option_a_free_size_is_a_one_line_error_that_names_it(string command)
    {
        var run = command == "pack"
            ? CliRun.Of("pack", model, "--calib", CalibrationList(), "--preset", "symmetric", "--out", Path.Combine(folder, "m.eqm"))
            : CliRun.Of("inspect", model);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("edgeq: error: dynamic.onnx: input 'x' has no fixed size (1x3xheightxwidth); give one with --input-size HxW, e.g. --input-size 640x640",
            Assert.Single(run.StderrLines).TrimEnd('\r'));
        Assert.False(File.Exists(Path.Combine(folder, "m.eqm")));
    }

    [Fact]
    public void With_the_option_inspect_shows_the_size_and_pack_and_eval_run()
    {
        var inspect = CliRun.Of("inspect", model, "--input-size", "40x48", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        // A 3x3 conv without padding: 40x48 in, 38x46 out, 4 x 3 x 9 MACs per output pixel.
        using (var json = JsonDocument.Parse(inspect.Stdout))
            Assert.Equal(38L * 46 * 4 * 3 * 9, json.RootElement.GetProperty("total_macs").GetInt64());

        // Photos are resized and centre-cropped, so packing takes a square size.
        string eqm = Path.Combine(folder, "m.eqm");
        var pack = CliRun.Of("pack", model, "--calib", CalibrationList(), "--preset", "symmetric", "--input-size", "40x40", "--out", eqm);
        Assert.True(pack.ExitCode == 0, pack.Stderr);
        using (var packed = InferenceModel.Open(eqm)) Assert.Equal([1, 40, 40, 3], packed.Input.Shape.AsSpan().ToArray());   // NHWC on the device

        var eval = CliRun.Of("eval", model, eqm, "--images", CalibrationList(), "--input-size", "40x40", "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var accuracy = JsonDocument.Parse(eval.Stdout);
        Assert.Equal(8, accuracy.RootElement.GetProperty("images").GetInt32());
        Assert.True(accuracy.RootElement.GetProperty("sqnr_db").GetDouble() > 15);
    }

    [Theory]
    [InlineData("640", "expected HEIGHTxWIDTH")]
    [InlineData("0x32", "expected HEIGHTxWIDTH")]
    public void A_malformed_size_is_a_usage_error(string size, string message)
    {
        var run = CliRun.Of("inspect", model, "--input-size", size);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, Assert.Single(run.StderrLines));
    }

    [Fact]
    public void A_size_that_differs_from_a_fixed_input_is_a_usage_error()
    {
        string mobileNet = Path.GetFullPath(Path.Combine(ImageNetSamples, "../models/mobilenet_v1_0.25_224.onnx"));
        var run = CliRun.Of("inspect", mobileNet, "--input-size", "160x160");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("has a fixed size 224x224, not 160x160", Assert.Single(run.StderrLines));
        Assert.Equal(0, CliRun.Of("inspect", mobileNet, "--input-size", "224x224").ExitCode);
    }

    private string CalibrationList()
    {
        string list = Path.Combine(folder, "images.txt");
        File.WriteAllLines(list, Directory.GetFiles(ImageNetSamples, "*.jpg").Order().Take(8));
        return list;
    }

    /// <summary>x: float [1, 3, height, width] (height and width symbolic) -> Conv 3x3 (4 channels, bias) -> Relu -> GlobalAveragePool.</summary>
    private static byte[] DynamicSizeModel()
    {
        var random = new Random(7);
        var onnx = new OnnxModelWriter("dynamic", opset: 13);
        string x = onnx.Input("x", [1, 3, 0, 0], [null, null, "height", "width"]);
        onnx.Output("y", 1, 4, 1, 1);
        string weight = onnx.Initializer("w", [4, 3, 3, 3], Enumerable.Range(0, 4 * 3 * 3 * 3).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        string bias = onnx.Initializer("b", [4], new[] { 0.1f, -0.05f, 0.2f, 0f });
        string relu = onnx.Node("Relu", [onnx.Node("Conv", [x, weight, bias])]);
        onnx.NamedNode("GlobalAveragePool", "y", [relu]);
        return onnx.ToBytes();
    }
}
