using System.Globalization;
using System.Text;

namespace EdgeQ.Deploy;

/// <summary>The per-host summary <c>edgeq deploy</c> prints: host, status, duration, message, one row per target.</summary>
public static class ResultTable
{
    public static string Format(IReadOnlyList<HostResult> results)
    {
        string[] header = ["host", "status", "time", "message"];
        var rows = results.Select(r => new[]
        {
            r.Target.ToString(),
            r.Status.ToString(),
            r.Duration.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture),
            r.Message,
        }).Prepend(header).ToList();
        // The message is last and may be long: pad only the columns before it.
        int[] widths = Enumerable.Range(0, header.Length - 1).Select(c => rows.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row[..^1].Select((cell, c) => cell.PadRight(widths[c])).Append(row[^1])));
        return text.ToString();
    }
}
