using EdgeQ.CommandLine;

namespace EdgeQ.Cli.Publishing;

/// <summary>
/// Checks, before a minutes-long build, that the NativeAOT toolchain for a runtime identifier is installed, and names
/// the Debian packages that are missing (the recipe in DEVELOPERS.md).
/// </summary>
public static class CrossToolchain
{
    private sealed record Requirement(string Package, string Description, Func<PublishEnvironment, bool> IsPresent);

    private static Requirement Program(string package, string program) =>
        new(package, program, env => env.SearchPath.Any(dir => File.Exists(Path.Combine(dir, program))));

    private static Requirement SysRootFile(string package, string path) =>
        new(package, path, env => File.Exists(Path.Combine(env.SysRoot, path.TrimStart('/'))));

    // clang drives the NativeAOT link on every target; the arm64 build links with lld against Debian's arm64 cross libc.
    private static readonly Requirement[] Common = [Program("clang", "clang")];

    private static readonly Requirement[] Arm64 =
    [
        Program("lld", "ld.lld"),
        Program("gcc-aarch64-linux-gnu", "aarch64-linux-gnu-gcc"),
        SysRootFile("libc6-dev-arm64-cross", "/usr/aarch64-linux-gnu/lib/libc.so"),
    ];

    /// <summary>Throws a one-line <see cref="UsageException"/> with the apt-get line when something is missing.</summary>
    public static void Require(string runtimeIdentifier, PublishEnvironment env)
    {
        var needed = runtimeIdentifier == "linux-arm64" ? Common.Concat(Arm64) : Common;
        var missing = needed.Where(r => !r.IsPresent(env)).ToList();
        if (missing.Count == 0) return;
        throw new UsageException(
            $"cannot build edgeq-run for {runtimeIdentifier}: missing {string.Join(", ", missing.Select(r => r.Description))}; " +
            $"install it with: sudo apt-get install -y {string.Join(' ', missing.Select(r => r.Package).Distinct())}");
    }
}
