namespace EdgeQ.Device.Camera;

/// <summary>
/// The single-slot handoff from the capture thread to the inference loop (triple buffering): the capture thread
/// copies into its own buffer and swaps it into the slot; a frame still in the slot when the next arrives is replaced
/// and counted as dropped. Memory stays at three frames however slow inference is.
/// </summary>
public sealed class LatestFrameSlot
{
    private readonly object gate = new();
    private CapturedFrame back = new(), pending = new(), front = new();
    private bool hasPending;
    private long dropped, published;

    public long Dropped { get { lock (gate) return dropped; } }

    public long Published { get { lock (gate) return published; } }

    /// <summary>Capture thread: offers a frame, replacing (dropping) one the loop has not taken yet.</summary>
    public void Publish(FrameFormat format, ReadOnlySpan<byte> frame, TimeSpan capturedAt)
    {
        back.Fill(format, frame, capturedAt);
        lock (gate)
        {
            (back, pending) = (pending, back);
            if (hasPending)
                dropped++;
            hasPending = true;
            published++;
            Monitor.Pulse(gate);
        }
    }

    /// <summary>
    /// Inference loop: the newest frame, waiting up to <paramref name="timeout"/>; null on timeout or cancellation. The
    /// frame stays valid until the next call.
    /// </summary>
    public CapturedFrame? Take(TimeSpan timeout, CancellationToken cancellation)
    {
        using var wake = cancellation.Register(() => { lock (gate) Monitor.PulseAll(gate); });
        lock (gate)
        {
            if (!hasPending && !cancellation.IsCancellationRequested)
                Monitor.Wait(gate, timeout);
            if (!hasPending || cancellation.IsCancellationRequested)
                return null;
            (front, pending) = (pending, front);
            hasPending = false;
            return front;
        }
    }
}

/// <summary>A frame buffer reused across frames; grows only when the format does.</summary>
public sealed class CapturedFrame
{
    private byte[] data = [];

    public FrameFormat Format { get; private set; } = new(0, 0);

    public TimeSpan CapturedAt { get; private set; }

    public ReadOnlySpan<byte> Data => data.AsSpan(0, Format.ByteCount);

    internal void Fill(FrameFormat format, ReadOnlySpan<byte> frame, TimeSpan capturedAt)
    {
        if (data.Length < frame.Length)
            data = new byte[frame.Length];
        frame.CopyTo(data);
        Format = format;
        CapturedAt = capturedAt;
    }
}
