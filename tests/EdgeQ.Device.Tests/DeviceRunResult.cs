namespace EdgeQ.Device.Tests;

/// <summary>What one run of edgeq-run left behind: exit code, both streams, and the files it wrote in its directory.</summary>
public sealed record DeviceRunResult(
    DeviceTarget Target,
    IReadOnlyList<string> Arguments,
    int ExitCode,
    string Stdout,
    string Stderr,
    IReadOnlyDictionary<string, byte[]> OutputFiles)
{
    /// <summary>A one-paragraph account for test output and assertion messages.</summary>
    public string Describe() =>
        $"edgeq-run {string.Join(' ', Arguments)} on {Target} exited {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}" +
        (OutputFiles.Count == 0 ? "" : $"--- files: {string.Join(", ", OutputFiles.Select(f => $"{f.Key} ({f.Value.Length} B)"))}\n");
}
