namespace EdgeQ.Cli.Publishing;

/// <summary>
/// Where <c>edgeq publish</c> and <c>deploy</c> get edgeq-run from: a clone of the repository (built from source) or
/// the prebuilt executables packed next to the installed tool. A value, so tests can point it at other folders.
/// </summary>
/// <param name="RepoRoot">The clone this tool was built from, or null when it runs as an installed .NET tool.</param>
/// <param name="ToolDirectory">The folder of edgeq.dll; the tool package puts prebuilt runtimes under it.</param>
/// <param name="SearchPath">Folders searched for the cross toolchain's programs (the PATH).</param>
/// <param name="SysRoot">Root under which the aarch64 cross libraries are looked for ("/" outside tests).</param>
public sealed record PublishEnvironment(string? RepoRoot, string ToolDirectory, IReadOnlyList<string> SearchPath, string SysRoot)
{
    /// <summary>The script that holds the one definition of the NativeAOT publish properties per target.</summary>
    public const string PublishScript = "tools/arm/publish-device.sh";

    public static PublishEnvironment Current { get; } = new(
        FindRepoRoot(AppContext.BaseDirectory),
        AppContext.BaseDirectory,
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
        "/");

    /// <summary>Where <see cref="PublishScript"/> leaves the executable for a target.</summary>
    public string BuiltRuntime(string buildTarget) => Path.Combine(RepoRoot!, "artifacts", "device", buildTarget, "edgeq-run");

    /// <summary>Where the tool package carries the prebuilt executable for a runtime identifier.</summary>
    public string PrebuiltRuntime(string runtimeIdentifier) => Path.Combine(ToolDirectory, "runtimes", runtimeIdentifier, "edgeq-run");

    /// <summary>
    /// The clone above <paramref name="start"/> that holds the device sources and the publish script; an installed tool
    /// lives in ~/.dotnet/tools, where there is none.
    /// </summary>
    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeQ.sln")) && File.Exists(Path.Combine(dir.FullName, PublishScript)))
                return dir.FullName;
        return null;
    }
}
