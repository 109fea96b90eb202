using System.Text.RegularExpressions;

namespace EdgeQ.Deploy;

/// <summary>A board to deploy to: <c>user@host[:port]</c>, with <c>user@[address]:port</c> for IPv6.</summary>
public sealed partial record SshTarget(string User, string Host, int Port = SshTarget.DefaultPort)
{
    public const int DefaultPort = 22;

    public override string ToString() => Port == DefaultPort ? $"{User}@{Host}" : $"{User}@{Host}:{Port}";

    public static SshTarget Parse(string text)
    {
        var match = TargetPattern().Match(text.Trim());
        if (!match.Success)
            throw new DeployException($"'{text}' is not a deploy target; expected user@host or user@host:port");
        string host = match.Groups["v6"].Success ? match.Groups["v6"].Value : match.Groups["host"].Value;
        int port = DefaultPort;
        if (match.Groups["port"].Success && (!int.TryParse(match.Groups["port"].Value, out port) || port is < 1 or > 65535))
            throw new DeployException($"'{text}': port must be 1-65535");
        return new SshTarget(match.Groups["user"].Value, host, port);
    }

    /// <summary>Reads a hosts file: one target per line, blank lines and <c>#</c> comments ignored.</summary>
    public static IReadOnlyList<SshTarget> ParseHostsFile(string path)
    {
        if (!File.Exists(path)) throw new DeployException($"hosts file not found: {path}");
        var targets = new List<SshTarget>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            string content = line.Split('#', 2)[0].Trim();
            if (content.Length == 0) continue;
            try
            {
                targets.Add(Parse(content));
            }
            catch (DeployException e)
            {
                throw new DeployException($"{path}:{lineNumber}: {e.Message}");
            }
        }
        if (targets.Count == 0) throw new DeployException($"hosts file {path} lists no targets");
        return targets;
    }

    [GeneratedRegex(@"^(?<user>[^@\s:]+)@(?:\[(?<v6>[0-9A-Fa-f:.]+)\]|(?<host>[^@\s:\[\]]+))(?::(?<port>\d+))?$")]
    private static partial Regex TargetPattern();
}
