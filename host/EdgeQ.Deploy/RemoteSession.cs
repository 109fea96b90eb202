using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EdgeQ.Deploy;

/// <summary>
/// One SSH connection for commands and one for SFTP to a board, both checked against known_hosts. Every SSH.NET
/// failure a user can cause comes out as a <see cref="DeployException"/> naming the host and the step.
/// </summary>
internal sealed class RemoteSession : IDisposable
{
    private readonly SshTarget _target;
    private readonly SshClient _shell;
    private readonly SftpClient _files;

    private RemoteSession(SshTarget target, SshClient shell, SftpClient files)
    {
        _target = target;
        _shell = shell;
        _files = files;
    }

    public sealed record CommandResult(int ExitCode, string Output);

    private const string ConnectingStep = "connecting";

    public static async Task<RemoteSession> ConnectAsync(SshTarget target, DeployOptions options, Action<string> hostKeyAdded, CancellationToken ct)
    {
        var key = LoadIdentity(options.IdentityFile);
        var verifier = new HostKeyVerifier(target, new KnownHosts(options.KnownHostsFile), options.AcceptNewHostKey, hostKeyAdded);
        var shell = new SshClient(verifier.ConnectionInfo(key, options.ConnectTimeout));
        var files = new SftpClient(verifier.ConnectionInfo(key, options.ConnectTimeout));
        shell.HostKeyReceived += verifier.OnHostKeyReceived;
        files.HostKeyReceived += verifier.OnHostKeyReceived;
        var session = new RemoteSession(target, shell, files);
        try
        {
            await shell.ConnectAsync(ct);
            await files.ConnectAsync(ct);
            return session;
        }
        catch (Exception e)
        {
            session.Dispose();
            if (verifier.Rejection is not null) throw verifier.Rejection;
            if (IsRemoteFailure(e)) throw Translate(e, target, ConnectingStep);
            throw;
        }
    }

    /// <summary>Runs a shell command on the board; its stdout and stderr come back together.</summary>
    public async Task<CommandResult> RunAsync(string command, TimeSpan timeout, string step, CancellationToken ct)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var cmd = _shell.CreateCommand(command);
            await cmd.ExecuteAsync(timeoutSource.Token);
            string output = (cmd.Result + cmd.Error).Trim();
            return new CommandResult(cmd.ExitStatus ?? -1, output);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DeployException($"{_target}: {step} did not finish within {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (IsRemoteFailure(e))
        {
            throw Translate(e, _target, step);
        }
    }

    /// <summary>Runs a command that must succeed; a non-zero exit becomes a <see cref="DeployException"/>.</summary>
    public async Task RunCheckedAsync(string command, TimeSpan timeout, string step, CancellationToken ct)
    {
        var result = await RunAsync(command, timeout, step, ct);
        if (result.ExitCode != 0)
            throw new DeployException($"{_target}: {step} failed (exit {result.ExitCode}): {FirstLine(result.Output)}");
    }

    public async Task UploadAsync(string localPath, string remotePath, UnixFileMode mode, Action<long> bytesSent, CancellationToken ct)
    {
        string step = $"uploading {Path.GetFileName(localPath)}";
        try
        {
            await using var source = File.OpenRead(localPath);
            await _files.UploadFileAsync(source, remotePath, new ForwardProgress(bytesSent), ct);
            // SSH.NET takes the mode as the decimal number that reads like the octal one: 755 for rwxr-xr-x.
            _files.ChangePermissions(remotePath, short.Parse(Convert.ToString((int)mode, 8)));
        }
        catch (Exception e) when (IsRemoteFailure(e))
        {
            throw Translate(e, _target, step);
        }
    }

    public static string FirstLine(string text)
    {
        string line = text.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "(no output)" : line;
    }

    public void Dispose()
    {
        _files.Dispose();
        _shell.Dispose();
    }

    private static PrivateKeyFile LoadIdentity(string? identityFile)
    {
        string path = identityFile ?? DefaultIdentity()
            ?? throw new DeployException("no SSH key given and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists; pass --identity KEY");
        if (!File.Exists(path)) throw new DeployException($"identity file not found: {path}");
        try
        {
            return new PrivateKeyFile(path);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new DeployException($"identity file {path} is protected by a passphrase; use a deploy key without one");
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            throw new DeployException($"identity file {path} is not a private key SSH.NET can read: {e.Message}", e);
        }
    }

    private static string? DefaultIdentity()
    {
        string ssh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        return new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(name => Path.Combine(ssh, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>Failures of the network, the server or the remote files, as opposed to bugs in this code.</summary>
    private static bool IsRemoteFailure(Exception e) => e is SshException or SocketException or IOException or ObjectDisposedException;

    private static DeployException Translate(Exception e, SshTarget target, string step) => e switch
    {
        SshAuthenticationException => new($"{target}: authentication failed: the server did not accept the key ({e.Message})", e),
        SocketException s when step == ConnectingStep => new($"{target}: cannot reach {target.Host}:{target.Port}: {s.Message}", e),
        SshOperationTimeoutException => new($"{target}: timed out while {step}", e),
        SshConnectionException or SocketException or ObjectDisposedException => new($"{target}: connection lost while {step}: {e.Message}", e),
        SftpPermissionDeniedException => new($"{target}: permission denied while {step}: {e.Message}", e),
        SftpPathNotFoundException => new($"{target}: path not found while {step}: {e.Message}", e),
        _ => new($"{target}: error while {step}: {e.Message}", e),
    };

    /// <summary>Reports synchronously: <see cref="Progress{T}"/> would post to the thread pool and arrive late.</summary>
    private sealed class ForwardProgress(Action<long> bytesSent) : IProgress<UploadFileProgressReport>
    {
        public void Report(UploadFileProgressReport value) => bytesSent((long)value.TotalBytesUploaded);
    }
}
