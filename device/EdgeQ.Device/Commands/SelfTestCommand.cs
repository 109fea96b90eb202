using EdgeQ.CommandLine;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run selftest [--kernels V]</c>: every kernel family on seeded cases against the reference; the
/// final hash is the same on every CPU that passes.</summary>
public static class SelfTestCommand
{
    public static readonly CommandSpec Spec = new(
        "selftest",
        "Check every kernel variant this CPU runs against the scalar reference (exit 0 only if all match)",
        [ModelOptions.Kernels],
        [],
        Run);

    private static int Run(ParsedCommand parsed, TextWriter output) =>
        KernelSelfTest.Run(output, ModelOptions.Variant(parsed)?.Name()) ? CommandErrors.Success : CommandErrors.Failure;
}
