namespace EdgeQ.Device;

/// <summary>The Linux errno values the device tool's system calls (V4L2 capture, stdout/stderr writes) act on.</summary>
internal static class Errno
{
    public const int NoSuchFile = 2, Interrupted = 4, TryAgain = 11, PermissionDenied = 13, Busy = 16, NoSuchDevice = 19,
        InvalidArgument = 22, NotATypewriter = 25, BrokenPipe = 32;
}
