using System.CommandLine;
using EdgeQ.Cli;

namespace EdgeQ.Cli.Tests;

/// <summary>Runs the <c>edgeq</c> command tree in-process with captured output.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static CliRun Of(params string[] args) => Of(CliApp.BuildRootCommand(), args);

    public static CliRun Of(Command root, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = CliApp.Run(root, args, stdout, stderr);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
