using EdgeQ.CommandLine;
using EdgeQ.Device.Commands;

namespace EdgeQ.Device;

/// <summary>The <c>edgeq-run</c> command table: each command lives in its own file under Commands/.</summary>
public static class DeviceApp
{
    public const string Tool = "edgeq-run";

    public static readonly IReadOnlyList<CommandSpec> Commands =
        [CpuCommand.Spec, InfoCommand.Spec, RunCommand.Spec, BenchCommand.Spec, SelfTestCommand.Spec, ClassifyCommand.Spec, CameraCommand.Spec];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        new CommandParser(Tool, "EdgeQ int8 model runtime for ARM64 boards", ToolVersion.Value, Commands)
            .Run(args, output, error);
}
