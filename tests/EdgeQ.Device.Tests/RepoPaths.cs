namespace EdgeQ.Tests;

/// <summary>The repository root, found from the test binary's location (linked into the test projects that need it).</summary>
internal static class RepoPaths
{
    public static readonly string Root = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeQ.sln")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeQ.sln not found above " + AppContext.BaseDirectory);
    }
}
