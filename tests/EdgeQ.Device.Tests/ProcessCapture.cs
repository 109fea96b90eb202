using System.Diagnostics;

namespace EdgeQ.Device.Tests;

/// <summary>
/// Runs a process in a fresh working directory: writes the input files there first, captures both streams, and returns
/// every file the process created or changed there.
/// </summary>
public static class ProcessCapture
{
    public static (int ExitCode, string Stdout, string Stderr, IReadOnlyDictionary<string, byte[]> OutputFiles) Run(
        ProcessStartInfo start, IReadOnlyDictionary<string, byte[]>? inputFiles, TimeSpan timeout)
    {
        var inputs = inputFiles ?? new Dictionary<string, byte[]>();
        var workDirectory = Directory.CreateTempSubdirectory("edgeq-run-").FullName;
        try
        {
            foreach (var (name, bytes) in inputs)
                File.WriteAllBytes(Path.Combine(workDirectory, name), bytes);
            start.WorkingDirectory = workDirectory;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
            }
            return (process.ExitCode, stdout.Result, stderr.Result, ChangedFiles(workDirectory, inputs));
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    private static Dictionary<string, byte[]> ChangedFiles(string directory, IReadOnlyDictionary<string, byte[]> inputs)
    {
        var files = new Dictionary<string, byte[]>();
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(directory, path);
            var bytes = File.ReadAllBytes(path);
            if (!inputs.TryGetValue(name, out var input) || !input.AsSpan().SequenceEqual(bytes))
                files[name] = bytes;
        }
        return files;
    }
}
