using System.Collections.Concurrent;

namespace EdgeQ.Deploy.Tests;

/// <summary>Deploys to a real OpenSSH server on 127.0.0.1; the "board" folder is a temp folder this test can read.</summary>
public sealed class DeployerTests(SshServer server) : IClassFixture<SshServer>, IDisposable
{
    private readonly TestBundles _bundles = new();

    private string BoardDirectory => Path.Combine(_bundles.Root, "board");
    private string KnownHostsFile => Path.Combine(_bundles.Root, "known_hosts");
    private string BoardFile(string name) => Path.Combine(BoardDirectory, name);

    private DeployOptions Options(bool acceptNew = false) => new()
    {
        IdentityFile = server.UserKey,
        KnownHostsFile = KnownHostsFile,
        AcceptNewHostKey = acceptNew,
        RemoteDirectory = BoardDirectory,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(30),
    };

    private void TrustServer() => File.WriteAllText(KnownHostsFile, server.KnownHostsLine + "\n");

    /// <summary>Runs the stand-in health check on the board folder the way the board would.</summary>
    private static (int ExitCode, string Output) HealthCheckOnBoard(string directory) =>
        Tool.RunWithExit("/bin/sh", "-c", $"cd '{directory}' && {DeployOptions.DefaultHealthCheck}");

