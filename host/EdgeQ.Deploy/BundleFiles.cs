namespace EdgeQ.Deploy;

/// <summary>Fixed file names inside a bundle and on the board, so the service unit and health check never change.</summary>
public static class BundleFiles
{
    public const string Executable = "edgeq-run";
    public const string Model = "model.eqm";
    public const string ServiceUnit = "edgeq-camera.service";
    public const string Readme = "README.md";

    /// <summary>Install directory on the board, relative to the login user's home.</summary>
    public const string DefaultInstallDirectory = "edgeq";

    /// <summary>Suffix of the copy of a file's previous version that a failed health check rolls back to.</summary>
    public const string LastGoodSuffix = ".last-good";

    /// <summary>Every file a bundle may hold, in the order they are uploaded (the largest, the executable, first).</summary>
    public static readonly IReadOnlyList<string> All = [Executable, Model, ServiceUnit, Readme];

    /// <summary>Permissions a bundle file gets on the host and on the board: rwxr-xr-x for the executable, rw-r--r-- else.</summary>
    public static UnixFileMode ModeOf(string file) => file == Executable
        ? ReadWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute
        : ReadWrite;

    private const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
}
