using System.Text.Json;
using EdgeQ.Boards;
using Xunit.Abstractions;

namespace EdgeQ.Device.Tests;

/// <summary>The NativeAOT binaries themselves: the ISA each CPU model exposes, and the error discipline on every target.</summary>
public class PublishedBinaryTests(ITestOutputHelper log)
{
    private JsonElement CpuFacts(DeviceTarget target)
    {
        var run = DeviceBinary.Run(target, ["cpu", "--json"]);
        Assert.True(run.ExitCode == 0, run.Describe());
        var facts = JsonDocument.Parse(run.Stdout).RootElement.Clone();
        log.WriteLine($"{target}: AdvSimd.Arm64 {Flag(facts, "advSimdArm64IsSupported")}, Dp {Flag(facts, "dpIsSupported")}, " +
                      $"Avx2 {Flag(facts, "avx2IsSupported")}");
        return facts;
    }

    private static bool Flag(JsonElement facts, string name) => facts.GetProperty(name).GetBoolean();

    [Fact]
    public void Cortex_a72_runs_the_arm64_binary_without_sdot()
    {
        var facts = CpuFacts(DeviceTarget.A72);
        Assert.Equal("arm64", facts.GetProperty("architecture").GetString());
        Assert.True(Flag(facts, "advSimdArm64IsSupported"));
        Assert.False(Flag(facts, "dpIsSupported"));
    }

    [Fact]
    public void Cortex_a76_runs_the_same_binary_with_sdot()
    {
        var facts = CpuFacts(DeviceTarget.A76);
        Assert.Equal("arm64", facts.GetProperty("architecture").GetString());
        Assert.True(Flag(facts, "advSimdArm64IsSupported"));
        Assert.True(Flag(facts, "dpIsSupported"));
    }

    [Fact]
    public void The_x64_binary_runs_and_sees_the_hosts_avx2()
    {
        var facts = CpuFacts(DeviceTarget.X64);
        Assert.Equal("x64", facts.GetProperty("architecture").GetString());
        Assert.False(Flag(facts, "advSimdArm64IsSupported"));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, Flag(facts, "avx2IsSupported"));
    }

    public static TheoryData<string> BoardQemuCpus() => new(BoardCatalog.All.Select(b => b.QemuCpu).Distinct().Order());

    [Theory]
    [MemberData(nameof(BoardQemuCpus))]
    public void Each_board_qemu_model_exposes_sdot_exactly_when_its_boards_have_it(string qemuCpu)
    {
        var facts = CpuFacts(DeviceTarget.ForQemuCpu(qemuCpu));
        foreach (var board in BoardCatalog.All.Where(b => b.QemuCpu == qemuCpu))
            Assert.Equal(board.Has("dotprod"), Flag(facts, "dpIsSupported"));
    }

    [Fact]
    public void The_pi5_board_build_runs_on_an_a76_and_refuses_to_start_on_an_a72()
    {
        Assert.Equal("armv8.2-a,dotprod", BoardCatalog.Find("pi5")!.IlcInstructionSet);
        Assert.True(Flag(CpuFacts(DeviceTarget.BoardBuild("pi5", "a76")), "dpIsSupported"));

        var onA72 = DeviceBinary.Run(DeviceTarget.BoardBuild("pi5", "a72"), ["cpu"]);
        log.WriteLine($"pi5 build on cortex-a72: exit {onA72.ExitCode}, {onA72.Stderr.Trim().Split('\n')[0]}");
        Assert.True(onA72.ExitCode != 0, onA72.Describe());
        Assert.Contains("The required instruction sets are not supported by the current CPU.", onA72.Stderr);
        Assert.Equal("", onA72.Stdout);
    }

    public static TheoryData<DeviceTarget> Targets() => new(DeviceTarget.KernelPaths);

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_user_mistake_prints_one_line_and_exits_2_on_every_target(DeviceTarget target)
    {
        var run = DeviceBinary.Run(target, ["cpu", "--threads", "4"]);
        Assert.True(run.ExitCode == 2, run.Describe());
        Assert.Equal("edgeq-run: error: unknown option '--threads' for 'edgeq-run cpu'. See 'edgeq-run cpu --help'.\n", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Help_and_version_work_on_every_target(DeviceTarget target)
    {
        var help = DeviceBinary.Run(target, []);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Usage: edgeq-run COMMAND", help.Stdout);
        var version = DeviceBinary.Run(target, ["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("0.1.0", version.Stdout);
    }
}
