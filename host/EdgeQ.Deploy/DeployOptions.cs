namespace EdgeQ.Deploy;

/// <summary>How <see cref="Deployer"/> restarts the camera service after installing a bundle.</summary>
public enum ServiceManager
{
    /// <summary>Leave services alone.</summary>
    None,
    /// <summary>Install the unit into <c>~/.config/systemd/user</c> and restart it with <c>systemctl --user</c>.</summary>
    User,
    /// <summary>Install the unit into <c>/etc/systemd/system</c> and restart it with <c>sudo -n systemctl</c> (passwordless sudo).</summary>
    System,
}

public sealed record DeployOptions
{
    /// <summary>Run in the install directory on the board; a non-zero exit rolls back to last-good.</summary>
    public const string DefaultHealthCheck = $"./{BundleFiles.Executable} info {BundleFiles.Model}";

    /// <summary>Private key file; null takes the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists.</summary>
    public string? IdentityFile { get; init; }

    public string KnownHostsFile { get; init; } = KnownHosts.DefaultPath;

    /// <summary>Trust and record the key of a host known_hosts does not list yet. A changed key is refused regardless.</summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>Install directory on the board; relative (or <c>~/</c>) paths are relative to the login user's home.</summary>
    public string RemoteDirectory { get; init; } = BundleFiles.DefaultInstallDirectory;

    public ServiceManager Service { get; init; } = ServiceManager.None;

    /// <summary>Shell command that must exit 0 for the new bundle to stay; run in <see cref="RemoteDirectory"/>.</summary>
    public string HealthCheckCommand { get; init; } = DefaultHealthCheck;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Bound on every remote command (install, service restart, health check).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
