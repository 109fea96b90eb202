namespace EdgeQ.Deploy;

/// <summary>What <see cref="BundleLayout.Create"/> lays out.</summary>
/// <param name="Board">The target board.</param>
/// <param name="ExecutablePath">An edgeq-run executable built for <see cref="BoardTarget.RuntimeIdentifier"/>.</param>
/// <param name="ModelPath">The .eqm model to ship, or null for a runtime-only bundle.</param>
/// <param name="OutputDirectory">Bundle folder; created, or replaced if it holds an earlier bundle.</param>
public sealed record BundleRequest(BoardTarget Board, string ExecutablePath, string? ModelPath, string OutputDirectory)
{
    /// <summary>
    /// Null: the camera service is a user unit (<c>systemctl --user</c>, no root needed). A user name: a system unit
    /// that runs as that user (<c>sudo systemctl</c>).
    /// </summary>
    public string? ServiceUser { get; init; }

    /// <summary>Install directory on the board; relative paths are relative to the login user's home.</summary>
    public string InstallDirectory { get; init; } = BundleFiles.DefaultInstallDirectory;
}
