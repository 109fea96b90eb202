using System.Runtime.InteropServices;

namespace EdgeQ.Device.Camera;

/// <summary>
/// A V4L2 camera capturing YUYV at a size it offers, through <c>open</c>/<c>ioctl</c>/<c>mmap</c>/<c>poll</c>
/// (docs/camera.md says why not Iot.Device.Bindings' VideoDevice): four memory-mapped buffers, each frame handed to the
/// caller straight from the driver's buffer and queued again. Every ioctl result is checked, so a busy, missing or
/// unsuitable device fails at <see cref="Open"/> and an unplugged camera ends <see cref="Stream"/> with an
/// <see cref="IOException"/>.
/// </summary>
public sealed unsafe class V4l2FrameSource : IFrameSource
{
    private const uint BufferCount = 4;
    private const int PollMilliseconds = 100;

    private readonly string devicePath;
    private readonly int width, height;
    private readonly IV4l2Calls calls;
    private readonly FrameFormat format;
    private readonly List<(nint Address, uint Length)> buffers = [];
    private int fd = -1;
    private int stride;
    private uint frameSpan; // bytes from the first pixel to the last: (height - 1) * stride + width * 2
    private byte[]? packed;

    public V4l2FrameSource(string devicePath, int width, int height) : this(devicePath, width, height, LibcV4l2Calls.Instance) { }

    internal V4l2FrameSource(string devicePath, int width, int height, IV4l2Calls calls)
    {
        this.devicePath = devicePath;
        this.width = width;
        this.height = height;
        this.calls = calls;
        format = new FrameFormat(width, height);
    }

    public string Name => devicePath;

    public FrameFormat Open()
    {
        Close();
        int opened = calls.Open(devicePath);
        if (opened < 0)
            throw Unavailable(-opened);
        fd = opened;
        try
        {
            RequireCaptureDevice();
            RequireYuyvSize();
            SetFormat();
            MapBuffers();
            uint type = V4l2.VideoCaptureType;
            Check(calls.Ioctl(fd, V4l2.StreamOn, &type), "start streaming");
        }
        catch
        {
            Close();
            throw;
        }
        return format;
    }

    public void Stream(FrameHandler onFrame, CancellationToken cancellation)
    {
        if (fd < 0)
            throw new InvalidOperationException("the camera is not open");
        int rowBytes = width * 2;
        while (!cancellation.IsCancellationRequested)
        {
            // A bounded wait, so cancellation is seen even when the camera stops delivering frames.
            int ready = calls.WaitReadable(fd, PollMilliseconds);
            if (ready == -Errno.Interrupted || ready == 0)
                continue;
            Check(ready, "wait for a frame");
            var buffer = new V4l2Buffer { Type = V4l2.VideoCaptureType, Memory = V4l2.MemoryMapped };
            int dequeued = calls.Ioctl(fd, V4l2.DequeueBuffer, &buffer);
            if (dequeued == -Errno.TryAgain)
                continue;
            Check(dequeued, "take a frame");
            try
            {
                // A frame the driver flags as damaged (e.g. USB packet loss) is skipped, not converted.
                if ((buffer.Flags & V4l2.BufferError) != 0)
                    continue;
                if (buffer.BytesUsed < frameSpan)
                    throw new IOException($"the camera sent a {buffer.BytesUsed}-byte frame, expected {frameSpan} for {format}");
                var mapped = new ReadOnlySpan<byte>((void*)buffers[(int)buffer.Index].Address, (int)frameSpan);
                onFrame(stride == rowBytes ? mapped : Pack(mapped, rowBytes));
            }
            finally
            {
                Check(calls.Ioctl(fd, V4l2.QueueBuffer, &buffer), "return a frame buffer");
            }
        }
    }

    public void Close()
    {
        if (fd < 0)
            return;
        uint type = V4l2.VideoCaptureType;
        calls.Ioctl(fd, V4l2.StreamOff, &type);
        foreach (var (address, length) in buffers)
            calls.Unmap(address, length);
        buffers.Clear();
        calls.Close(fd);
        fd = -1;
    }

    public void Dispose() => Close();

    private void RequireCaptureDevice()
    {
        V4l2Capability capability;
        int result = calls.Ioctl(fd, V4l2.QueryCapability, &capability);
        if (result < 0)
            throw Unavailable(-result);
        uint caps = (capability.Capabilities & V4l2.CapabilityDeviceCaps) != 0 ? capability.DeviceCaps : capability.Capabilities;
        if ((caps & V4l2.CapabilityVideoCapture) == 0 || (caps & V4l2.CapabilityStreaming) == 0)
            throw Unavailable(Errno.InvalidArgument);
    }

    private void RequireYuyvSize()
    {
        var offered = new List<string>();
        bool yuyv = false;
        var description = new V4l2FormatDescription { Type = V4l2.VideoCaptureType };
        for (; calls.Ioctl(fd, V4l2.EnumerateFormat, &description) == 0; description.Index++)
        {
            yuyv |= description.PixelFormat == V4l2.Yuyv;
            offered.Add(FourCc(description.PixelFormat));
        }
        if (!yuyv)
            throw new CameraUnavailableException(
                $"camera {devicePath} does not offer YUYV (it offers {string.Join(", ", offered)}); MJPEG-only cameras are not supported yet");
        var sizes = new List<string>();
        bool fits = false;
        var size = new V4l2FrameSize { PixelFormat = V4l2.Yuyv };
        for (; calls.Ioctl(fd, V4l2.EnumerateFrameSizes, &size) == 0; size.Index++)
        {
            fits |= Fits(size);
            sizes.Add(Describe(size));
        }
        if (!fits)
            throw new CameraUnavailableException(
                $"camera {devicePath} does not capture YUYV at {width}x{height}; --size one of: {string.Join(", ", sizes)}");
    }

