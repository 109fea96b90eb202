using System.Text.Json;
using EdgeQ.Device;

namespace EdgeQ.Device.Tests;

/// <summary>edgeq-run cpu in-process on this x64 host (the published binaries are covered by PublishedBinaryTests).</summary>
public class CpuCommandTests
{
    private static (int ExitCode, string Stdout) Run(params string[] args)
    {
        var stdout = new StringWriter();
        return (DeviceApp.Run(args, stdout, TextWriter.Null), stdout.ToString());
    }

    [Fact]
    public void Json_reports_what_this_process_sees()
    {
        var (exitCode, stdout) = Run("cpu", "--json");
        Assert.Equal(0, exitCode);
        var facts = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(Environment.ProcessorCount, facts.GetProperty("processorCount").GetInt32());
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, facts.GetProperty("avx2IsSupported").GetBoolean());
        Assert.Equal(System.Runtime.Intrinsics.Arm.Dp.IsSupported, facts.GetProperty("dpIsSupported").GetBoolean());
        Assert.Equal(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
            facts.GetProperty("vector128IsHardwareAccelerated").GetBoolean());
    }

    [Fact]
    public void Text_names_every_fact_the_kernels_are_selected_from()
    {
        var (exitCode, stdout) = Run("cpu");
        Assert.Equal(0, exitCode);
        foreach (var fact in new[] { "AdvSimd.Arm64.IsSupported", "Dp.IsSupported", "Avx2.IsSupported", "Vector128.IsHardwareAccelerated", "processors", "board" })
            Assert.Contains(fact, stdout);
    }
}
