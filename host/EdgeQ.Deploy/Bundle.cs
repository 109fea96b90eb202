namespace EdgeQ.Deploy;

/// <summary>A bundle folder on the host: the files of <see cref="BundleFiles.All"/> that it holds.</summary>
public sealed class Bundle
{
    private Bundle(string directory, IReadOnlyList<string> files)
    {
        Directory = directory;
        Files = files;
    }

    public string Directory { get; }

    /// <summary>Names (from <see cref="BundleFiles.All"/>) of the files present, in upload order.</summary>
    public IReadOnlyList<string> Files { get; }

    public bool HasModel => Files.Contains(BundleFiles.Model);

    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Opens a bundle made by <see cref="BundleLayout.Create"/>; the executable is required, the rest optional.</summary>
    public static Bundle Open(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full)) throw new DeployException($"bundle folder not found: {directory}");
        var files = BundleFiles.All.Where(name => File.Exists(Path.Combine(full, name))).ToList();
        if (!files.Contains(BundleFiles.Executable))
            throw new DeployException($"{directory} is not a bundle: {BundleFiles.Executable} is missing (make one with edgeq publish)");
        return new Bundle(full, files);
    }
}
