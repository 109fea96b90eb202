namespace EdgeQ.Deploy;

/// <summary>
/// The one exception for problems a user can cause or fix: missing files, unreachable host, failed authentication,
/// unknown or changed host key. The message is a single line meant to be printed as is.
/// </summary>
public sealed class DeployException(string message, Exception? inner = null) : Exception(message, inner);
