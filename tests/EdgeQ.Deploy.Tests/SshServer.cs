using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeQ.Deploy.Tests;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 at a free port, with a throwaway host key and user key in a temp folder.
/// Started once per test class; stopped (with every session it forked) on dispose.
/// </summary>
public sealed class SshServer : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly Process _process;

    public string Root { get; }
    public int Port { get; }
    public string User { get; } = Environment.UserName;
    public string UserKey => Path.Combine(Root, "user_ed25519");
    public string HostKey => Path.Combine(Root, "host_ed25519");
    public SshTarget Target => new(User, "127.0.0.1", Port);

    /// <summary>First on the sessions' PATH, so tests can put stand-ins for board tools (sudo, systemctl) there.</summary>
    public string FakeBin => Path.Combine(Root, "bin");

    public SshServer()
    {
        if (!File.Exists(Sshd))
            throw new InvalidOperationException($"{Sshd} not found: install the Debian package openssh-server (apt-get install -y openssh-server)");
        if (!File.Exists("/usr/bin/ssh-keygen"))
            throw new InvalidOperationException("ssh-keygen not found: install the Debian package openssh-client");
        Root = Directory.CreateTempSubdirectory("edgeq-sshd-").FullName;
        Tool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "edgeq-test-host", "-f", HostKey);
        Tool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "edgeq-test-user", "-f", UserKey);
        File.Copy(UserKey + ".pub", Path.Combine(Root, "authorized_keys"));
        Directory.CreateDirectory(FakeBin);
        // Run as root, sshd refuses to start without its privilege separation folder, which only the package's
        // service unit creates (and there is no systemd here).
        if (Environment.IsPrivilegedProcess) Directory.CreateDirectory("/run/sshd");

        Port = FreePort();
        string config = Path.Combine(Root, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKey}
            PidFile {Root}/sshd.pid
            AuthorizedKeysFile {Root}/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            StrictModes no
            UsePAM no
            Subsystem sftp internal-sftp
            SetEnv PATH={FakeBin}:/usr/local/bin:/usr/bin:/bin

            """);
        _process = Process.Start(new ProcessStartInfo(Sshd, ["-D", "-e", "-f", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitForPort();
    }

    /// <summary>The host key line as known_hosts holds it for this server.</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {string.Join(' ', File.ReadAllText(HostKey + ".pub").Split(' ')[..2])}";

    /// <summary>Kills the per-connection sshd processes: the clients see their connections drop mid-stream.</summary>
    public int KillSessions()
    {
        var sessions = Children(_process.Id).ToList();
        foreach (int pid in sessions)
        {
            try
            {
                using var session = Process.GetProcessById(pid);
                session.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        return sessions.Count;
    }

    public void Dispose()
    {
        KillSessions();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private void WaitForPort()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"sshd exited with code {_process.ExitCode} at start-up (config {Root}/sshd_config)");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        _process.Kill();
        throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{Port} within 10 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Direct children of a process, from /proc/PID/stat (field 4 is the parent id).</summary>
    private static IEnumerable<int> Children(int parent)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
            string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(rest[1]) == parent) yield return pid;
        }
    }
}
