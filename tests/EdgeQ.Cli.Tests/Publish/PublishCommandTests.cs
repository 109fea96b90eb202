using System.CommandLine;
using System.Runtime.Versioning;
using EdgeQ.Cli.Commands;
using EdgeQ.Cli.Publishing;
using EdgeQ.Deploy;
using EdgeQ.Deploy.Tests;

namespace EdgeQ.Cli.Tests.Publish;

[SupportedOSPlatform("linux")]
public sealed class PublishCommandTests : IDisposable
{
    private readonly PublishWorkspace _work = new();

    private static CliRun Publish(PublishEnvironment env, params string[] args) =>
        CliRun.Of(new Command(CliApp.Tool) { PublishCommand.Create(env) }, ["publish", .. args]);

    [Fact]
    public void The_installed_tool_bundles_its_prebuilt_x64_runtime_and_the_model()
    {
        var env = _work.InstalledTool("linux-x64");
        string model = _work.Model("classifier", 5), output = _work.Path("bundle");

        var run = Publish(env, "--board", "linux-x64", "--model", model, "--out", output);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(BundleFiles.All.Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllBytes(PublishWorkspace.PublishedRuntime("linux-x64")), File.ReadAllBytes(Path.Combine(output, BundleFiles.Executable)));
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(Path.Combine(output, BundleFiles.Model)));
        Assert.Contains($"ExecStart=%h/edgeq/edgeq-run camera model.eqm --device /dev/video0", File.ReadAllText(Path.Combine(output, BundleFiles.ServiceUnit)));
        Assert.Contains("linux-x64", File.ReadAllText(Path.Combine(output, BundleFiles.Readme)));
        Assert.Contains("copying edgeq-run and classifier.eqm", run.Stderr);
        Assert.Contains(BundleFiles.Executable, run.Stdout);
        // The bundled file is the real runtime and starts from the bundle.
        var (exitCode, version) = Tool.RunWithExit(Path.Combine(output, BundleFiles.Executable), "--version");
        Assert.Equal(0, exitCode);
        Assert.StartsWith("0.1.0", version);
    }

    [Fact]
    public void The_installed_tool_falls_back_to_the_generic_arm64_build_for_a_board_with_its_own_instruction_set()
    {
        var env = _work.InstalledTool("linux-arm64");
        string output = _work.Path("bundle-pi5");

        var run = Publish(env, "--board", "pi5", "--out", output);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(File.ReadAllBytes(PublishWorkspace.PublishedRuntime("linux-arm64")), File.ReadAllBytes(Path.Combine(output, BundleFiles.Executable)));
        Assert.False(File.Exists(Path.Combine(output, BundleFiles.Model)));
        Assert.Contains("using the prebuilt generic linux-arm64 edgeq-run", run.Stderr);
        Assert.True(File.GetUnixFileMode(Path.Combine(output, BundleFiles.Executable)).HasFlag(UnixFileMode.UserExecute));
    }

    [Theory]
    [InlineData("pi5", "pi5")]                   // its own IlcInstructionSet: the board build
    [InlineData("pi4b", "linux-arm64")]          // default instruction set: the generic build is the same binary
    [InlineData("linux-x64", "linux-x64")]
    public void A_clone_builds_the_runtime_with_the_publish_script(string board, string buildTarget)
    {
        var env = _work.Clone();
        string output = _work.Path("bundle");

        var run = Publish(env, "--board", board, "--out", output, "--service-user", "pi");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal([buildTarget], _work.ScriptRuns);
        Assert.Equal(File.ReadAllBytes(PublishWorkspace.PublishedRuntime(buildTarget)), File.ReadAllBytes(Path.Combine(output, BundleFiles.Executable)));
        Assert.Contains($"{PublishEnvironment.PublishScript} {buildTarget}", run.Stderr);
        Assert.Contains($"publish-device: {buildTarget} built (stand-in)", run.Stderr);   // the script's own output is the progress
        Assert.Contains("User=pi", File.ReadAllText(Path.Combine(output, BundleFiles.ServiceUnit)));
    }

    [Fact]
    public void A_missing_cross_toolchain_names_the_apt_get_line_and_builds_nothing()
    {
        var env = _work.Clone(toolchain: ["clang", "aarch64-linux-gnu-gcc"]);

        var run = Publish(env, "--board", "pi5", "--out", _work.Path("bundle"));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            "edgeq: error: cannot build edgeq-run for linux-arm64: missing ld.lld, /usr/aarch64-linux-gnu/lib/libc.so; " +
            "install it with: sudo apt-get install -y lld libc6-dev-arm64-cross",
            Assert.Single(run.StderrLines));
        Assert.Empty(_work.ScriptRuns);
        Assert.False(Directory.Exists(_work.Path("bundle")));
    }

    [Fact]
    public void The_x64_build_needs_only_clang()
    {
        var run = Publish(_work.Clone(toolchain: []), "--board", "linux-x64", "--out", _work.Path("bundle"));

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith("missing clang; install it with: sudo apt-get install -y clang", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void A_failed_build_shows_its_output_then_one_error_line_and_leaves_nothing()
    {
        var env = _work.Clone(failWith: "ILC: error: something broke");

        var run = Publish(env, "--board", "pi5", "--out", _work.Path("bundle"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ILC: error: something broke", run.Stderr);
        Assert.Equal($"edgeq: error: building edgeq-run for pi5 failed ({PublishEnvironment.PublishScript} exited 1; its output is above)", ErrorLine(run));
        Assert.Empty(Directory.GetFileSystemEntries(_work.Root, "bundle*"));
    }

    [Fact]
    public void An_installed_tool_without_the_runtime_says_so()
    {
        var run = Publish(_work.InstalledTool(), "--board", "linux-x64", "--out", _work.Path("bundle"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no prebuilt edgeq-run for linux-x64", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void A_corrupt_model_is_one_error_line_and_leaves_no_partial_bundle()
    {
        string model = _work.Model("good", 3), corrupt = _work.Path("corrupt.eqm");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(model)[..^10]);

        var run = Publish(_work.InstalledTool("linux-x64"), "--board", "linux-x64", "--model", corrupt, "--out", _work.Path("bundle"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a valid .eqm model", ErrorLine(run));
        Assert.Empty(Directory.GetFileSystemEntries(_work.Root, "bundle*"));
    }

    [Fact]
    public void A_folder_with_other_files_is_not_replaced()
    {
        string output = _work.Path("photos");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "holiday.jpg"), "mine");

        var run = Publish(_work.InstalledTool("linux-x64"), "--board", "linux-x64", "--out", output);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("holds files that are not part of a bundle", ErrorLine(run));
        Assert.Equal(["holiday.jpg"], Directory.GetFiles(output).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--board", "pi9", "--out", "b")]                     // unknown board
    [InlineData("--board", "pi5", "--model", "/nonexistent/m.eqm", "--out", "b")]
    [InlineData("--board", "pi5")]                                   // no --out
    [InlineData("--out", "b")]                                       // no --board
    public void A_user_mistake_is_one_error_line_and_exit_2(params string[] args)
    {
        var run = CliRun.Of(["publish", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edgeq: error: ", Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void An_unknown_board_lists_the_boards_and_the_generic_targets()
    {
        string line = Assert.Single(CliRun.Of("publish", "--board", "pi9", "--out", "b").StderrLines);
        Assert.Contains("pi5", line);
        Assert.Contains("linux-x64", line);
    }

    [Fact]
    public void Help_names_every_option()
    {
        var run = CliRun.Of("publish", "--help");
        foreach (string option in new[] { "--board", "--model", "--out", "--service-user", "--remote-dir" })
            Assert.Contains(option, run.Stdout);
    }

    /// <summary>The one error line, after the progress lines of the steps that went well.</summary>
    private static string ErrorLine(CliRun run)
    {
        Assert.Single(run.StderrLines, line => line.StartsWith("edgeq: error: "));
        Assert.StartsWith("edgeq: error: ", run.StderrLines[^1]);
        return run.StderrLines[^1];
    }

    public void Dispose() => _work.Dispose();
}
