using EdgeQ.Device.Imaging;

namespace EdgeQ.Device.Camera;

/// <summary>What one processed frame produced: one output line.</summary>
public sealed record FrameResult(long Frame, int ClassIndex, string Label, float Score, double InferenceMs, long Dropped, bool? PinHigh);

/// <summary>
/// The camera loop (docs/camera.md): a capture thread moves frames from the source into a <see cref="LatestFrameSlot"/>,
/// reopening a failed camera with exponential back-off; the calling thread takes the newest frame, converts it into the
/// model's input buffer, classifies it, applies the GPIO rule with its hold time and reports the result. When
/// cancelled it stops capture, closes the camera and sets the pin low.
/// </summary>
public sealed class CameraLoop(
    IFrameSource source,
    IClassifier classifier,
    ModelInput input,
    IReadOnlyList<string> labels,
    IClock clock,
    TextWriter log,
    Backoff backoff,
    BoundGpioRule? rule = null,
    IGpioOutput? pin = null,
    TimeSpan hold = default,
    int maxFramesPerSecond = 0)
{
    private readonly LatestFrameSlot slot = new();
    private readonly HeldPin heldPin = new(hold);
    private bool pinLevel, pinWritten;
    private Exception? captureFailure;

    /// <summary>
    /// How long stopping waits for the capture thread, which sees the cancellation within one frame wait of the source
    /// (100 ms for V4L2).
    /// </summary>
    public TimeSpan CaptureStopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the loop waits for a frame before letting the hold time run out without one.</summary>
    public TimeSpan FrameWait { get; init; } = TimeSpan.FromMilliseconds(100);

    public long Dropped => slot.Dropped;

    /// <summary>Runs until cancelled, calling <paramref name="report"/> once per processed frame. <paramref name="format"/> is what the already opened source returned.</summary>
    public void Run(FrameFormat format, Action<FrameResult> report, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var capture = new Thread(() => CaptureUntilStopped(format, stop)) { Name = "camera capture", IsBackground = true };
        capture.Start();
        try
        {
            Infer(report, stop.Token);
        }
        finally
        {
            stop.Cancel();
            // The safe state first: a capture thread stuck in the driver must not keep the pin high.
            SetPin(false);
            if (!capture.Join(CaptureStopTimeout))
                log.WriteLine($"camera {source.Name}: capture did not stop within {CaptureStopTimeout.TotalSeconds:0} s; closing the camera anyway");
            source.Close();
        }
        if (captureFailure is not null)
            throw new InvalidOperationException($"camera capture failed: {captureFailure.Message}", captureFailure);
    }

    private void Infer(Action<FrameResult> report, CancellationToken cancellation)
    {
        var inputBuffer = new byte[input.ByteCount];
        var scores = new float[classifier.ClassCount];
        FrameToInput? converter = null;
        long frames = 0;
        while (!cancellation.IsCancellationRequested)
        {
            var frame = slot.Take(FrameWait, cancellation);
            if (frame is null)
            {
                SetPin(heldPin.Expire(clock.Now));
                continue;
            }
            if (converter is null || converter.FrameBytes != frame.Format.ByteCount)
                converter = FrameToInput.Create(frame.Format.Width, frame.Format.Height, input);
            converter.Convert(frame.Data, inputBuffer);
            var started = clock.Now;
            classifier.Classify(inputBuffer, scores);
            var finished = clock.Now;
            int best = ArgMax(scores);
            // The verdict is about the scene when it was captured, so the hold time runs in capture time.
            bool? level = rule is null ? null : SetPin(heldPin.Update(rule.Holds(scores), frame.CapturedAt));
            report(new FrameResult(++frames, best, best < labels.Count ? labels[best] : best.ToString(), scores[best],
                (finished - started).TotalMilliseconds, slot.Dropped, level));
        }
    }

    // Anything but an I/O failure is a bug: it stops the loop (pin low, camera closed) rather than the process.
    private void CaptureUntilStopped(FrameFormat format, CancellationTokenSource stop)
    {
        try
        {
            Capture(format, stop.Token);
        }
        catch (Exception e)
        {
            captureFailure = e;
            stop.Cancel();
        }
    }

    private void Capture(FrameFormat format, CancellationToken cancellation)
    {
        int failures = 0;
        var minInterval = maxFramesPerSecond > 0 ? TimeSpan.FromSeconds(1.0 / maxFramesPerSecond) : TimeSpan.Zero;
        TimeSpan? lastPublished = null;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                if (failures > 0)
                {
                    format = source.Open();
                    log.WriteLine($"camera {source.Name}: reopened ({format})");
                }
                source.Stream(frame =>
                {
                    failures = 0;
                    var now = clock.Now;
                    // --fps caps the rate frames enter the loop (the binding cannot set the camera's frame interval).
                    if (now - lastPublished < minInterval)
                        return;
                    lastPublished = now;
                    slot.Publish(format, frame, now);
                }, cancellation);
            }
            catch (IOException e) when (!cancellation.IsCancellationRequested)
            {
                source.Close();
                var delay = backoff.Delay(failures++);
                log.WriteLine($"camera {source.Name}: {e.Message}; reopening in {delay.TotalSeconds:0.0} s (attempt {failures})");
                clock.Sleep(delay, cancellation);
            }
        }
    }

    private bool SetPin(bool high)
    {
        if (pin is not null && (high != pinLevel || !pinWritten))
        {
            pin.Write(high);
            pinLevel = high;
            pinWritten = true;
        }
        return high;
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best])
                best = i;
        return best;
    }
}
