namespace EdgeQ.Device.Camera;

/// <summary>The frames a source delivers: packed YUYV, <c>Width * Height * 2</c> bytes, no row padding.</summary>
public sealed record FrameFormat(int Width, int Height)
{
    public int ByteCount => Width * Height * 2;

    public override string ToString() => $"{Width}x{Height} YUYV";
}

/// <summary>Receives each frame on the capture thread; the span is valid only during the call.</summary>
public delegate void FrameHandler(ReadOnlySpan<byte> frame);

/// <summary>
/// A camera. Frames are pushed (the V4L2 source delivers them from its own dequeue loop); the loop
/// calls <see cref="Open"/>, then <see cref="Stream"/> on its capture thread, and <see cref="Close"/> after a failure or at
/// the end, possibly opening again.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>For messages, e.g. <c>/dev/video0</c>.</summary>
    string Name { get; }

    /// <summary>Starts streaming. Throws <see cref="CameraUnavailableException"/> (missing, busy, no such size) or <see cref="IOException"/>.</summary>
    FrameFormat Open();

    /// <summary>Delivers frames until <paramref name="cancellation"/> fires (then returns); throws <see cref="IOException"/> when the camera fails.</summary>
    void Stream(FrameHandler onFrame, CancellationToken cancellation);

    /// <summary>Stops streaming and releases the device; safe to call when not open.</summary>
    void Close();
}

/// <summary>A camera that cannot be used right now (missing, busy, no permission, unsupported size): one line for the user.</summary>
public sealed class CameraUnavailableException(string message) : IOException(message);
