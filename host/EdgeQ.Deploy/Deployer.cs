using System.Diagnostics;

namespace EdgeQ.Deploy;

/// <summary>
/// Installs a bundle on boards over SSH so that a board always holds a complete, checked version: files go to a
/// staging folder, are synced to disk, then renamed over the old ones (each rename is atomic); the old ones are kept
/// as <c>*.last-good</c> and come back if the service restart or the health check fails.
/// </summary>
public sealed class Deployer(DeployOptions options, IProgress<DeployEvent>? progress = null)
{
    /// <summary>Staging folder inside the install directory: same file system, so renames out of it are atomic.</summary>
    internal const string StagingFolder = ".incoming";

    private readonly string _directory = HomeRelative(options.RemoteDirectory);

    /// <summary>
    /// Deploys to each target in turn and never stops early: one row per target, failures included. User-caused
    /// errors (<see cref="DeployException"/>) become <see cref="DeployStatus.Failed"/> rows.
    /// </summary>
    public async Task<IReadOnlyList<HostResult>> DeployAllAsync(Bundle bundle, IReadOnlyList<SshTarget> targets, CancellationToken ct = default)
    {
        var results = new List<HostResult>(targets.Count);
        foreach (var target in targets)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                results.Add(await DeployAsync(bundle, target, ct));
            }
            catch (DeployException e)
            {
                results.Add(Finish(target, DeployStatus.Failed, clock, e.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// Deploys to one board. Returns <see cref="DeployStatus.Deployed"/>, <see cref="DeployStatus.RolledBack"/> or
    /// <see cref="DeployStatus.Failed"/> (the check failed and nothing earlier passes); throws
    /// <see cref="DeployException"/> when the board cannot be reached, trusted or written.
    /// </summary>
    public async Task<HostResult> DeployAsync(Bundle bundle, SshTarget target, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var files = bundle.Files.Where(f => File.Exists(bundle.PathOf(f))).ToList();
        if (files.Count != bundle.Files.Count)
            throw new DeployException($"bundle {bundle.Directory} changed on disk: {string.Join(", ", bundle.Files.Except(files))} missing");

        Report(target, DeployStage.Connecting, $"connecting to {target}");
        using var session = await RemoteSession.ConnectAsync(target, options, message => Report(target, DeployStage.HostKeyAdded, message), ct);
        var scripts = new RemoteScripts(_directory, files);

        await session.RunCheckedAsync(scripts.PrepareStaging, options.CommandTimeout, "preparing the staging folder", ct);
        foreach (string file in files)
        {
            long total = new FileInfo(bundle.PathOf(file)).Length;
            Report(target, DeployStage.Uploading, $"uploading {file}", file, 0, total);
            await session.UploadAsync(bundle.PathOf(file), scripts.StagingPath(file), BundleFiles.ModeOf(file),
                sent => Report(target, DeployStage.Uploading, $"uploading {file}", file, sent, total), ct);
        }

        Report(target, DeployStage.Installing, "syncing and renaming into place");
        await session.RunCheckedAsync(scripts.Install, options.CommandTimeout, "installing", ct);

        string? failure = await RestartAndCheckAsync(session, scripts, target, ct);
        if (failure is null)
        {
            await session.RunCheckedAsync(scripts.RemoveStaging, options.CommandTimeout, "removing the staging folder", ct);
            return Finish(target, DeployStatus.Deployed, clock, "deployed; health check passed");
        }

        Report(target, DeployStage.RollingBack, $"{failure}; rolling back to last-good");
        var rollback = await session.RunAsync(scripts.RollBack, options.CommandTimeout, "rolling back", ct);
        if (rollback.ExitCode == RemoteScripts.NothingToRestore)
            return Finish(target, DeployStatus.Failed, clock, $"{failure}; no earlier version to roll back to, new files removed");
        if (rollback.ExitCode != 0)
            return Finish(target, DeployStatus.Failed, clock, $"{failure}; rollback failed too: {RemoteSession.FirstLine(rollback.Output)}");

        string? afterRollback = await RestartAndCheckAsync(session, scripts, target, ct);
        return afterRollback is null
            ? Finish(target, DeployStatus.RolledBack, clock, $"{failure}; rolled back to last-good, which passes")
            : Finish(target, DeployStatus.Failed, clock, $"{failure}; rolled back, but last-good fails too: {afterRollback}");
    }

    /// <summary>Restarts the service if asked, then runs the health check; returns why it failed, or null.</summary>
    private async Task<string?> RestartAndCheckAsync(RemoteSession session, RemoteScripts scripts, SshTarget target, CancellationToken ct)
    {
        if (options.Service != ServiceManager.None)
        {
            Report(target, DeployStage.RestartingService, $"restarting {BundleFiles.ServiceUnit}");
            var restart = await session.RunAsync(scripts.RestartService(options.Service), options.CommandTimeout, "restarting the service", ct);
            if (restart.ExitCode != 0) return $"service restart failed (exit {restart.ExitCode}): {RemoteSession.FirstLine(restart.Output)}";
        }
        Report(target, DeployStage.HealthCheck, $"health check: {options.HealthCheckCommand}");
        var check = await session.RunAsync(scripts.InDirectory(options.HealthCheckCommand), options.CommandTimeout, "the health check", ct);
        return check.ExitCode == 0 ? null : $"health check failed (exit {check.ExitCode}): {RemoteSession.FirstLine(check.Output)}";
    }

    private HostResult Finish(SshTarget target, DeployStatus status, Stopwatch clock, string message)
    {
        Report(target, DeployStage.Done, $"{status}: {message}");
        return new HostResult(target, status, clock.Elapsed, message);
    }

    private void Report(SshTarget target, DeployStage stage, string message, string? file = null, long sent = 0, long total = 0) =>
        progress?.Report(new DeployEvent(target, stage, message, file, sent, total));

    /// <summary>SFTP and the remote shell both start in the home folder, so "~/x" and "x" mean the same there.</summary>
    private static string HomeRelative(string directory)
    {
        string trimmed = directory.Trim();
        if (trimmed is "" or "~" or "~/") return ".";
        return trimmed.StartsWith("~/") ? trimmed[2..] : trimmed;
    }
}
