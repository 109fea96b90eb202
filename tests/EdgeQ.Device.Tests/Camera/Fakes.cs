using EdgeQ.Device.Camera;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>Time that moves only when a test (or a sleep) moves it; sleeps are recorded for the back-off assertions.</summary>
public sealed class ManualClock : IClock
{
    private readonly object gate = new();
    private TimeSpan now;

    public List<TimeSpan> Sleeps { get; } = [];

    public TimeSpan Now { get { lock (gate) return now; } set { lock (gate) now = value; } }

    public void Sleep(TimeSpan duration, CancellationToken cancellation)
    {
        lock (gate)
        {
            Sleeps.Add(duration);
            now += duration;
        }
        // Time jumps, but a retry loop still yields the CPU to the thread under test.
        Thread.Sleep(1);
    }
}

/// <summary>A simulated GPIO controller: a fixed set of pins, each recording every write with the clock's time.</summary>
public sealed class SimulatedGpio(IClock clock, params int[] pins)
{
    public List<(int Pin, TimeSpan At, bool High)> Writes { get; } = [];

    public List<int> Disposed { get; } = [];

    public IClock Clock => clock;

    public IGpioOutput Open(int pin, int chip) => pins.Contains(pin) && chip == 0
        ? new Pin(this, pin)
        : throw new GpioUnavailableException($"cannot open GPIO {pin} as an output: the simulated controller has pins {string.Join(", ", pins)}");

    public bool LevelOf(int pin) => Writes.LastOrDefault(w => w.Pin == pin).High;

    private sealed class Pin(SimulatedGpio gpio, int pin) : IGpioOutput
    {
        public string Name => $"simulated GPIO {pin}";

        public void Write(bool high)
        {
            lock (gpio.Writes)
                gpio.Writes.Add((pin, gpio.Clock.Now, high));
        }

        public void Dispose()
        {
            Write(false);
            gpio.Disposed.Add(pin);
        }
    }
}

/// <summary>One step of a scripted camera: a frame at a time, or a failure while streaming.</summary>
public abstract record SourceStep;
public sealed record FrameStep(TimeSpan At, byte Luma) : SourceStep;
public sealed record StreamFailure(string Message) : SourceStep;

/// <summary>
/// A synthetic camera playing a script of flat grey YUYV frames and failures. In lockstep it waits until the test
/// has seen the previous frame's result (<see cref="Consumed"/>), so no frame is dropped and results are deterministic.
/// <see cref="OpenFailures"/> makes that many opens after a failure throw "busy".
/// </summary>
public sealed class ScriptedFrameSource(ManualClock clock, FrameFormat format, IReadOnlyList<SourceStep> script, bool lockstep = true) : IFrameSource
{
    private int next;

    public SemaphoreSlim Consumed { get; } = new(0);

    public int OpenFailures { get; set; }

    public int Opens { get; private set; }

    public int Closes { get; private set; }

    public bool IsOpen { get; private set; }

    /// <summary>Set once every step has been played.</summary>
    public ManualResetEventSlim Finished { get; } = new();

    public string Name => "synthetic";

    public FrameFormat Open()
    {
        Opens++;
        if (Opens > 1 && OpenFailures-- > 0)
            throw new CameraUnavailableException("camera synthetic is busy (another program is capturing from it)");
        IsOpen = true;
        return format;
    }

    public void Stream(FrameHandler onFrame, CancellationToken cancellation)
    {
        var frame = new byte[format.ByteCount];
        while (next < script.Count && !cancellation.IsCancellationRequested)
        {
            var step = script[next++];
            if (step is StreamFailure failure)
                throw new IOException(failure.Message);
            var (at, luma) = (FrameStep)step;
            clock.Now = at;
            Fill(frame, luma);
            onFrame(frame);
            if (lockstep)
                Consumed.Wait(cancellation);
        }
        Finished.Set();
        cancellation.WaitHandle.WaitOne();
    }

    public void Close()
    {
        if (IsOpen)
            Closes++;
        IsOpen = false;
    }

    public void Dispose() => Close();

    /// <summary>A flat grey frame: Y = luma, no colour.</summary>
    public static void Fill(Span<byte> yuyv, byte luma)
    {
        for (int i = 0; i < yuyv.Length; i += 2)
        {
            yuyv[i] = luma;
            yuyv[i + 1] = 128;
        }
    }
}

/// <summary>
/// Stands in for the executor on a background/target/other model: "target" (class 1) scores the mean of the quantized input mapped to 0..1, so a bright frame
/// scores high and a dark one low; the scores go through the real conversion path.
/// </summary>
public sealed class BrightnessClassifier(bool signed) : IClassifier
{
    public int ClassCount => 3;

    public int Calls { get; private set; }

    /// <summary>Called after each frame, e.g. to let a lockstep source send the next one.</summary>
    public Action? AfterClassify { get; init; }

    public void Classify(ReadOnlySpan<byte> input, Span<float> scores)
    {
        Calls++;
        double sum = 0;
        foreach (byte b in input)
            sum += signed ? (sbyte)b + 128 : b;
        float target = (float)(sum / input.Length / 255);
        scores[0] = 1 - target;
        scores[1] = target;
        scores[2] = 0;
        AfterClassify?.Invoke();
    }

    public void Dispose() { }
}
