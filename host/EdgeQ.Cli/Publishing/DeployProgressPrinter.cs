using EdgeQ.Deploy;

namespace EdgeQ.Cli.Publishing;

/// <summary>
/// Prints deploy events as lines on stderr, prefixed with the host. Uploads report every SFTP chunk; only the start,
/// each quarter and the end of a file are printed, so a log stays readable.
/// </summary>
public sealed class DeployProgressPrinter(TextWriter error) : IProgress<DeployEvent>
{
    private const int Steps = 4;
    private readonly Dictionary<(SshTarget, string), int> _uploadStepsPrinted = [];

    public void Report(DeployEvent e)
    {
        if (e is { Stage: DeployStage.Uploading, File: { } file })
        {
            int step = e.BytesTotal == 0 ? Steps : (int)(e.BytesSent * Steps / e.BytesTotal);
            var key = (e.Target, file);
            if (e.BytesSent > 0 && _uploadStepsPrinted.TryGetValue(key, out int printed) && step <= printed) return;
            _uploadStepsPrinted[key] = step;
            error.WriteLine($"{e.Target}: uploading {file} {e.BytesSent:N0}/{e.BytesTotal:N0} bytes");
            return;
        }
        error.WriteLine($"{e.Target}: {e.Message}");
    }
}
