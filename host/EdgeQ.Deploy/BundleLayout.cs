using EdgeQ.Format;

namespace EdgeQ.Deploy;

/// <summary>Lays out the folder <c>edgeq publish</c> produces and <c>edgeq deploy</c> uploads.</summary>
public static class BundleLayout
{
    /// <summary>
    /// Writes the bundle into a sibling staging folder and moves it into place at the end, so a failure leaves no
    /// half-written bundle. Throws <see cref="DeployException"/> for a missing executable, an invalid model, or an
    /// output folder that holds something other than an earlier bundle.
    /// </summary>
    public static Bundle Create(BundleRequest request)
    {
        RequireFile(request.ExecutablePath, "edgeq-run executable");
        if (request.ModelPath is not null)
        {
            RequireFile(request.ModelPath, "model");
            RequireValidModel(request.ModelPath);
        }
        string output = Path.GetFullPath(request.OutputDirectory);
        RequireReplaceable(output);

        string staging = $"{output}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            File.Copy(request.ExecutablePath, Path.Combine(staging, BundleFiles.Executable));
            if (request.ModelPath is not null)
                File.Copy(request.ModelPath, Path.Combine(staging, BundleFiles.Model));
            File.WriteAllText(Path.Combine(staging, BundleFiles.ServiceUnit), CameraServiceUnit.Render(request));
            File.WriteAllText(Path.Combine(staging, BundleFiles.Readme), BoardReadme.Render(request, request.ModelPath is not null));
            // Windows has no mode bits; the deployer sets the same modes on the board anyway.
            if (!OperatingSystem.IsWindows())
                foreach (string file in BundleFiles.All.Where(f => File.Exists(Path.Combine(staging, f))))
                    File.SetUnixFileMode(Path.Combine(staging, file), BundleFiles.ModeOf(file));
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            Directory.Move(staging, output);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        return Bundle.Open(output);
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path)) throw new DeployException($"{what} not found: {path}");
    }

    private static void RequireValidModel(string path)
    {
        try
        {
            using var _ = EqmFile.Open(path);
        }
        catch (EqmFormatException e)
        {
            throw new DeployException($"{path} is not a valid .eqm model: {e.Message}", e);
        }
    }

    /// <summary>Only an empty folder or an earlier bundle may be replaced: never delete a user's other files.</summary>
    private static void RequireReplaceable(string output)
    {
        if (File.Exists(output)) throw new DeployException($"output {output} is a file, not a folder");
        if (!Directory.Exists(output)) return;
        var strangers = Directory.EnumerateFileSystemEntries(output)
            .Select(Path.GetFileName)
            .Where(name => !BundleFiles.All.Contains(name))
            .ToList();
        if (strangers.Count > 0)
            throw new DeployException($"output folder {output} holds files that are not part of a bundle ({string.Join(", ", strangers.Take(3))}); choose an empty or new folder");
    }
}
