using EdgeQ.Cli.Publishing;
using EdgeQ.Deploy.Tests;
using EdgeQ.Tests;

namespace EdgeQ.Cli.Tests.Publish;

/// <summary>
/// A temp folder with what publish looks for, arranged as an installed tool or as a clone, plus real test models.
/// The runtimes are the real NativeAOT builds ./test.sh publishes before the tests, so no test builds one itself.
/// </summary>
public sealed class PublishWorkspace : IDisposable
{
    private readonly TestBundles _models = new();

    public string Root => _models.Root;

    public string Model(string name, int classes) => _models.Model(name, classes);

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>The edgeq-run tools/arm/publish-device.sh left in artifacts/device/<paramref name="build"/>.</summary>
    public static string PublishedRuntime(string build)
    {
        string path = System.IO.Path.Combine(RepoPaths.Root, "artifacts", "device", build, "edgeq-run");
        if (!File.Exists(path))
            Assert.Fail($"{path} is missing. Build it with: tools/arm/publish-device.sh {build} (./test.sh does this before the tests).");
        return path;
    }

    /// <summary>An installed tool (no clone above it) carrying prebuilt runtimes under runtimes/RID/, as the package does.</summary>
    public PublishEnvironment InstalledTool(params string[] prebuiltRuntimeIdentifiers)
    {
        string toolDirectory = Path("tool");
        foreach (string rid in prebuiltRuntimeIdentifiers)
        {
            Directory.CreateDirectory(Path("tool", "runtimes", rid));
            File.Copy(PublishedRuntime(rid), Path("tool", "runtimes", rid, "edgeq-run"), overwrite: true);
        }
        Directory.CreateDirectory(toolDirectory);
        return new PublishEnvironment(null, toolDirectory, [], "/");
    }

    /// <summary>
    /// A clone whose publish script stands in for the NativeAOT build: it logs its arguments, prints a progress line
    /// and copies the real published runtime of the same target where the real script leaves it, or fails with
    /// <paramref name="failWith"/>. The toolchain lookup sees a complete (stand-in) cross toolchain unless
    /// <paramref name="toolchain"/> names fewer programs and files.
    /// </summary>
    public PublishEnvironment Clone(string? failWith = null, string[]? toolchain = null)
    {
        string clone = Path("clone");
        Directory.CreateDirectory(Path("clone", "tools", "arm"));
        File.WriteAllText(Path("clone", "EdgeQ.sln"), "");
        string fail = failWith is null ? "" : $"echo '{failWith}' >&2; exit 1\n";
        File.WriteAllText(Path("clone", PublishEnvironment.PublishScript), $"""
            #!/usr/bin/env bash
            set -e
            echo "$@" >> '{ScriptLog}'
            {fail}mkdir -p artifacts/device/$1
            cp '{RepoPaths.Root}/artifacts/device/'$1/edgeq-run artifacts/device/$1/edgeq-run
            echo "publish-device: $1 built (stand-in)"

            """);
        string bin = Path("toolchain", "bin"), sysroot = Path("toolchain", "sysroot");
        foreach (string item in toolchain ?? ["clang", "ld.lld", "aarch64-linux-gnu-gcc", "/usr/aarch64-linux-gnu/lib/libc.so"])
        {
            string file = item.StartsWith('/') ? System.IO.Path.Combine(sysroot, item.TrimStart('/')) : System.IO.Path.Combine(bin, item);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "");
        }
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(sysroot);
        return new PublishEnvironment(clone, Path("clone-tool-directory"), [bin], sysroot);
    }

    /// <summary>One line per run of the clone's publish script: the targets it was asked to build.</summary>
    public string ScriptLog => Path("publish-script.log");

    public string[] ScriptRuns => File.Exists(ScriptLog) ? File.ReadAllLines(ScriptLog) : [];

    public void Dispose() => _models.Dispose();
}
