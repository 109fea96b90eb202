namespace EdgeQ.Deploy;

public enum DeployStage
{
    Connecting,
    HostKeyAdded,
    Uploading,
    Installing,
    RestartingService,
    HealthCheck,
    RollingBack,
    Done,
}

/// <summary>Progress of one host's deploy, for the caller to print.</summary>
/// <param name="BytesSent">During <see cref="DeployStage.Uploading"/>: bytes of <paramref name="File"/> sent so far.</param>
public sealed record DeployEvent(SshTarget Target, DeployStage Stage, string Message, string? File = null, long BytesSent = 0, long BytesTotal = 0);

public enum DeployStatus
{
    /// <summary>The new bundle is in place and passed the health check.</summary>
    Deployed,
    /// <summary>The new bundle failed its check; the previous one is back in place and passes.</summary>
    RolledBack,
    /// <summary>Nothing usable was installed, or the host could not be reached; see the message.</summary>
    Failed,
}

public sealed record HostResult(SshTarget Target, DeployStatus Status, TimeSpan Duration, string Message);
