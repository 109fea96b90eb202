using System.CommandLine;
using System.Runtime.Versioning;
using EdgeQ.Cli.Commands;
using EdgeQ.Cli.Publishing;
using EdgeQ.Deploy;
using EdgeQ.Deploy.Tests;

namespace EdgeQ.Cli.Tests.Publish;

/// <summary>
/// <c>edgeq deploy</c> end to end against a real OpenSSH server on 127.0.0.1, shipping the real x64 NativeAOT
/// edgeq-run; the "board" folder is a temp folder the test reads.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DeployCommandTests(SshServer server) : IClassFixture<SshServer>, IDisposable
{
    /// <summary>A health check the real edgeq-run passes today (the default, <c>info</c>, comes with the model loader).</summary>
    private const string VersionCheck = "./edgeq-run --version";

    private readonly PublishWorkspace _work = new();

    private string BoardDirectory => _work.Path("board");
    private string KnownHostsFile => _work.Path("known_hosts");
    private string BoardFile(string name) => Path.Combine(BoardDirectory, name);

    private void TrustServer() => File.WriteAllText(KnownHostsFile, server.KnownHostsLine + "\n");

    /// <summary>Deploys to the test server with the installed tool's prebuilt x64 runtime and the test's key files.</summary>
    private CliRun Deploy(params string[] args)
    {
        var root = new Command(CliApp.Tool) { DeployCommand.Create(_work.InstalledTool("linux-x64")) };
        return CliRun.Of(root,
        [
            "deploy", "--board", "linux-x64", "--identity", server.UserKey, "--known-hosts", KnownHostsFile,
            "--remote-dir", BoardDirectory, .. args,
        ]);
    }

    private string Host => $"{server.User}@127.0.0.1";

    [Fact]
    public void Deploys_the_real_runtime_and_model_and_passes_the_default_health_check()
    {
        TrustServer();
        string model = _work.Model("classifier", 4);

        // No --health-check: the default, the deployed edgeq-run loading the deployed model (`info model.eqm`).
        var run = Deploy("--host", Host, "--port", server.Port.ToString(), "--model", model);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(File.ReadAllBytes(PublishWorkspace.PublishedRuntime("linux-x64")), File.ReadAllBytes(BoardFile(BundleFiles.Executable)));
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(BoardFile(BundleFiles.Model)));
        Assert.True(File.Exists(BoardFile(BundleFiles.ServiceUnit)));
        // The installed runtime starts where the health check ran it.
        var (exitCode, version) = Tool.RunWithExit(BoardFile(BundleFiles.Executable), "--version");
        Assert.Equal(0, exitCode);
        Assert.StartsWith("0.1.0", version);

        var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("host", rows[0]);
        Assert.Matches($@"^{server.Target}\s+Deployed\s+\d+\.\d s\s+deployed; health check passed$", rows[1]);
        Assert.Contains($"{server.Target}: connecting to {server.Target}", run.Stderr);
        Assert.Contains($"{server.Target}: uploading edgeq-run 0/", run.Stderr);
        Assert.Contains($"{server.Target}: health check: ./edgeq-run info model.eqm", run.Stderr);
        Assert.DoesNotContain("edgeq: error", run.Stderr);
    }

    [Fact]
    public void A_failing_health_check_exits_1_and_leaves_no_unchecked_files()
    {
        TrustServer();

        var run = Deploy("--host", $"{Host}:{server.Port}", "--model", _work.Model("m", 3), "--health-check", "./edgeq-run no-such-command");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Failed", run.Stdout);
        Assert.Contains("health check failed (exit 2)", run.Stdout);
        Assert.False(File.Exists(BoardFile(BundleFiles.Model)));   // no earlier version: the new files are removed
    }

    [Fact]
    public void An_unknown_host_key_is_refused_without_the_flag_and_recorded_with_it()
    {
        string[] args = ["--host", $"{Host}:{server.Port}", "--health-check", VersionCheck];

        var refused = Deploy(args);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--accept-new-host-key", refused.Stdout);
        Assert.False(File.Exists(BoardFile(BundleFiles.Executable)));

        var accepted = Deploy([.. args, "--accept-new-host-key"]);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Contains(server.KnownHostsLine.Split(' ')[2], File.ReadAllText(KnownHostsFile));
    }

    [Fact]
    public void A_hosts_file_gives_one_row_per_board_and_a_failure_does_not_stop_the_rest()
    {
        TrustServer();
        string hostsFile = _work.Path("boards.txt");
        File.WriteAllText(hostsFile, $"# lab\n{Host}:1\n\n{Host}:{server.Port}\n");

        var run = Deploy("--hosts", hostsFile, "--health-check", VersionCheck);

        Assert.Equal(1, run.ExitCode);
        var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.Matches($@"^{Host}:1\s+Failed\s", rows[1]);
        Assert.Matches($@"^{server.Target}\s+Deployed\s", rows[2]);
    }

    [Theory]
    [InlineData("--host", "no-user-here")]
    [InlineData("--hosts", "/nonexistent/boards.txt")]
    [InlineData("--host", "pi@board", "--port", "0")]
    [InlineData("--model", "/nonexistent/m.eqm", "--host", "pi@board")]
    [InlineData("--board", "pi9", "--host", "pi@board")]
    [InlineData("--identity", "/nonexistent/key", "--host", "pi@board")]
    [InlineData]                                           // no --host and no --hosts
    public void A_user_mistake_is_one_error_line_and_exit_2_before_any_connection(params string[] args)
    {
        var run = CliRun.Of(["deploy", .. args.Contains("--board") ? args : ["--board", "pi5", .. args]]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edgeq: error: ", Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void Help_names_the_health_check_and_its_default()
    {
        var run = CliRun.Of("deploy", "--help");
        Assert.Contains("--health-check", run.Stdout);
        Assert.Contains(DeployOptions.DefaultHealthCheck, run.Stdout);
        foreach (string option in new[] { "--host", "--hosts", "--identity", "--model", "--service", "--accept-new-host-key", "--known-hosts", "--port" })
            Assert.Contains(option, run.Stdout);
    }

    public void Dispose() => _work.Dispose();
}
