using System.Security.Cryptography;
using System.Text;

namespace EdgeQ.Deploy.Tests;

public sealed class KnownHostsTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("edgeq-known-hosts-").FullName, "known_hosts");
    private static readonly byte[] KeyA = Blob("ssh-ed25519", 1);
    private static readonly byte[] KeyB = Blob("ssh-ed25519", 2);
    private static readonly byte[] RsaKey = Blob("ssh-rsa", 3);

    private KnownHosts Hosts(params string[] lines)
    {
        File.WriteAllLines(_path, lines);
        return new KnownHosts(_path);
    }

    private static string Line(string hosts, byte[] key) => $"{hosts} {KnownHosts.KeyType(key)} {Convert.ToBase64String(key)}";

    [Fact]
    public void PlainEntriesMatchByHostAndPortField()
    {
        var hosts = Hosts("# lab", Line("pi5.local,10.0.0.5", KeyA), Line("[10.0.0.5]:2222", KeyB));

        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.5", 22, KeyA));
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("pi5.local", 22, KeyA));
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.5", 2222, KeyB));
        Assert.Equal(HostKeyStatus.Changed, hosts.Check("10.0.0.5", 2222, KeyA));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.6", 22, KeyA));
    }

    [Fact]
    public void WildcardsAndNegation()
    {
        var hosts = Hosts(Line("*.lab,!spare.lab", KeyA));

        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("pi5.lab", 22, KeyA));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("spare.lab", 22, KeyA));
    }

    [Fact]
    public void HashedEntriesMatchOnlyTheirHost()
    {
        byte[] salt = RandomNumberGenerator.GetBytes(20);
        string hashed = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes("[10.0.0.5]:2222")))}";
        var hosts = Hosts(Line(hashed, KeyA));

        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.5", 2222, KeyA));
        Assert.Equal(HostKeyStatus.Changed, hosts.Check("10.0.0.5", 2222, KeyB));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.5", 22, KeyA));
    }

    [Fact]
    public void RevokedKeysAreRefusedAndCertificateAuthoritiesIgnored()
    {
        var hosts = Hosts("@revoked * " + Line("", KeyB).TrimStart(), "@cert-authority *.lab " + Line("", KeyA).TrimStart());

        Assert.Equal(HostKeyStatus.Revoked, hosts.Check("pi5.lab", 22, KeyB));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("pi5.lab", 22, KeyA));
    }

    [Fact]
    public void KnownKeyTypesAreReportedPerHost()
    {
        var hosts = Hosts(Line("pi5.local", KeyA), Line("pi5.local", RsaKey), Line("other", KeyB));

        Assert.Equal(new HashSet<string> { "ssh-ed25519", "ssh-rsa" }, hosts.KeyTypesFor("pi5.local", 22));
        Assert.Empty(hosts.KeyTypesFor("pi4.local", 22));
    }

    [Fact]
    public void AddAppendsOnANewLineAndCreatesThePrivateFile()
    {
        var fresh = new KnownHosts(Path.Combine(Path.GetDirectoryName(_path)!, "sub", "known_hosts"));
        fresh.Add("10.0.0.5", 22, KeyA);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fresh.Path));
        Assert.Equal(HostKeyStatus.Trusted, fresh.Check("10.0.0.5", 22, KeyA));

        File.WriteAllText(_path, Line("other", KeyB)); // no final newline
        new KnownHosts(_path).Add("10.0.0.5", 2222, KeyA);
        Assert.Equal([Line("other", KeyB), Line("[10.0.0.5]:2222", KeyA)], File.ReadAllLines(_path));
    }

    /// <summary>An SSH wire-format public key: string type, then (here) a fake key body.</summary>
    private static byte[] Blob(string type, byte seed)
    {
        byte[] name = Encoding.ASCII.GetBytes(type);
        return [0, 0, 0, (byte)name.Length, .. name, 0, 0, 0, 32, .. Enumerable.Repeat(seed, 32)];
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
}
