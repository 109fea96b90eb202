using System.Text;

namespace EdgeQ.CommandLine;

/// <summary>Plain columns for terminal output, each as wide as its longest cell, left-aligned unless listed in
/// <c>rightAligned</c> (numbers). Linked into both tools.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IEnumerable<IReadOnlyList<string>> rows, string indent = "", IReadOnlySet<int>? rightAligned = null)
    {
        var all = new List<IReadOnlyList<string>>(rows);
        var widths = new List<int>();
        foreach (var row in all)
        for (int c = 0; c < row.Count; c++)
        {
            if (c == widths.Count) widths.Add(0);
            widths[c] = Math.Max(widths[c], row[c].Length);
        }
        var line = new StringBuilder();
        foreach (var row in all)
        {
            line.Clear().Append(indent);
            for (int c = 0; c < row.Count; c++)
            {
                if (c > 0) line.Append("  ");
                line.Append(rightAligned?.Contains(c) == true ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
