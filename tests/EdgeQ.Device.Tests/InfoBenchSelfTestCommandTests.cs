using System.Text.Json;
using EdgeQ.Format.Tests;
using EdgeQ.Runtime;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Device.Tests;

/// <summary>edgeq-run info, bench and selftest in-process.</summary>
public class InfoBenchSelfTestCommandTests
{
    [Fact]
    public void Info_json_reports_the_model_memory_and_kernels()
    {
        string model = Path.Combine(RunModelFiles.Directory("unet-like"), "model.eqm");
        var (exitCode, stdout, stderr) = RunModelFiles.InProcess("info", model, "--json");
        Assert.True(exitCode == 0, stderr);
        JsonElement info = JsonDocument.Parse(stdout).RootElement;
        using InferenceModel api = InferenceModel.Open(model);
        Assert.Equal("unet-like", info.GetProperty("name").GetString());
        Assert.Equal(api.ArenaBytes, info.GetProperty("arenaBytes").GetInt32());
        Assert.Equal(api.WeightBytes, info.GetProperty("weightBytes").GetInt64());
        Assert.Equal(KernelVariants.Best.Name(), info.GetProperty("kernelVariant").GetString());
        Assert.Equal(TestModels.UNetLike().Operators.Count, info.GetProperty("ops").GetArrayLength());
        Assert.Equal("TransposeConv2D", info.GetProperty("ops")[3].GetProperty("kind").GetString());
        JsonElement outputs = info.GetProperty("outputs");
        Assert.Equal(2, outputs.GetArrayLength());
        Assert.Equal("Dequantize", outputs[1].GetProperty("postprocess").GetString());
        Assert.Equal("Bgr", info.GetProperty("preprocessing").GetProperty("colorOrder").GetString());
        Assert.Equal([1, 64, 64, 2], outputs[0].GetProperty("tensor").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Info_text_lists_ops_specs_and_kernels()
    {
        string model = Path.Combine(RunModelFiles.Directory("mobilenet-like"), "model.eqm");
        var (exitCode, stdout, _) = RunModelFiles.InProcess("info", model);
        Assert.Equal(0, exitCode);
        foreach (string text in new[] { "input: Int8 [1, 32, 32, 3], scale 0.0186", "KeepAspectRatio, crop 0.875", "post-processing Softmax",
                     "arena", "weights", $"{KernelVariants.Best.Name()} (gemm {KernelVariants.Best.Name()}", "DepthwiseConv2D", "55,296" })
            Assert.Contains(text, stdout);
    }

    [Fact]
    public void Bench_json_has_latency_statistics_and_per_layer_shares()
    {
        string model = Path.Combine(RunModelFiles.Directory("mobilenet-like"), "model.eqm");
        var (exitCode, stdout, stderr) = RunModelFiles.InProcess("bench", model, "--runs", "5", "--warmup", "1", "--per-layer", "--json", "--threads", "2");
        Assert.True(exitCode == 0, stderr);
        JsonElement bench = JsonDocument.Parse(stdout).RootElement;
        double min = bench.GetProperty("minMs").GetDouble(), median = bench.GetProperty("medianMs").GetDouble(), p90 = bench.GetProperty("p90Ms").GetDouble();
        Assert.True(0 < min && min <= median && median <= p90, stdout);
        Assert.Equal(2, bench.GetProperty("threads").GetInt32());
        var layers = bench.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(TestModels.MobileNetLike().Operators.Count, layers.Count);
        Assert.Equal(1.0, layers.Sum(l => l.GetProperty("share").GetDouble()), 6);
        Assert.True(layers[0].GetProperty("gmacPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Bench_text_prints_latency_and_the_layer_table()
    {
        string model = Path.Combine(RunModelFiles.Directory("mobilenet-like"), "model.eqm");
        var (exitCode, stdout, _) = RunModelFiles.InProcess("bench", model, "--runs", "3", "--warmup", "0", "--per-layer");
        Assert.Equal(0, exitCode);
        Assert.Contains("latency ms: min ", stdout);
        Assert.Contains("GMAC/s", stdout);
        Assert.Contains("conv1", stdout);
    }

    [Fact]
    public void Selftest_passes_for_a_forced_variant_and_rejects_an_unknown_one()
    {
        var (exitCode, stdout, _) = RunModelFiles.InProcess("selftest", "--kernels", "vector128");
        Assert.Equal(0, exitCode);
        Assert.Contains("kernel selftest passed", stdout);
        Assert.Equal(2, RunModelFiles.InProcess("selftest", "--kernels", "mmx").ExitCode);
    }
}
