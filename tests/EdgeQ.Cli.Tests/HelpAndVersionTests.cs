using System.CommandLine;
using EdgeQ.Cli;

namespace EdgeQ.Cli.Tests;

public class HelpAndVersionTests
{
    public static TheoryData<string> EveryCommandPath()
    {
        static IEnumerable<string> Paths(Command command, string prefix) =>
            command.Subcommands.SelectMany(c => Paths(c, (prefix + " " + c.Name).Trim()).Prepend((prefix + " " + c.Name).Trim()));
        return new TheoryData<string>(Paths(CliApp.BuildRootCommand(), "").Prepend(""));
    }

    [Theory]
    [MemberData(nameof(EveryCommandPath))]
    public void Every_command_has_help(string commandPath)
    {
        var args = commandPath.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var run = CliRun.Of(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout);
        Assert.Contains($"edgeq {commandPath}".Trim(), run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void No_arguments_prints_the_help_listing_the_commands()
    {
        var run = CliRun.Of();
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout);
        Assert.Contains("boards", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var run = CliRun.Of("--version");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("0.1.0", run.Stdout);
    }
}
