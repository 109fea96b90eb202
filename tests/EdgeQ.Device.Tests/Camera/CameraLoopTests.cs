using EdgeQ.Device.Camera;
using EdgeQ.Device.Imaging;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>The loop with a synthetic camera, the real conversion, a brightness stand-in for the executor and a simulated pin.</summary>
public class CameraLoopTests
{
    private const int Pin = 17;
    private const byte Bright = 235, Dark = 16;
    private static readonly FrameFormat Format = new(32, 24);
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private sealed class Rig
    {
        public readonly ManualClock Clock = new();
        public readonly SimulatedGpio Gpio;
        public readonly IGpioOutput Output;
        public readonly ScriptedFrameSource Source;
        public readonly StringWriter Log = new();
        public readonly List<FrameResult> Results = [];
        public readonly CameraLoop Loop;

        public Rig(IReadOnlyList<SourceStep> script, Backoff? backoff = null, bool lockstep = true, IClassifier? classifier = null)
        {
            Gpio = new SimulatedGpio(Clock, Pin);
            Output = Gpio.Open(Pin, 0);
            Source = new ScriptedFrameSource(Clock, Format, script, lockstep);
            var model = CameraModels.Classifier();
            var rule = GpioRule.Parse("target>=0.6").Bind(["background", "target", "other"], 3);
            Loop = new CameraLoop(Source, classifier ?? new BrightnessClassifier(signed: true), ModelInput.From(model),
                ["background", "target", "other"], Clock, TextWriter.Synchronized(Log), backoff ?? Backoff.Camera, rule, Output, Hold)
            { FrameWait = lockstep ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(5) };
        }

        /// <summary>Runs the loop until the script has played (or <paramref name="until"/> holds), then cancels it.</summary>
        public void RunToEnd(Func<bool>? until = null)
        {
            using var cancel = new CancellationTokenSource();
            var run = Task.Run(() => Loop.Run(Source.Open(), result =>
            {
                lock (Results) Results.Add(result);
                Source.Consumed.Release();
            }, cancel.Token));
            if (until is null)
                Assert.True(Source.Finished.Wait(Generous), $"the script did not finish {run.Exception}");
            else
                Assert.True(SpinWait.SpinUntil(until, Generous), "the expected state was not reached");
            cancel.Cancel();
            Assert.True(run.Wait(Generous), "the loop did not stop when cancelled");
        }

        public (double AtMs, bool High)[] PinWrites() => [.. Gpio.Writes.Select(w => (w.At.TotalMilliseconds, w.High))];
    }

    private static FrameStep At(int ms, byte luma) => new(TimeSpan.FromMilliseconds(ms), luma);

    [Fact]
    public void Target_appearing_and_disappearing_toggles_the_pin_as_rule_and_hold_time_say()
    {
        byte[] scene = [Dark, Dark, Bright, Bright, Dark, Dark, Dark, Bright, Dark, Dark, Dark, Dark];
        var rig = new Rig([.. scene.Select((luma, i) => At(100 * i, luma))]);
        rig.RunToEnd();

        // High on the first target frame; low once 250 ms passed since the last one (300 ms after 300, 700).
        Assert.Equal([(0, false), (200, true), (600, false), (700, true), (1000, false)], rig.PinWrites());
        Assert.Equal(scene.Length, rig.Results.Count);
        Assert.Equal(scene.Select(luma => luma == Bright ? "target" : "background"), rig.Results.Select(r => r.Label));
        Assert.Equal([false, false, true, true, true, true, false, true, true, true, false, false], rig.Results.Select(r => r.PinHigh!.Value));
        Assert.All(rig.Results, r => Assert.Equal(0, r.Dropped));
    }

