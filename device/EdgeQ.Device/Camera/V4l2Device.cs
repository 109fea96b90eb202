using System.Runtime.InteropServices;

namespace EdgeQ.Device.Camera;

/// <summary>
/// The checks Iot.Device.Bindings' VideoDevice does not make: it ignores ioctl errors, so a busy or non-capture device
/// would stream garbage instead of failing. One VIDIOC_REQBUFS with count 0 asks the driver whether this process could
/// take the capture queue, without allocating anything.
/// </summary>
internal static partial class V4l2Device
{
    private const int ReadWrite = 2, NonBlocking = 0x800;
    private const nuint RequestBuffersRequest = 0xC0145608; // _IOWR('V', 8, struct v4l2_requestbuffers)
    private const uint VideoCaptureType = 1, MemoryMapped = 1;
    private const int NoSuchFile = 2, PermissionDenied = 13, Busy = 16, NoSuchDevice = 19, InvalidArgument = 22, NotATypewriter = 25;

    /// <summary>Throws <see cref="CameraUnavailableException"/> unless <paramref name="path"/> is a capture device this process can stream from.</summary>
    public static void EnsureCapturable(string path)
    {
        int fd = Open(path, ReadWrite | NonBlocking);
        if (fd < 0)
            throw Unavailable(path, Marshal.GetLastPInvokeError());
        try
        {
            var request = new RequestBuffers { Type = VideoCaptureType, Memory = MemoryMapped };
            if (Ioctl(fd, RequestBuffersRequest, ref request) < 0)
                throw Unavailable(path, Marshal.GetLastPInvokeError());
        }
        finally
        {
            Close(fd);
        }
    }

    private static CameraUnavailableException Unavailable(string path, int errno) => new(errno switch
    {
        NoSuchFile or NoSuchDevice => $"no camera at {path}",
        PermissionDenied => $"no permission to open {path} (add the user to the 'video' group)",
        Busy => $"camera {path} is busy (another program is capturing from it)",
        InvalidArgument => $"{path} is not a video capture device with memory-mapped streaming (try another /dev/videoN)",
        NotATypewriter => $"{path} is not a V4L2 device",
        _ => $"cannot use camera {path}: {Marshal.GetPInvokeErrorMessage(errno)}",
    });

    [StructLayout(LayoutKind.Sequential)]
    private struct RequestBuffers
    {
        public uint Count, Type, Memory, Capabilities, FlagsAndReserved;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, ref RequestBuffers argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
