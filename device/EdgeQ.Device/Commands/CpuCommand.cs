using EdgeQ.Boards;
using EdgeQ.CommandLine;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run cpu [--json]</c>: what the kernel selection will see on this machine.</summary>
public static class CpuCommand
{
    public static readonly CommandSpec Spec = new(
        "cpu",
        "Show the CPU/ISA facts kernels are selected from, and the matching board profile",
        [new OptionSpec("--json", "Print the facts as JSON")],
        [],
        Run);

    private static int Run(ParsedCommand parsed, TextWriter output)
    {
        var facts = CpuFacts.Detect();
        if (parsed.Has("--json"))
        {
            output.WriteLine(facts.ToJson());
            return CommandErrors.Success;
        }
        var board = facts.Board is null ? null : BoardCatalog.Find(facts.Board);
        TextTable.Write(output,
        [
            ["architecture", facts.ProcessArchitecture],
            ["processors", facts.ProcessorCount.ToString()],
            ["AdvSimd.Arm64.IsSupported", Bool(facts.AdvSimdArm64IsSupported)],
            ["Dp.IsSupported", Bool(facts.DpIsSupported)],
            ["Rdm.IsSupported", Bool(facts.RdmIsSupported)],
            ["Avx2.IsSupported", Bool(facts.Avx2IsSupported)],
            ["Vector128.IsHardwareAccelerated", Bool(facts.Vector128IsHardwareAccelerated)],
            ["device-tree model", facts.DeviceTreeModel ?? "(none)"],
            ["board", board is null ? "(no matching profile)" : $"{board.Name} ({board.Id}), default threads {board.DefaultThreads}"],
        ]);
        return CommandErrors.Success;
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
