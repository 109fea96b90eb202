using System.Runtime.InteropServices;
using EdgeQ.Device.Camera;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>
/// A V4L2 capture driver behind <see cref="IV4l2Calls"/>, following the kernel's rules for the calls
/// <see cref="V4l2FrameSource"/> makes: enumeration ends with EINVAL, S_FMT answers with the format it will send,
/// buffers cycle between the driver's queue and the caller, and a queued buffer is filled with the next frame (every
/// byte of frame N is N, row padding 0xEE). Failures are injected per call; every fd, mapping and stream is tracked.
/// </summary>
internal sealed unsafe class SimulatedV4l2Camera : IV4l2Calls, IDisposable
{
    private const int Fd = 7;
    private readonly List<nint> memory = [];
    private readonly Queue<uint> queued = new();
    private uint bufferLength;
    private byte nextFrame;

    public uint[] Formats { get; init; } = [V4l2.Yuyv];

    /// <summary>Discrete sizes; <see cref="Stepwise"/> replaces them when set.</summary>
    public (uint Width, uint Height)[] Sizes { get; init; } = [(8, 4)];

    public V4l2FrameSize? Stepwise { get; init; }

    /// <summary>Extra bytes the driver puts after each row.</summary>
    public uint RowPadding { get; init; }

    public uint Capabilities { get; init; } = V4l2.CapabilityVideoCapture | V4l2.CapabilityStreaming;

    /// <summary>-errno for the first call of an ioctl request (QueryCapability, RequestBuffers, ...), or for opening (request 0).</summary>
    public Dictionary<uint, int> Fail { get; } = [];

    /// <summary>Dequeues that succeed before the device disappears (ENODEV).</summary>
    public int FramesUntilUnplug { get; set; } = int.MaxValue;

    /// <summary>bytesused the driver reports for every frame; null: the whole frame.</summary>
    public uint? BytesUsed { get; init; }

    public uint ErrorFlaggedFrame { get; init; } = uint.MaxValue;

    public bool FdOpen { get; private set; }
    public bool Streaming { get; private set; }
    public int Opens { get; private set; }
    public int LiveMappings { get; private set; }
    public (uint Width, uint Height) Format { get; private set; }
    public uint Stride => Format.Width * 2 + RowPadding;

    public int Open(string path)
    {
        if (Fail.Remove(0, out int error))
            return error;
        Assert.False(FdOpen, "opened twice without closing");
        FdOpen = true;
        Opens++;
        queued.Clear();
        return Fd;
    }

    public int Ioctl(int fd, uint request, void* argument)
    {
        Assert.Equal(Fd, fd);
        Assert.True(FdOpen);
        if (Fail.Remove(request, out int error))
            return error;
        switch (request)
        {
            case V4l2.QueryCapability:
                var capability = (V4l2Capability*)argument;
                *capability = default;
                capability->Capabilities = Capabilities;
                return 0;
            case V4l2.EnumerateFormat:
                var description = (V4l2FormatDescription*)argument;
                if (description->Index >= Formats.Length)
                    return -Errno.InvalidArgument;
                description->PixelFormat = Formats[description->Index];
                return 0;
            case V4l2.EnumerateFrameSizes:
                var size = (V4l2FrameSize*)argument;
                Assert.Equal(V4l2.Yuyv, size->PixelFormat);
                if (Stepwise is { } stepwise)
                {
                    if (size->Index > 0)
                        return -Errno.InvalidArgument;
                    *size = stepwise with { Index = size->Index, PixelFormat = size->PixelFormat };
                    return 0;
                }
                if (size->Index >= Sizes.Length)
                    return -Errno.InvalidArgument;
                size->Type = V4l2.DiscreteSize;
                (size->Width, size->Height) = Sizes[size->Index];
                return 0;
            case V4l2.SetFormat:
                var format = (V4l2Format*)argument;
                Format = (format->Width, format->Height);
                format->BytesPerLine = Stride;
                format->SizeImage = Stride * format->Height;
                return 0;
            case V4l2.RequestBuffers:
                var buffers = (V4l2RequestBuffers*)argument;
                Assert.Equal(V4l2.MemoryMapped, buffers->Memory);
                buffers->Count = Math.Min(buffers->Count, 3); // drivers may grant fewer than asked
                bufferLength = Stride * Format.Height;
                while (memory.Count < buffers->Count)
                    memory.Add((nint)NativeMemory.AllocZeroed(bufferLength));
                return 0;
            case V4l2.QueryBuffer:
                var buffer = (V4l2Buffer*)argument;
                buffer->Length = bufferLength;
                buffer->Offset = buffer->Index * 4096;
                return 0;
            case V4l2.QueueBuffer:
                queued.Enqueue(((V4l2Buffer*)argument)->Index);
                return 0;
            case V4l2.StreamOn:
                Streaming = true;
                return 0;
            case V4l2.StreamOff:
                Streaming = false;
                return 0;
            case V4l2.DequeueBuffer:
                if (FramesUntilUnplug-- <= 0)
                    return -Errno.NoSuchDevice;
                if (!Streaming || queued.Count == 0)
                    return -Errno.TryAgain;
                var filled = (V4l2Buffer*)argument;
                filled->Index = queued.Dequeue();
                Fill(filled->Index, nextFrame);
                filled->BytesUsed = BytesUsed ?? bufferLength;
                filled->Flags = nextFrame == ErrorFlaggedFrame ? V4l2.BufferError : 0;
                nextFrame++;
                return 0;
            default:
                throw new InvalidOperationException($"unexpected ioctl 0x{request:X8}");
        }
    }

    public int Map(int fd, uint length, uint offset, out nint address)
    {
        Assert.Equal(bufferLength, length);
        address = memory[(int)(offset / 4096)];
        LiveMappings++;
        return 0;
    }

    public void Unmap(nint address, uint length)
    {
        Assert.Contains(address, memory);
        LiveMappings--;
    }

    /// <summary>A camera that stays present but sends nothing: every wait times out.</summary>
    public bool Stalled { get; init; }

    public int WaitReadable(int fd, int timeoutMilliseconds)
    {
        if (Stalled)
        {
            Thread.Sleep(Math.Min(timeoutMilliseconds, 10));
            return 0;
        }
        return Streaming && queued.Count > 0 || FramesUntilUnplug <= 0 ? 1 : 0;
    }

    public void Close(int fd)
    {
        Assert.True(FdOpen);
        FdOpen = false;
    }

    private void Fill(uint index, byte frame)
    {
        var bytes = new Span<byte>((void*)memory[(int)index], (int)bufferLength);
        bytes.Fill(0xEE);
        for (int y = 0; y < Format.Height; y++)
            bytes.Slice((int)(y * Stride), (int)Format.Width * 2).Fill(frame);
    }

    public void Dispose()
    {
        foreach (var block in memory)
            NativeMemory.Free((void*)block);
        memory.Clear();
    }
}
