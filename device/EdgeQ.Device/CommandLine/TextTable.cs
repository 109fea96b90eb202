namespace EdgeQ.CommandLine;

/// <summary>Plain columns for terminal output, each as wide as its longest cell, left-aligned unless listed in
/// <c>rightAligned</c> (numbers). Linked into both tools.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IEnumerable<IReadOnlyList<string>> rows, string indent = "", IReadOnlySet<int>? rightAligned = null)
    {
        var all = rows.ToList();
        var widths = Enumerable.Range(0, all.Max(r => r.Count)).Select(c => all.Where(r => c < r.Count).Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
            output.WriteLine(indent + string.Join("  ", row.Select((cell, c) =>
                rightAligned?.Contains(c) == true ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
    }
}
