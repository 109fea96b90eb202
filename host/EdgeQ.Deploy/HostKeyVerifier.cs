using Renci.SshNet;
using Renci.SshNet.Common;

namespace EdgeQ.Deploy;

/// <summary>
/// Decides whether to trust the key a board presents, the way <c>ssh -o StrictHostKeyChecking=yes|accept-new</c>
/// does, and remembers why it refused so the caller can say so instead of SSH.NET's generic handshake error.
/// </summary>
internal sealed class HostKeyVerifier(SshTarget target, KnownHosts knownHosts, bool acceptNew, Action<string> hostKeyAdded)
{
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
        string keyType = KnownHosts.KeyType(e.HostKey);
        string fingerprint = $"{keyType} SHA256:{e.FingerPrintSHA256}";
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
                Refuse($"{target}: host key {fingerprint} is not in {knownHosts.Path}; compare it with ssh-keygen -lf {HostKeyFileOnBoard(keyType)} on the board and rerun with --accept-new-host-key", e);
                return;
            case HostKeyStatus.Changed:
                Refuse($"{target}: HOST KEY CHANGED: the board presents {fingerprint}, {knownHosts.Path} lists a different key; if the board was reinstalled run ssh-keygen -R '{hostField}' -f {knownHosts.Path}, otherwise someone may be intercepting the connection", e);
                return;
            case HostKeyStatus.Revoked:
                Refuse($"{target}: host key {fingerprint} is marked @revoked in {knownHosts.Path}", e);
                return;
        }
    }

    private void Refuse(string message, HostKeyEventArgs e)
    {
        Rejection = new DeployException(message);
        e.CanTrust = false;
    }

    /// <summary>Where OpenSSH keeps the public host key of a type (ssh-ed25519 -> ssh_host_ed25519_key.pub).</summary>
    private static string HostKeyFileOnBoard(string keyType)
    {
        string name = keyType.StartsWith("ecdsa-") ? "ecdsa" : keyType.Replace("ssh-", "");
        return $"/etc/ssh/ssh_host_{name}_key.pub";
    }

    /// <summary>RSA keys sign with rsa-sha2-256/512 but are stored as ssh-rsa.</summary>
    private static string KeyTypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-") ? "ssh-rsa" : algorithm;
}
