using System.Diagnostics;

namespace EdgeQ.Deploy.Tests;

/// <summary>Runs a command-line tool with a bounded wait.</summary>
internal static class Tool
{
    /// <summary>Returns stdout and stderr together; a non-zero exit fails the test.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var (exitCode, output) = RunWithExit(program, arguments);
        if (exitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {exitCode}: {output}");
        return output;
    }

    public static (int ExitCode, string Output) RunWithExit(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 30 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
