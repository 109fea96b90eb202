using System.Text.Json;

namespace EdgeQ.Cli.Tests;

public class InspectCommandTests
{
    private static readonly string MobileNet = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory,
        "../../../../../../shared/data/models/mobilenet_v1_0.25_224.onnx"));

    [Fact]
    public void Json_reports_the_real_mobilenet_totals_and_one_entry_per_layer()
    {
        Assert.True(File.Exists(MobileNet), $"missing {MobileNet} (../shared must sit beside the repository)");
        var run = CliRun.Of("inspect", MobileNet, "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var layers = json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(json.RootElement.GetProperty("total_macs").GetInt64(), layers.Sum(l => l.GetProperty("macs").GetInt64()));
        // MobileNetV1-0.25 at 224: 27 feature convolutions + pooling + a 1x1 conv classifier, 41 M MACs, 0.47 M parameters.
        Assert.InRange(json.RootElement.GetProperty("total_macs").GetInt64(), 40_000_000, 42_000_000);
        Assert.InRange(json.RootElement.GetProperty("parameters").GetInt64(), 460_000, 475_000);
        Assert.Equal(28, layers.Count(l => l.GetProperty("op").GetString() is "Conv" or "DepthwiseConv"));
    }

    [Fact]
    public void The_table_names_every_layer()
    {
        var run = CliRun.Of("inspect", MobileNet);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("conv_dw_13", run.Stdout);
        Assert.Contains("MACs", run.Stdout);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_a_one_line_usage_error()
    {
        string bogus = Path.Combine(Path.GetTempPath(), $"edgeq-not-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(bogus, "this is not a protobuf model");
        try
        {
            var run = CliRun.Of("inspect", bogus);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("edgeq: error: ", run.Stderr);
            Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally { File.Delete(bogus); }
    }

    [Fact]
    public void A_missing_model_is_a_usage_error()
    {
        var run = CliRun.Of("inspect", "/nonexistent/model.onnx");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("model not found", run.Stderr);
    }
}
