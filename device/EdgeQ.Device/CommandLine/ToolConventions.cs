namespace EdgeQ.CommandLine;

/// <summary>A mistake by the user (bad path, bad option value): reported as one line with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The error discipline shared by <c>edgeq</c> and <c>edgeq-run</c> (this file is linked into both): user mistakes print
/// one line <c>TOOL: error: ...</c> and exit 2; anything unexpected exits 1 with a short message, and with the stack
/// trace only when <c>--verbose</c> or <c>EDGEQ_DEBUG=1</c> asks for it.
/// </summary>
public static class CommandErrors
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    public static bool DebugFromEnvironment => Environment.GetEnvironmentVariable("EDGEQ_DEBUG") == "1";

    public static int ReportUsage(string tool, string message, TextWriter error)
    {
        error.WriteLine($"{tool}: error: {message}");
        return Usage;
    }

    public static int Report(string tool, Exception exception, bool verbose, TextWriter error)
    {
        if (IsUserMistake(exception))
            return ReportUsage(tool, exception.Message, error);
        error.WriteLine($"{tool}: internal error: {exception.GetType().Name}: {exception.Message}");
        error.WriteLine(verbose ? exception.ToString() : "(run again with --verbose or EDGEQ_DEBUG=1 for the stack trace)");
        return Failure;
    }

    // A path the user named that does not exist or cannot be read is their mistake, not a bug.
    private static bool IsUserMistake(Exception exception) =>
        exception is UsageException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException;
}
