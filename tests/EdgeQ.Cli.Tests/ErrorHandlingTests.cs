using System.CommandLine;
using EdgeQ.Cli;

namespace EdgeQ.Cli.Tests;

/// <summary>User mistakes: one line on stderr, exit 2. Bugs: exit 1, stack trace only on request.</summary>
public class ErrorHandlingTests
{
    [Theory]
    [InlineData("frob")]                       // unknown command
    [InlineData("boards", "--bogus")]          // unknown option
    [InlineData("--json")]                     // option of another command
    [InlineData("boards", "pi5", "extra")]     // surplus argument
    [InlineData("boards", "pi9")]              // bad value, found by the command itself
    public void A_user_mistake_prints_one_error_line_and_exits_2(params string[] args)
    {
        var run = CliRun.Of(args);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("edgeq: error: ", line);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void An_unknown_board_error_lists_the_known_ones()
    {
        Assert.Contains("pi5", Assert.Single(CliRun.Of("boards", "pi9").StderrLines));
    }

    [Fact]
    public void A_missing_file_is_a_user_mistake()
    {
        var run = CliRun.Of(RootWith(() => File.ReadAllBytes("/nonexistent/model.eqm")), "fail");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/model.eqm", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void An_unexpected_exception_exits_1_without_a_stack_trace()
    {
        var run = CliRun.Of(RootWith(() => throw new InvalidOperationException("kaboom")), "fail");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("edgeq: internal error: InvalidOperationException: kaboom", run.Stderr);
        Assert.DoesNotContain(" at ", run.Stderr);
        Assert.Contains("--verbose", run.Stderr);
    }

    [Fact]
    public void Verbose_shows_the_stack_trace()
    {
        var run = CliRun.Of(RootWith(() => throw new InvalidOperationException("kaboom")), "fail", "--verbose");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(" at ", run.Stderr);
    }

    [Fact]
    public void Edgeq_debug_shows_the_stack_trace()
    {
        Environment.SetEnvironmentVariable("EDGEQ_DEBUG", "1");
        try
        {
            var run = CliRun.Of(RootWith(() => throw new InvalidOperationException("kaboom")), "fail");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains(" at ", run.Stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEQ_DEBUG", null);
        }
    }

    /// <summary>The real command tree plus a <c>fail</c> command that runs <paramref name="action"/>.</summary>
    private static Command RootWith(Action action)
    {
        var root = CliApp.BuildRootCommand();
        var fail = new Command("fail");
        fail.SetAction(_ => action());
        root.Subcommands.Add(fail);
        return root;
    }
}