    [Fact]
    public void A_source_failing_mid_stream_is_reopened_with_growing_bounded_back_off()
    {
        var rig = new Rig([At(0, Bright), new StreamFailure("USB device reset"), At(5000, Dark), At(5100, Bright)],
            new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500)));
        rig.Source.OpenFailures = 4;
        rig.RunToEnd();

        Assert.Equal([100, 200, 400, 500, 500], rig.Clock.Sleeps.Select(s => s.TotalMilliseconds));
        Assert.Equal(6, rig.Source.Opens);
        Assert.Equal(["target", "background", "target"], rig.Results.Select(r => r.Label));
        string log = rig.Log.ToString();
        Assert.Contains("camera synthetic: USB device reset; reopening in 0.1 s (attempt 1)", log);
        Assert.Contains("is busy (another program is capturing from it); reopening in 0.5 s (attempt 5)", log);
        Assert.Contains("camera synthetic: reopened (32x24 YUYV)", log);
    }

    [Fact]
    public void Back_off_doubles_up_to_its_cap()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        Assert.Equal([0.5, 1, 2, 4, 8, 16, 30, 30], Enumerable.Range(0, 8).Select(a => backoff.Delay(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), backoff.Delay(int.MaxValue));
    }

    [Fact]
    public void Cancelling_sets_the_pin_low_and_closes_the_camera()
    {
        var rig = new Rig([At(0, Bright), At(100, Bright)]);
        rig.RunToEnd();

        Assert.Equal([(0, true), (100, false)], rig.PinWrites());
        Assert.False(rig.Source.IsOpen);
        Assert.Equal(1, rig.Source.Closes);
    }

    [Fact]
    public async Task A_capture_stuck_in_the_driver_does_not_keep_the_pin_high_on_stop()
    {
        var clock = new ManualClock();
        var gpio = new SimulatedGpio(clock, Pin);
        var stuck = new StuckSource();
        var loop = new CameraLoop(stuck, new BrightnessClassifier(signed: true), ModelInput.From(CameraModels.Classifier()),
            ["background", "target", "other"], clock, TextWriter.Null, Backoff.Camera,
            GpioRule.Parse("target>0.5").Bind(["background", "target", "other"], 3), gpio.Open(Pin, 0), Hold)
        { CaptureStopTimeout = TimeSpan.FromMilliseconds(100) };
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(() => loop.Run(stuck.Open(), _ => cancel.Cancel(), cancel.Token));

        Assert.True(await Task.WhenAny(run, Task.Delay(Generous)) == run, "the loop did not stop while its capture thread was stuck");
        Assert.Equal([true, false], gpio.Writes.Select(w => w.High));
        stuck.Release.Set();
    }

    /// <summary>Delivers one bright frame, then blocks ignoring cancellation, like a dequeue on a stalled camera.</summary>
    private sealed class StuckSource : IFrameSource
    {
        public ManualResetEventSlim Release { get; } = new();
        public string Name => "stuck";
        public FrameFormat Open() => Format;
        public void Stream(FrameHandler onFrame, CancellationToken cancellation)
        {
            var frame = new byte[Format.ByteCount];
            ScriptedFrameSource.Fill(frame, Bright);
            onFrame(frame);
            Release.Wait();
        }
        public void Close() { }
        public void Dispose() { }
    }

    [Fact]
    public void The_hold_runs_out_while_the_camera_is_away()
    {
        var rig = new Rig([At(0, Bright), new StreamFailure("camera disappeared")],
            new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)), lockstep: false);
        rig.Source.OpenFailures = int.MaxValue;
        rig.RunToEnd(until: () => rig.Gpio.Writes.Count >= 2);

        var writes = rig.PinWrites();
        Assert.Equal([true, false], writes.Take(2).Select(w => w.High));
        Assert.True(writes[1].AtMs >= Hold.TotalMilliseconds, $"went low at {writes[1].AtMs} ms, before the hold time");
    }

    [Fact]
    public void Frames_arriving_faster_than_inference_are_dropped_not_queued()
    {
        var frames = Enumerable.Range(0, 200).Select(i => At(i, i % 2 == 0 ? Bright : Dark)).ToArray();
        var rig = new Rig(frames, lockstep: false, classifier: new SlowClassifier(TimeSpan.FromMilliseconds(20)));
        rig.RunToEnd();

        long dropped = rig.Loop.Dropped;
        Assert.True(dropped > 0, "a 20 ms classifier kept up with 200 instant frames");
        Assert.True(rig.Results.Count + dropped <= frames.Length && rig.Results.Count + dropped >= frames.Length - 1,
            $"{rig.Results.Count} processed + {dropped} dropped should account for {frames.Length} frames (one may still be in the slot)");
        Assert.Equal(rig.Results.Select(r => r.Dropped).Order(), rig.Results.Select(r => r.Dropped));
    }

    private sealed class SlowClassifier(TimeSpan delay) : IClassifier
    {
        public int ClassCount => 3;

        public void Classify(ReadOnlySpan<byte> input, Span<float> scores)
        {
            Thread.Sleep(delay);
            scores.Clear();
        }

        public void Dispose() { }
    }
}

public class LatestFrameSlotTests
{
    private static readonly FrameFormat Format = new(2, 1);

    [Fact]
    public void Keeps_only_the_newest_frame_and_counts_the_rest_as_dropped()
    {
        var slot = new LatestFrameSlot();
        for (byte i = 1; i <= 5; i++)
            slot.Publish(Format, [i, 0, 0, 0], TimeSpan.FromMilliseconds(i));

        var frame = slot.Take(TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(frame);
        Assert.Equal([5, 0, 0, 0], frame.Data.ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(5), frame.CapturedAt);
        Assert.Equal(4, slot.Dropped);
        Assert.Equal(5, slot.Published);
        Assert.Null(slot.Take(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void A_taken_frame_stays_intact_while_the_capture_thread_publishes_more()
    {
        var slot = new LatestFrameSlot();
        slot.Publish(Format, [1, 1, 1, 1], TimeSpan.Zero);
        var taken = slot.Take(TimeSpan.Zero, CancellationToken.None)!;
        for (byte i = 2; i < 10; i++)
            slot.Publish(Format, [i, i, i, i], TimeSpan.Zero);
        Assert.Equal([1, 1, 1, 1], taken.Data.ToArray());
        Assert.Equal([9, 9, 9, 9], slot.Take(TimeSpan.Zero, CancellationToken.None)!.Data.ToArray());
    }

    [Fact]
    public void Take_returns_null_when_cancelled_while_waiting()
    {
        var slot = new LatestFrameSlot();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.Null(slot.Take(Timeout.InfiniteTimeSpan, cancel.Token));
    }
}

public class HeldPinTests
{
    [Fact]
    public void Zero_hold_follows_the_rule_frame_by_frame()
    {
        var pin = new HeldPin(TimeSpan.Zero);
        Assert.Equal([true, false, true], new[] { true, false, true }.Select((holds, i) => pin.Update(holds, TimeSpan.FromMilliseconds(i))));
    }

    [Fact]
    public void A_flicker_shorter_than_the_hold_keeps_the_pin_high()
    {
        var pin = new HeldPin(TimeSpan.FromMilliseconds(100));
        Assert.True(pin.Update(true, TimeSpan.FromMilliseconds(0)));
        Assert.True(pin.Update(false, TimeSpan.FromMilliseconds(99)));
        Assert.True(pin.Update(true, TimeSpan.FromMilliseconds(150)));
        Assert.True(pin.Expire(TimeSpan.FromMilliseconds(249)));
        Assert.False(pin.Expire(TimeSpan.FromMilliseconds(250)));
    }
}
