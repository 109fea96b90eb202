using EdgeQ.CommandLine;

namespace EdgeQ.Device.Tests;

/// <summary>The hand-written edgeq-run parser, in-process, with a command that records what it was given.</summary>
public class CommandParserTests
{
    private ParsedCommand? _parsed;

    private (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var echo = new CommandSpec("echo", "Record the parse",
            [new OptionSpec("--json", "flag"), new OptionSpec("--runs", "count", "N")],
            [new ArgumentSpec("MODEL", "model"), new ArgumentSpec("IMAGE", "images", Required: false, Repeats: true)],
            (parsed, output) =>
            {
                _parsed = parsed;
                output.WriteLine($"runs={parsed.IntValue("--runs", 1, 1, 1000)}");
                return 0;
            });
        var crash = new CommandSpec("crash", "Throw", [], [], (_, _) => throw new InvalidOperationException("kaboom"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = new CommandParser("tool", "A test tool", "9.9.9", [echo, crash]).Run(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Options_and_arguments_in_any_order()
    {
        var (exitCode, stdout, _) = Run("echo", "m.eqm", "--runs", "5", "a.jpg", "--json", "b.jpg");
        Assert.Equal(0, exitCode);
        Assert.Equal("runs=5\n", stdout);
        Assert.Equal(["m.eqm", "a.jpg", "b.jpg"], _parsed!.Arguments);
        Assert.True(_parsed.Has("--json"));
    }

    [Fact]
    public void Equals_form_and_double_dash()
    {
        Run("echo", "--runs=7", "--", "--json", "-x");
        Assert.Equal("7", _parsed!.Value("--runs"));
        Assert.False(_parsed.Has("--json"));
        Assert.Equal(["--json", "-x"], _parsed.Arguments);
    }

    [Theory]
    [InlineData("tool: error: unknown command 'nope'. See 'tool --help'.", "nope")]
    [InlineData("tool: error: unknown option '--jsn' for 'tool echo'. See 'tool echo --help'.", "echo", "m", "--jsn")]
    [InlineData("tool: error: --runs needs a value (N). See 'tool echo --help'.", "echo", "m", "--runs")]
    [InlineData("tool: error: --json takes no value. See 'tool echo --help'.", "echo", "m", "--json=yes")]
    [InlineData("tool: error: missing MODEL. See 'tool echo --help'.", "echo")]
    [InlineData("tool: error: --runs must be a whole number from 1 to 1000, not 'many'", "echo", "m", "--runs", "many")]
    [InlineData("tool: error: --runs must be a whole number from 1 to 1000, not '0'", "echo", "m", "--runs", "0")]
    [InlineData("tool: error: unexpected argument 'extra'. See 'tool crash --help'.", "crash", "extra")]
    public void A_user_mistake_is_one_line_and_exit_code_2(string expectedError, params string[] args)
    {
        var (exitCode, stdout, stderr) = Run(args);
        Assert.Equal(2, exitCode);
        Assert.Equal(expectedError + "\n", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void No_arguments_and_help_print_the_tool_help()
    {
        foreach (var args in new[] { Array.Empty<string>(), ["--help"], ["-h"] })
        {
            var (exitCode, stdout, stderr) = Run(args);
            Assert.Equal(0, exitCode);
            Assert.Contains("Usage: tool COMMAND [options]", stdout);
            Assert.Contains("echo", stdout);
            Assert.Equal("", stderr);
        }
    }

    [Fact]
    public void Command_help_lists_arguments_and_options_and_wins_over_errors()
    {
        var (exitCode, stdout, _) = Run("echo", "--bogus", "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage: tool echo [options] MODEL [IMAGE]...", stdout);
        Assert.Contains("--runs N", stdout);
        Assert.Contains("--verbose", stdout);
        Assert.Null(_parsed);
    }

    [Fact]
    public void Version_prints_the_version()
    {
        Assert.Equal("9.9.9\n", Run("--version").Stdout);
    }

    [Fact]
    public void A_bug_exits_1_with_a_short_message_and_the_trace_only_with_verbose()
    {
        var quiet = Run("crash");
        Assert.Equal(1, quiet.ExitCode);
        Assert.StartsWith("tool: internal error: InvalidOperationException: kaboom\n", quiet.Stderr);
        Assert.DoesNotContain(" at ", quiet.Stderr);

        var verbose = Run("crash", "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains(" at ", verbose.Stderr);
    }

    [Fact]
    public void A_missing_file_is_a_user_mistake()
    {
        var stderr = new StringWriter();
        var read = new CommandSpec("read", "Read a file", [], [], (_, _) => File.ReadAllBytes("/nonexistent/m.eqm").Length);
        int exitCode = new CommandParser("tool", "t", "1", [read]).Run(["read"], TextWriter.Null, stderr);
        Assert.Equal(2, exitCode);
        Assert.StartsWith("tool: error: ", stderr.ToString());
        Assert.Contains("/nonexistent/m.eqm", stderr.ToString());
    }
}