    private void SetFormat()
    {
        var requested = new V4l2Format
        {
            Type = V4l2.VideoCaptureType, Width = (uint)width, Height = (uint)height, PixelFormat = V4l2.Yuyv, Field = V4l2.AnyField,
        };
        int result = calls.Ioctl(fd, V4l2.SetFormat, &requested);
        if (result == -Errno.Busy)
            throw Unavailable(Errno.Busy);
        Check(result, "set the capture format");
        // The driver answers with the format it will send, which may differ from the one asked for.
        if (requested.Width != width || requested.Height != height || requested.PixelFormat != V4l2.Yuyv)
            throw new CameraUnavailableException(
                $"camera {devicePath} chose {requested.Width}x{requested.Height} {FourCc(requested.PixelFormat)} instead of {format}");
        stride = requested.BytesPerLine == 0 ? width * 2 : (int)requested.BytesPerLine;
        if (stride < width * 2)
            throw new IOException($"camera {devicePath} reports {stride} bytes per row for {format}");
        frameSpan = (uint)((height - 1) * stride + width * 2);
        packed = stride == width * 2 ? null : new byte[format.ByteCount];
    }

    private void MapBuffers()
    {
        var request = new V4l2RequestBuffers { Count = BufferCount, Type = V4l2.VideoCaptureType, Memory = V4l2.MemoryMapped };
        int result = calls.Ioctl(fd, V4l2.RequestBuffers, &request);
        if (result < 0)
            throw Unavailable(-result);
        if (request.Count == 0)
            throw new IOException($"camera {devicePath} granted no capture buffers");
        for (uint i = 0; i < request.Count; i++)
        {
            var buffer = new V4l2Buffer { Index = i, Type = V4l2.VideoCaptureType, Memory = V4l2.MemoryMapped };
            Check(calls.Ioctl(fd, V4l2.QueryBuffer, &buffer), "query a capture buffer");
            if (buffer.Length < frameSpan)
                throw new IOException($"camera {devicePath} offers {buffer.Length}-byte buffers, too small for {format}");
            Check(calls.Map(fd, buffer.Length, buffer.Offset, out nint address), "map a capture buffer");
            buffers.Add((address, buffer.Length));
            Check(calls.Ioctl(fd, V4l2.QueueBuffer, &buffer), "queue a capture buffer");
        }
    }

    // Rows the driver pads to a wider stride are copied into one packed frame.
    private ReadOnlySpan<byte> Pack(ReadOnlySpan<byte> mapped, int rowBytes)
    {
        var frame = packed!.AsSpan();
        for (int y = 0; y < height; y++)
            mapped.Slice(y * stride, rowBytes).CopyTo(frame.Slice(y * rowBytes, rowBytes));
        return frame;
    }

    private void Check(int result, string action)
    {
        if (result >= 0)
            return;
        throw new IOException(-result == Errno.NoSuchDevice
            ? "the camera disappeared"
            : $"cannot {action} on camera {devicePath}: {Marshal.GetPInvokeErrorMessage(-result)}");
    }

    private CameraUnavailableException Unavailable(int errno) => new(errno switch
    {
        Errno.NoSuchFile or Errno.NoSuchDevice => $"no camera at {devicePath}",
        Errno.PermissionDenied => $"no permission to open {devicePath} (add the user to the 'video' group)",
        Errno.Busy => $"camera {devicePath} is busy (another program is capturing from it)",
        Errno.InvalidArgument => $"{devicePath} is not a video capture device with memory-mapped streaming (try another /dev/videoN)",
        Errno.NotATypewriter => $"{devicePath} is not a V4L2 device",
        _ => $"cannot use camera {devicePath}: {Marshal.GetPInvokeErrorMessage(errno)}",
    });

    private bool Fits(V4l2FrameSize s) => s.Type == V4l2.DiscreteSize
        ? width == s.Width && height == s.Height
        : width >= s.MinWidth && width <= s.MaxWidth && height >= s.MinHeight && height <= s.MaxHeight
          && (s.StepWidth == 0 || (width - s.MinWidth) % s.StepWidth == 0)
          && (s.StepHeight == 0 || (height - s.MinHeight) % s.StepHeight == 0);

    private static string Describe(V4l2FrameSize s) =>
        s.Type == V4l2.DiscreteSize ? $"{s.Width}x{s.Height}" : $"{s.MinWidth}x{s.MinHeight}..{s.MaxWidth}x{s.MaxHeight}";

    // A V4L2 pixel format is a FourCC: four ASCII bytes, little-endian.
    private static string FourCc(uint pixelFormat) =>
        new string([(char)(pixelFormat & 0xFF), (char)(pixelFormat >> 8 & 0xFF), (char)(pixelFormat >> 16 & 0xFF), (char)(pixelFormat >> 24)]).TrimEnd();
}
