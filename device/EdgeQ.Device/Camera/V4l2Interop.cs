using System.Runtime.InteropServices;

namespace EdgeQ.Device.Camera;

/// <summary>
/// The system calls a V4L2 capture makes, as plain results: a negative value is <c>-errno</c>. <see cref="LibcV4l2Calls"/>
/// is the kernel; tests put a simulated camera driver behind it.
/// </summary>
internal unsafe interface IV4l2Calls
{
    /// <summary>A file descriptor, or -errno.</summary>
    int Open(string path);

    /// <summary>0, or -errno.</summary>
    int Ioctl(int fd, uint request, void* argument);

    /// <summary>0 and the address of <paramref name="length"/> shared bytes at <paramref name="offset"/>, or -errno.</summary>
    int Map(int fd, uint length, uint offset, out nint address);

    void Unmap(nint address, uint length);

    /// <summary>1 when a buffer can be dequeued (or the device failed), 0 after <paramref name="timeoutMilliseconds"/>, or -errno.</summary>
    int WaitReadable(int fd, int timeoutMilliseconds);

    void Close(int fd);
}

/// <summary>The V4L2 ABI subset for YUYV capture into memory-mapped buffers (linux/videodev2.h, 64-bit layouts).</summary>
internal static class V4l2
{
    // _IOR/_IOW/_IOWR('V', nr, struct): direction << 30 | sizeof(struct) << 16 | 'V' << 8 | nr.
    public const uint QueryCapability = 0x80685600;   // _IOR('V', 0, struct v4l2_capability)
    public const uint EnumerateFormat = 0xC0405602;   // _IOWR('V', 2, struct v4l2_fmtdesc)
    public const uint SetFormat = 0xC0D05605;         // _IOWR('V', 5, struct v4l2_format)
    public const uint RequestBuffers = 0xC0145608;    // _IOWR('V', 8, struct v4l2_requestbuffers)
    public const uint QueryBuffer = 0xC0585609;       // _IOWR('V', 9, struct v4l2_buffer)
    public const uint QueueBuffer = 0xC058560F;       // _IOWR('V', 15, struct v4l2_buffer)
    public const uint DequeueBuffer = 0xC0585611;     // _IOWR('V', 17, struct v4l2_buffer)
    public const uint StreamOn = 0x40045612;          // _IOW('V', 18, int)
    public const uint StreamOff = 0x40045613;         // _IOW('V', 19, int)
    public const uint EnumerateFrameSizes = 0xC02C564A; // _IOWR('V', 74, struct v4l2_frmsizeenum)

    public const uint VideoCaptureType = 1, MemoryMapped = 1, AnyField = 0;
    public const uint CapabilityVideoCapture = 0x1, CapabilityStreaming = 0x04000000, CapabilityDeviceCaps = 0x80000000;
    public const uint DiscreteSize = 1, BufferError = 0x40;
    public const uint Yuyv = 'Y' | 'U' << 8 | 'Y' << 16 | 'V' << 24;
}

[StructLayout(LayoutKind.Sequential, Size = 104)]
internal struct V4l2Capability
{
    public unsafe fixed byte Driver[16], Card[32], BusInfo[32];
    public uint Version, Capabilities, DeviceCaps;
}

[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct V4l2FormatDescription
{
    public uint Index, Type, Flags;
    public unsafe fixed byte Description[32];
    public uint PixelFormat;
}

// The union after `type` holds pointers, so it starts at offset 8 and the struct is 8 + 200 bytes.
[StructLayout(LayoutKind.Explicit, Size = 208)]
internal struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public uint Width;
    [FieldOffset(12)] public uint Height;
    [FieldOffset(16)] public uint PixelFormat;
    [FieldOffset(20)] public uint Field;
    [FieldOffset(24)] public uint BytesPerLine;
    [FieldOffset(28)] public uint SizeImage;
}

[StructLayout(LayoutKind.Sequential, Size = 20)]
internal struct V4l2RequestBuffers
{
    public uint Count, Type, Memory;
}

// index, type, bytesused, flags, field, (pad), timestamp (16), timecode (16), sequence, memory, m (8), length, ...
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal struct V4l2Buffer
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint BytesUsed;
    [FieldOffset(12)] public uint Flags;
    [FieldOffset(60)] public uint Memory;
    [FieldOffset(64)] public uint Offset;
    [FieldOffset(72)] public uint Length;
}

// index, pixel_format, type, then a union of discrete {width, height} and stepwise {min_w, max_w, step_w, min_h, max_h, step_h}.
[StructLayout(LayoutKind.Explicit, Size = 44)]
internal struct V4l2FrameSize
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint PixelFormat;
    [FieldOffset(8)] public uint Type;
    [FieldOffset(12)] public uint Width;
    [FieldOffset(16)] public uint Height;
    [FieldOffset(12)] public uint MinWidth;
    [FieldOffset(16)] public uint MaxWidth;
    [FieldOffset(20)] public uint StepWidth;
    [FieldOffset(24)] public uint MinHeight;
    [FieldOffset(28)] public uint MaxHeight;
    [FieldOffset(32)] public uint StepHeight;
}

/// <summary>The kernel's calls through libc; <c>LibraryImport</c> with blittable structs, so NativeAOT needs no marshalling code.</summary>
internal sealed unsafe partial class LibcV4l2Calls : IV4l2Calls
{
    private const int ReadWrite = 2, NonBlocking = 0x800, CloseOnExec = 0x80000;
    private const int ProtectRead = 1, ProtectWrite = 2, MapShared = 1;
    private const short PollIn = 1;

    public static readonly LibcV4l2Calls Instance = new();

    public int Open(string path)
    {
        int fd = OpenFile(path, ReadWrite | NonBlocking | CloseOnExec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public int Ioctl(int fd, uint request, void* argument)
    {
        int result;
        do result = IoControl(fd, request, argument);
        while (result < 0 && Marshal.GetLastPInvokeError() == Errno.Interrupted);
        return result >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public int Map(int fd, uint length, uint offset, out nint address)
    {
        address = MapMemory(0, length, ProtectRead | ProtectWrite, MapShared, fd, offset);
        if (address != -1)
            return 0;
        address = 0;
        return -Marshal.GetLastPInvokeError();
    }

    public void Unmap(nint address, uint length) => UnmapMemory(address, length);

    public int WaitReadable(int fd, int timeoutMilliseconds)
    {
        var poll = new PollFd { Fd = fd, Events = PollIn };
        int ready = Poll(&poll, 1, timeoutMilliseconds);
        return ready >= 0 ? ready : -Marshal.GetLastPInvokeError();
    }

    public void Close(int fd) => CloseFile(fd);

    private struct PollFd
    {
        public int Fd;
        public short Events, ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoControl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MapMemory(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int UnmapMemory(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseFile(int fd);
}
