namespace EdgeQ.CommandLine;

/// <summary>Plain left-aligned columns for terminal output, each as wide as its longest cell (linked into both tools).</summary>
public static class TextTable
{
    public static void Write(TextWriter output, IEnumerable<IReadOnlyList<string>> rows, string indent = "")
    {
        var all = rows.ToList();
        var widths = Enumerable.Range(0, all.Max(r => r.Count)).Select(c => all.Where(r => c < r.Count).Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
            output.WriteLine(indent + string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }
}
