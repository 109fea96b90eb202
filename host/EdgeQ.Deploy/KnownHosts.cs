using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeQ.Deploy;

public enum HostKeyStatus
{
    /// <summary>known_hosts lists this key for the host.</summary>
    Trusted,
    /// <summary>known_hosts has no key for the host.</summary>
    Unknown,
    /// <summary>known_hosts lists other keys for the host: the board was reinstalled, or someone is in the middle.</summary>
    Changed,
    /// <summary>known_hosts marks this key <c>@revoked</c>.</summary>
    Revoked,
}

/// <summary>
/// An OpenSSH known_hosts file: plain (<c>host</c>, <c>[host]:port</c>, comma lists, <c>*</c>/<c>?</c> wildcards,
/// <c>!</c> negation) and hashed (<c>|1|salt|hmac</c>) host fields, <c>@revoked</c> markers. <c>@cert-authority</c>
/// lines are skipped: deploy trusts plain host keys only.
/// </summary>
public sealed class KnownHosts(string path)
{
    public string Path { get; } = path;

    /// <summary>The user's file, <c>~/.ssh/known_hosts</c>, shared with the ssh command.</summary>
    public static string DefaultPath =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>How OpenSSH names a host in known_hosts: bare on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostField(string host, int port) => port == SshTarget.DefaultPort ? host : $"[{host}]:{port}";

    /// <summary>Key types (e.g. <c>ssh-ed25519</c>) known for the host, so the connection can ask for exactly those.</summary>
    public IReadOnlySet<string> KeyTypesFor(string host, int port) =>
        EntriesFor(HostField(host, port)).Where(e => !e.Revoked).Select(e => e.KeyType).ToHashSet();

    /// <param name="keyBlob">The host key in SSH wire format (what known_hosts stores base64-encoded).</param>
    public HostKeyStatus Check(string host, int port, byte[] keyBlob)
    {
        var entries = EntriesFor(HostField(host, port)).ToList();
        if (entries.Any(e => e.Revoked && e.Key.AsSpan().SequenceEqual(keyBlob))) return HostKeyStatus.Revoked;
        var plain = entries.Where(e => !e.Revoked).ToList();
        if (plain.Count == 0) return HostKeyStatus.Unknown;
        return plain.Any(e => e.Key.AsSpan().SequenceEqual(keyBlob)) ? HostKeyStatus.Trusted : HostKeyStatus.Changed;
    }

    /// <summary>Appends a plain entry the way <c>ssh</c> does, creating <c>~/.ssh</c> (0700) and the file (0600) if needed.</summary>
    public void Add(string host, int port, byte[] keyBlob)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        bool created = !File.Exists(Path);
        // A file that does not end in a newline would glue our entry onto its last line.
        bool needsNewline = !created && new FileInfo(Path).Length > 0 && LastByte(Path) != '\n';
        File.AppendAllText(Path, $"{(needsNewline ? "\n" : "")}{HostField(host, port)} {KeyType(keyBlob)} {Convert.ToBase64String(keyBlob)}\n");
        if (created && !OperatingSystem.IsWindows()) File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private sealed record Entry(bool Revoked, string KeyType, byte[] Key);

    private IEnumerable<Entry> EntriesFor(string hostField)
    {
        if (!File.Exists(Path)) yield break;
        foreach (string raw in File.ReadLines(Path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            bool revoked = false;
            if (fields[0].StartsWith('@'))
            {
                if (fields[0] != "@revoked") continue;
                revoked = true;
                fields = fields[1..];
            }
            if (fields.Length < 3 || !Matches(fields[0], hostField)) continue;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[2]);
            }
            catch (FormatException)
            {
                continue; // OpenSSH skips lines it cannot decode too
            }
            yield return new Entry(revoked, fields[1], key);
        }
    }

    private static bool Matches(string hostsField, string hostField)
    {
        if (hostsField.StartsWith("|1|")) return MatchesHashed(hostsField, hostField);
        bool matched = false;
        foreach (string pattern in hostsField.Split(','))
        {
            bool negated = pattern.StartsWith('!');
            if (!Glob(negated ? pattern[1..] : pattern).IsMatch(hostField)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /// <summary>OpenSSH's hashed form: |1|base64(salt)|base64(HMAC-SHA1(salt, host field)).</summary>
    private static bool MatchesHashed(string hostsField, string hostField)
    {
        string[] parts = hostsField.Split('|');
        if (parts.Length != 4) return false;
        try
        {
            byte[] salt = Convert.FromBase64String(parts[2]);
            byte[] hash = Convert.FromBase64String(parts[3]);
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(hostField)), hash);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern.ToLowerInvariant()).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The key type is the first string of the wire format: uint32 length, then the name.</summary>
    internal static string KeyType(byte[] keyBlob)
    {
        uint length = keyBlob.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(keyBlob) : 0;
        if (length == 0 || length > keyBlob.Length - 4) throw new DeployException("the server sent a malformed host key");
        return Encoding.ASCII.GetString(keyBlob, 4, (int)length);
    }

    private static int LastByte(string path)
    {
        using var stream = File.OpenRead(path);
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte();
    }
}
