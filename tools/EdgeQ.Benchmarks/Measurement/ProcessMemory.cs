namespace EdgeQ.Benchmarks.Measurement;

/// <summary>
/// Peak resident memory of this process from Linux's /proc/self/status. Writing 5 to /proc/self/clear_refs resets the
/// high-water mark (VmHWM) to the current RSS, so VmHWM minus the RSS at reset is the peak added since then (managed
/// heap, native allocations and mapped model files alike).
/// </summary>
internal static class ProcessMemory
{
    /// <summary>Starts a measurement window; returns the resident bytes at its start.</summary>
    public static long ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return StatusBytes("VmRSS");
    }

    public static long PeakBytes => StatusBytes("VmHWM");

    private static long StatusBytes(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().ToString().Replace(" kB", "", StringComparison.Ordinal)) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }
}
