using System.Diagnostics;
using EdgeQ.CommandLine;

namespace EdgeQ.Cli.Publishing;

/// <summary>
/// Finds the edgeq-run executable for a target: built from source with <see cref="PublishEnvironment.PublishScript"/>
/// in a clone, else the prebuilt one the installed tool carries.
/// </summary>
public sealed class DeviceRuntimeProvider(PublishEnvironment env, TextWriter progress)
{
    public string Provide(PublishTarget target) => env.RepoRoot is null ? Prebuilt(target) : BuildFromSource(target);

    private string BuildFromSource(PublishTarget target)
    {
        CrossToolchain.Require(target.RuntimeIdentifier, env);
        progress.WriteLine($"building edgeq-run for {target.BuildTarget} ({target.RuntimeIdentifier}, NativeAOT): {PublishEnvironment.PublishScript} {target.BuildTarget}");
        var start = new ProcessStartInfo("bash", [Path.Combine(env.RepoRoot!, PublishEnvironment.PublishScript), target.BuildTarget])
        {
            WorkingDirectory = env.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(start)!;
        // The script prints one line per build, or the whole compiler log when it fails: pass both through as progress.
        DataReceivedEventHandler forward = (_, line) =>
        {
            if (line.Data is null) return;
            lock (progress) progress.WriteLine(line.Data);
        };
        build.OutputDataReceived += forward;
        build.ErrorDataReceived += forward;
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        build.WaitForExit();
        if (build.ExitCode != 0)
            throw new UsageException($"building edgeq-run for {target.BuildTarget} failed ({PublishEnvironment.PublishScript} exited {build.ExitCode}; its output is above)");
        string built = env.BuiltRuntime(target.BuildTarget);
        if (!File.Exists(built))
            throw new UsageException($"{PublishEnvironment.PublishScript} {target.BuildTarget} succeeded but left no {built}");
        return built;
    }

    private string Prebuilt(PublishTarget target)
    {
        string exact = env.PrebuiltRuntime(target.BuildTarget);
        if (File.Exists(exact)) return exact;
        // The package carries the generic builds only. A board build merely folds the ISA checks to constants; the
        // generic build makes them at run time and picks the same kernels.
        string generic = env.PrebuiltRuntime(target.RuntimeIdentifier);
        if (!File.Exists(generic))
            throw new UsageException($"no prebuilt edgeq-run for {target.RuntimeIdentifier} at {generic}, and no EdgeQ source clone to build one from; reinstall the tool or run edgeq from a clone");
        progress.WriteLine($"using the prebuilt generic {target.RuntimeIdentifier} edgeq-run (a {target.BuildTarget}-specific build needs a clone of the repo)");
        return generic;
    }
}
