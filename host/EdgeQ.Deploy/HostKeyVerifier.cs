using Renci.SshNet;
using Renci.SshNet.Common;

namespace EdgeQ.Deploy;

/// <summary>
/// Decides whether to trust the key a board presents, the way <c>ssh -o StrictHostKeyChecking=yes|accept-new</c>
/// does, and remembers why it refused so the caller can say so instead of SSH.NET's generic handshake error.
/// </summary>
internal sealed class HostKeyVerifier(SshTarget target, KnownHosts knownHosts, bool acceptNew, Action<string> hostKeyAdded)
{
    private readonly Lock _gate = new();

    public DeployException? Rejection { get; private set; }

    /// <summary>
    /// Offers the server only the key types known_hosts holds for it (like OpenSSH), so a board with several host keys
    /// is not mistaken for a changed one. Certificates are never offered: deploy checks plain keys only.
    /// </summary>
    public ConnectionInfo ConnectionInfo(IPrivateKeySource key, TimeSpan timeout)
    {
        var info = new PrivateKeyConnectionInfo(target.Host, target.Port, target.User, key) { Timeout = timeout };
        var known = knownHosts.KeyTypesFor(target.Host, target.Port);
        foreach (string algorithm in info.HostKeyAlgorithms.Keys.ToList())
        {
            if (algorithm.Contains("-cert-") || (known.Count > 0 && !known.Contains(KeyTypeOf(algorithm))))
                info.HostKeyAlgorithms.Remove(algorithm);
        }
        return info;
    }

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        // The command and SFTP connections verify in parallel; one lock keeps a new key from being appended twice.
        lock (_gate)
        {
            string fingerprint = $"{KnownHosts.KeyType(e.HostKey)} SHA256:{e.FingerPrintSHA256}";
            string hostField = KnownHosts.HostField(target.Host, target.Port);
            switch (knownHosts.Check(target.Host, target.Port, e.HostKey))
            {
                case HostKeyStatus.Trusted:
                    e.CanTrust = true;
                    return;
                case HostKeyStatus.Unknown when acceptNew:
                    knownHosts.Add(target.Host, target.Port, e.HostKey);
                    hostKeyAdded($"added {hostField} {fingerprint} to {knownHosts.Path}");
                    e.CanTrust = true;
                    return;
                case HostKeyStatus.Unknown:
                    Refuse($"{target}: host key {fingerprint} is not in {knownHosts.Path}; check the fingerprint on the board (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and rerun with --accept-new-host-key", e);
                    return;
                case HostKeyStatus.Changed:
                    Refuse($"{target}: HOST KEY CHANGED: the board presents {fingerprint}, {knownHosts.Path} lists a different key; if the board was reinstalled run ssh-keygen -R '{hostField}' -f {knownHosts.Path}, otherwise someone may be intercepting the connection", e);
                    return;
                case HostKeyStatus.Revoked:
                    Refuse($"{target}: host key {fingerprint} is marked @revoked in {knownHosts.Path}", e);
                    return;
            }
        }
    }

    private void Refuse(string message, HostKeyEventArgs e)
    {
        Rejection = new DeployException(message);
        e.CanTrust = false;
    }

    /// <summary>RSA keys sign with rsa-sha2-256/512 but are stored as ssh-rsa.</summary>
    private static string KeyTypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-") ? "ssh-rsa" : algorithm;
}
