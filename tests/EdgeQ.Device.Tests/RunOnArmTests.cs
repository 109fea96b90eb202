using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace EdgeQ.Device.Tests;

/// <summary>The published binaries on a test-only .eqm and a seeded input: x64 (AVX-VNNI where the host has it, and
/// AVX2), arm64 under QEMU as
/// Cortex-A72 (NEON) and Cortex-A76 (SDOT), and forced reference kernels, must write identical output bytes. Each run
/// prints the kernels it used, so a silent fall-back to another variant shows in the log and fails the test.</summary>
public partial class RunOnArmTests(ITestOutputHelper log)
{
    private sealed record Case(DeviceTarget Target, string? Kernels, string ExpectedVariant);

    private static readonly Case[] Cases =
    [
        // The x86-64-v3 binary checks AVX-VNNI at run time (the test runs on the same host as the binary).
        new(DeviceTarget.X64, null, System.Runtime.Intrinsics.X86.AvxVnni.IsSupported ? "avxvnni" : "avx2"),
        new(DeviceTarget.X64, "avx2", "avx2"),
        new(DeviceTarget.X64, "reference", "reference"),
        new(DeviceTarget.A72, null, "neon"),
        new(DeviceTarget.A76, null, "neondot"),
        new(DeviceTarget.A72, "reference", "reference"),
    ];

    [Theory]
    [InlineData("mobilenet-like")]
    [InlineData("unet-like")]
    [InlineData("fashion-grey")]
    [InlineData("mobilenet-v1-0.25-shapes")]
    public void Every_kernel_path_writes_the_same_output_bytes(string model) =>
        AssertSameBytesEverywhere(model, RunModelFiles.Bytes(model), RunModelFiles.Input(model));

    [Fact]
    public void The_real_mobilenet_v1_packed_by_the_host_writes_the_same_bytes_everywhere() =>
        AssertSameBytesEverywhere("mobilenet_v1_0.25_224 (real weights, real photo)", RealModelFiles.MobileNetV1Model,
            RealModelFiles.MobileNetV1Input);

    private void AssertSameBytesEverywhere(string model, byte[] eqm, byte[] input)
    {
        var files = new Dictionary<string, byte[]> { ["model.eqm"] = eqm, ["in.bin"] = input };
        byte[]? expected = null;
        foreach (Case c in Cases)
        {
            string[] args = ["run", "model.eqm", "--input", "in.bin", "--output", "out.bin", "--threads", "2", .. c.Kernels is null ? [] : new[] { "--kernels", c.Kernels }];
            DeviceRunResult run = DeviceBinary.Run(c.Target, args, files, TimeSpan.FromMinutes(5));
            Assert.True(run.ExitCode == 0, run.Describe());
            string kernels = KernelsLine().Match(run.Stdout).Value;
            log.WriteLine($"{model} on {c.Target}{(c.Kernels is null ? "" : $" --kernels {c.Kernels}")}: {kernels}");
            Assert.StartsWith($"kernels: {c.ExpectedVariant} (gemm {c.ExpectedVariant} ", kernels);
            byte[] output = run.OutputFiles["out.bin"];
            expected ??= output;
            Assert.True(expected.AsSpan().SequenceEqual(output), $"{model}: {c.Target} {c.Kernels} differs from the first run\n{run.Describe()}");
        }
        log.WriteLine($"{model}: {expected!.Length} output bytes identical on all {Cases.Length} runs");
    }

    [Fact]
    public void Selftest_passes_on_both_arm_cpus_with_the_same_hash()
    {
        var hashes = new List<string>();
        foreach (DeviceTarget target in new[] { DeviceTarget.A72, DeviceTarget.A76 })
        {
            DeviceRunResult run = DeviceBinary.Run(target, ["selftest"], timeout: TimeSpan.FromMinutes(5));
            Assert.True(run.ExitCode == 0, run.Describe());
            string summary = run.Stdout.Split('\n').Single(l => l.StartsWith("kernel selftest passed"));
            log.WriteLine($"{target}: {run.Stdout.Split('\n')[0]} | {summary}");
            hashes.Add(summary);
        }
        Assert.Contains("neondot", DeviceBinary.Run(DeviceTarget.A76, ["info", "model.eqm"],
            new Dictionary<string, byte[]> { ["model.eqm"] = RunModelFiles.Bytes("mobilenet-like") }).Stdout);
        Assert.Equal(hashes[0], hashes[1]);
    }

    [GeneratedRegex("^kernels: .*$", RegexOptions.Multiline)]
    private static partial Regex KernelsLine();
}