    [Fact]
    public async Task DeploysTheBundleAndPassesTheHealthCheck()
    {
        TrustServer();
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));
        var events = new Events();

        var result = await new Deployer(Options(), events).DeployAsync(bundle, server.Target);

        Assert.Equal(DeployStatus.Deployed, result.Status);
        foreach (string file in BundleFiles.All)
            Assert.Equal(File.ReadAllBytes(bundle.PathOf(file)), File.ReadAllBytes(BoardFile(file)));
        Assert.True(File.GetUnixFileMode(BoardFile(BundleFiles.Executable)).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(0, HealthCheckOnBoard(BoardDirectory).ExitCode);
        Assert.False(Directory.Exists(BoardFile(Deployer.StagingFolder)));
        Assert.False(File.Exists(BoardFile(BundleFiles.Model + BundleFiles.LastGoodSuffix)));
        Assert.Equal([DeployStage.Connecting, DeployStage.Uploading, DeployStage.Installing, DeployStage.HealthCheck, DeployStage.Done],
            events.Stages.Distinct());
        var modelProgress = events.All.Where(e => e.File == BundleFiles.Model).ToList();
        Assert.Equal(new FileInfo(bundle.PathOf(BundleFiles.Model)).Length, modelProgress[^1].BytesSent);
    }

    [Fact]
    public async Task ASecondDeployKeepsThePreviousModelAsLastGood()
    {
        TrustServer();
        var deployer = new Deployer(Options());
        string v1 = _bundles.Model("v1", 3), v2 = _bundles.Model("v2", 6);
        await deployer.DeployAsync(_bundles.Create("v1", v1), server.Target);

        var result = await deployer.DeployAsync(_bundles.Create("v2", v2), server.Target);

        Assert.Equal(DeployStatus.Deployed, result.Status);
        Assert.Equal(File.ReadAllBytes(v2), File.ReadAllBytes(BoardFile(BundleFiles.Model)));
        Assert.Equal(File.ReadAllBytes(v1), File.ReadAllBytes(BoardFile(BundleFiles.Model + BundleFiles.LastGoodSuffix)));
    }

    [Fact]
    public async Task UnknownHostKeyIsRefusedWithoutTheFlagAndRecordedWithIt()
    {
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));

        var refused = await Assert.ThrowsAsync<DeployException>(() => new Deployer(Options()).DeployAsync(bundle, server.Target));
        Assert.Contains("is not in", refused.Message);
        Assert.Contains("--accept-new-host-key", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.False(File.Exists(KnownHostsFile));
        Assert.False(Directory.Exists(BoardDirectory));

        var events = new Events();
        var result = await new Deployer(Options(acceptNew: true), events).DeployAsync(bundle, server.Target);

        Assert.Equal(DeployStatus.Deployed, result.Status);
        Assert.Single(events.All, e => e.Stage == DeployStage.HostKeyAdded);
        Assert.Equal([server.KnownHostsLine], File.ReadAllLines(KnownHostsFile));
        // OpenSSH's own client trusts the entry we wrote, in strict mode.
        Assert.Equal("trusted", Tool.Run("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={KnownHostsFile}",
            "-i", server.UserKey, "-p", server.Port.ToString(), $"{server.User}@127.0.0.1", "echo trusted").Trim());
        // Recorded keys are trusted without the flag from then on.
        Assert.Equal(DeployStatus.Deployed, (await new Deployer(Options()).DeployAsync(bundle, server.Target)).Status);
    }

    [Fact]
    public async Task ChangedHostKeyIsRefusedEvenWithAcceptNew()
    {
        string otherKey = Path.Combine(_bundles.Root, "other_host_key");
        Tool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey);
        string[] other = File.ReadAllText(otherKey + ".pub").Split(' ');
        File.WriteAllText(KnownHostsFile, $"[127.0.0.1]:{server.Port} {other[0]} {other[1]}\n");
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));

        var error = await Assert.ThrowsAsync<DeployException>(() => new Deployer(Options(acceptNew: true)).DeployAsync(bundle, server.Target));

        Assert.Contains("HOST KEY CHANGED", error.Message);
        Assert.Contains("ssh-keygen -R", error.Message);
        Assert.Single(File.ReadAllLines(KnownHostsFile));
        Assert.False(Directory.Exists(BoardDirectory));
    }

    [Fact]
    public async Task HashedEntriesFromSshKeyscanAreTrusted()
    {
        File.WriteAllText(KnownHostsFile, Tool.Run("ssh-keyscan", "-H", "-t", "ed25519", "-p", server.Port.ToString(), "127.0.0.1")
            .Split('\n').Where(line => line.StartsWith("|1|")).Single() + "\n");
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));

        var result = await new Deployer(Options()).DeployAsync(bundle, server.Target);

        Assert.Equal(DeployStatus.Deployed, result.Status);
    }

    [Fact]
    public async Task FailedHealthCheckRollsBackToTheModelThatPasses()
    {
        TrustServer();
        var deployer = new Deployer(Options());
        string good = _bundles.Model("good", 4);
        await deployer.DeployAsync(_bundles.Create("good", good), server.Target);
        var bad = _bundles.Create("bad", _bundles.Model("bad", 9));
        byte[] corrupt = File.ReadAllBytes(bad.PathOf(BundleFiles.Model));
        File.WriteAllBytes(bad.PathOf(BundleFiles.Model), corrupt[..(corrupt.Length / 2)]); // truncated in transit, say
        var events = new Events();

        var result = await new Deployer(Options(), events).DeployAsync(bad, server.Target);

        Assert.Equal(DeployStatus.RolledBack, result.Status);
        Assert.Contains("health check failed", result.Message);
        Assert.Contains("header says", result.Message);
        Assert.Equal(File.ReadAllBytes(good), File.ReadAllBytes(BoardFile(BundleFiles.Model)));
        Assert.Equal(File.ReadAllBytes(good), File.ReadAllBytes(BoardFile(BundleFiles.Model + BundleFiles.LastGoodSuffix)));
        Assert.Equal(0, HealthCheckOnBoard(BoardDirectory).ExitCode);
        Assert.Equal(2, events.All.Count(e => e.Stage == DeployStage.HealthCheck));
        Assert.False(Directory.Exists(BoardFile(Deployer.StagingFolder)));
    }

    [Fact]
    public async Task FailedHealthCheckOnAFirstDeployRemovesTheNewFiles()
    {
        TrustServer();
        var bad = _bundles.Create("bad", _bundles.Model("bad", 9));
        File.WriteAllText(bad.PathOf(BundleFiles.Model), "not a model");

        var result = await new Deployer(Options()).DeployAsync(bad, server.Target);

        Assert.Equal(DeployStatus.Failed, result.Status);
        Assert.Contains("no earlier version", result.Message);
        Assert.Empty(Directory.GetFileSystemEntries(BoardDirectory));
    }

    [Fact]
    public async Task ConnectionCutMidUploadLeavesThePreviousModelInPlace()
    {
        TrustServer();
        string good = _bundles.Model("good", 4);
        await new Deployer(Options()).DeployAsync(_bundles.Create("good", good), server.Target);
        var big = _bundles.Create("big", _bundles.Model("big", 5));
        const int size = 48 << 20;
        var random = new Random(7);
        byte[] payload = new byte[size];
        random.NextBytes(payload);
        File.WriteAllBytes(big.PathOf(BundleFiles.Model), payload);
        int killed = 0;
        var cutter = new Events(e =>
        {
            if (e.File == BundleFiles.Model && e.BytesSent > 4 << 20 && Interlocked.Exchange(ref killed, 1) == 0)
                server.KillSessions();
        });

        var error = await Assert.ThrowsAsync<DeployException>(() => new Deployer(Options(), cutter).DeployAsync(big, server.Target));

        Assert.Equal(1, killed);
        Assert.Contains("uploading model.eqm", error.Message);
        Assert.Equal(File.ReadAllBytes(good), File.ReadAllBytes(BoardFile(BundleFiles.Model)));
        Assert.Equal(0, HealthCheckOnBoard(BoardDirectory).ExitCode);
        Assert.All(Directory.GetFiles(BoardDirectory), file => Assert.True(new FileInfo(file).Length < 1 << 20, file));
        long staged = new FileInfo(Path.Combine(BoardDirectory, Deployer.StagingFolder, BundleFiles.Model)).Length;
        Assert.InRange(staged, 1, size - 1); // the cut really came mid-file, and the partial copy stayed in staging
        // The next deploy starts from a clean staging folder and succeeds.
        var again = await new Deployer(Options()).DeployAsync(_bundles.Create("again", _bundles.Model("again", 6)), server.Target);
        Assert.Equal(DeployStatus.Deployed, again.Status);
        Assert.False(Directory.Exists(BoardFile(Deployer.StagingFolder)));
    }

    [Fact]
    public async Task SystemServiceIsInstalledAndRestartedWithSudoAndAFailedRestartRollsBack()
    {
        TrustServer();
        // A stand-in sudo records what it is asked to do and never runs it; it fails "restart" while the marker exists.
        string log = Path.Combine(_bundles.Root, "sudo.log"), failRestart = Path.Combine(_bundles.Root, "fail-restart");
        File.WriteAllText(Path.Combine(server.FakeBin, "sudo"), $$"""
            #!/bin/sh
            echo "$*" >> '{{log}}'
            case "$*" in *restart*) [ ! -e '{{failRestart}}' ] || { echo "Job for edgeq-camera.service failed" >&2; exit 1; } ;; esac

            """);
        File.SetUnixFileMode(Path.Combine(server.FakeBin, "sudo"), BundleFiles.ModeOf(BundleFiles.Executable));
        var deployer = new Deployer(Options() with { Service = ServiceManager.System });
        string good = _bundles.Model("good", 4);
        try
        {
            var first = await deployer.DeployAsync(_bundles.Create("good", good), server.Target);

            Assert.Equal(DeployStatus.Deployed, first.Status);
            Assert.Equal([
                "-n cp -f edgeq-camera.service /etc/systemd/system/",
                "-n systemctl daemon-reload",
                "-n systemctl enable edgeq-camera.service",
                "-n systemctl restart edgeq-camera.service",
            ], File.ReadAllLines(log));

            File.WriteAllText(failRestart, "");
            var second = await deployer.DeployAsync(_bundles.Create("next", _bundles.Model("next", 5)), server.Target);

            Assert.Equal(DeployStatus.Failed, second.Status);
            Assert.Contains("service restart failed (exit 1): Job for edgeq-camera.service failed", second.Message);
            Assert.Contains("rolled back, but last-good fails too", second.Message);
            Assert.Equal(File.ReadAllBytes(good), File.ReadAllBytes(BoardFile(BundleFiles.Model)));

            File.Delete(failRestart);
            Assert.Equal(DeployStatus.Deployed, (await deployer.DeployAsync(_bundles.Create("again", _bundles.Model("again", 6)), server.Target)).Status);
        }
        finally
        {
            File.Delete(Path.Combine(server.FakeBin, "sudo"));
        }
    }

    [Fact]
    public async Task WrongKeyIsAnAuthenticationFailure()
    {
        TrustServer();
        string stranger = Path.Combine(_bundles.Root, "stranger");
        Tool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger);
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));

        var error = await Assert.ThrowsAsync<DeployException>(() =>
            new Deployer(Options() with { IdentityFile = stranger }).DeployAsync(bundle, server.Target));

        Assert.Contains("authentication failed", error.Message);
    }

    [Fact]
    public async Task ManyHostsGiveOneRowEachAndAFailureDoesNotStopTheRest()
    {
        TrustServer();
        var bundle = _bundles.Create("v1", _bundles.Model("v1", 3));
        var closedPort = new SshTarget(server.User, "127.0.0.1", ClosedPort());
        var missingKey = Options() with { IdentityFile = "/nonexistent/key" };

        var results = await new Deployer(Options()).DeployAllAsync(bundle, [closedPort, server.Target]);
        var noKey = await new Deployer(missingKey).DeployAllAsync(bundle, [server.Target]);

        Assert.Equal([closedPort, server.Target], results.Select(r => r.Target));
        Assert.Equal(DeployStatus.Failed, results[0].Status);
        Assert.Contains("cannot reach", results[0].Message);
        Assert.Equal(DeployStatus.Deployed, results[1].Status);
        Assert.True(results[1].Duration > TimeSpan.Zero);
        Assert.Equal("identity file not found: /nonexistent/key", noKey.Single().Message);
        Assert.Contains("cannot reach", ResultTable.Format(results));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _bundles.Dispose();

    /// <summary>Records events synchronously, in order, on the thread that reports them.</summary>
    private sealed class Events(Action<DeployEvent>? onEvent = null) : IProgress<DeployEvent>
    {
        private readonly ConcurrentQueue<DeployEvent> _events = new();

        public IReadOnlyList<DeployEvent> All => _events.ToList();
        public IEnumerable<DeployStage> Stages => All.Select(e => e.Stage);

        public void Report(DeployEvent value)
        {
            _events.Enqueue(value);
            onEvent?.Invoke(value);
        }
    }
}
