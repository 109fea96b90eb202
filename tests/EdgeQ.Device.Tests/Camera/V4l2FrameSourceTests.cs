using System.Runtime.CompilerServices;
using EdgeQ.Device.Camera;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>
/// <see cref="V4l2FrameSource"/>'s V4L2 calls against a simulated driver: negotiation, buffer cycling, the errors a
/// user sees, and that every mapping and descriptor is released. No camera exists on this machine; the kernel-facing
/// half (<see cref="LibcV4l2Calls"/>) runs in <see cref="CameraBinaryTests"/> up to its "no camera" error.
/// </summary>
public class V4l2FrameSourceTests
{
    private const string Path = "/dev/video0";

    // Frames until the handler cancels; returns the first byte of each delivered frame and its length.
    private static List<(byte First, int Length, bool Packed)> Capture(SimulatedV4l2Camera driver, int width, int height, int frames)
    {
        using var source = new V4l2FrameSource(Path, width, height, driver);
        Assert.Equal(new FrameFormat(width, height), source.Open());
        var seen = new List<(byte, int, bool)>();
        using var stop = new CancellationTokenSource();
        source.Stream(frame =>
        {
            seen.Add((frame[0], frame.Length, !frame.ContainsAnyExcept(frame[0])));
            if (seen.Count == frames)
                stop.Cancel();
        }, stop.Token);
        return seen;
    }

    [Fact]
    public void The_ABI_structs_have_the_kernel_sizes_for_64_bit_linux()
    {
        Assert.Equal(104, Unsafe.SizeOf<V4l2Capability>());
        Assert.Equal(64, Unsafe.SizeOf<V4l2FormatDescription>());
        Assert.Equal(208, Unsafe.SizeOf<V4l2Format>());
        Assert.Equal(20, Unsafe.SizeOf<V4l2RequestBuffers>());
        Assert.Equal(88, Unsafe.SizeOf<V4l2Buffer>());
        Assert.Equal(44, Unsafe.SizeOf<V4l2FrameSize>());
        // The size is encoded in the request number: bits 16..29.
        Assert.Equal(88u, V4l2.DequeueBuffer >> 16 & 0x3FFF);
        Assert.Equal(208u, V4l2.SetFormat >> 16 & 0x3FFF);
        Assert.Equal(44u, V4l2.EnumerateFrameSizes >> 16 & 0x3FFF);
    }

    [Fact]
    public void Frames_cycle_through_the_granted_buffers_and_everything_is_released_on_close()
    {
        using var driver = new SimulatedV4l2Camera { Sizes = [(640, 480), (8, 4)] };
        var frames = Capture(driver, 8, 4, frames: 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => ((byte)i, 8 * 4 * 2, true)), frames);
        Assert.Equal((8u, 4u), driver.Format);
        Assert.False(driver.FdOpen);
        Assert.False(driver.Streaming);
        Assert.Equal(0, driver.LiveMappings);
    }

    [Fact]
    public void Padded_rows_are_packed_and_a_stepwise_size_range_is_accepted()
    {
        using var driver = new SimulatedV4l2Camera
        {
            RowPadding = 16,
            Stepwise = new V4l2FrameSize { Type = 3, MinWidth = 2, MaxWidth = 64, StepWidth = 2, MinHeight = 1, MaxHeight = 48, StepHeight = 1 },
        };
        var frames = Capture(driver, 6, 3, frames: 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => ((byte)i, 6 * 3 * 2, true)), frames);
    }

    [Fact]
    public void A_frame_the_driver_flags_as_damaged_is_skipped()
    {
        using var driver = new SimulatedV4l2Camera { ErrorFlaggedFrame = 1 };
        Assert.Equal([0, 2, 3], Capture(driver, 8, 4, frames: 3).Select(f => (int)f.First));
    }

    private static SimulatedV4l2Camera Failing(uint request, int errno)
    {
        var driver = new SimulatedV4l2Camera();
        driver.Fail[request] = -errno;
        return driver;
    }

    // The message each unusable camera gets (request 0: opening the node).
    private static readonly (string Message, Func<SimulatedV4l2Camera> Driver)[] OpenFailures =
    [
        ("no camera at /dev/video0", () => Failing(0, Errno.NoSuchFile)),
        ("no permission to open /dev/video0 (add the user to the 'video' group)", () => Failing(0, Errno.PermissionDenied)),
        ("/dev/video0 is not a V4L2 device", () => Failing(V4l2.QueryCapability, Errno.NotATypewriter)),
        ("/dev/video0 is not a video capture device with memory-mapped streaming (try another /dev/videoN)",
            () => new() { Capabilities = V4l2.CapabilityVideoCapture }),
        ("camera /dev/video0 does not offer YUYV (it offers MJPG); MJPEG-only cameras are not supported yet",
            () => new() { Formats = ['M' | 'J' << 8 | 'P' << 16 | 'G' << 24] }),
        ("camera /dev/video0 does not capture YUYV at 8x4; --size one of: 640x480, 320x240",
            () => new() { Sizes = [(640, 480), (320, 240)] }),
        ("camera /dev/video0 does not capture YUYV at 8x4; --size one of: 16x16..64x48",
            () => new() { Stepwise = new V4l2FrameSize { Type = 2, MinWidth = 16, MaxWidth = 64, MinHeight = 16, MaxHeight = 48 } }),
        ("camera /dev/video0 is busy (another program is capturing from it)", () => Failing(V4l2.RequestBuffers, Errno.Busy)),
        ("camera /dev/video0 is busy (another program is capturing from it)", () => Failing(V4l2.SetFormat, Errno.Busy)),
    ];

    public static TheoryData<int> OpenFailureCases => new(Enumerable.Range(0, OpenFailures.Length));

    [Theory]
    [MemberData(nameof(OpenFailureCases))]
    public void Open_refuses_unusable_cameras_with_one_line_and_releases_the_device(int failure)
    {
        var (message, create) = OpenFailures[failure];
        using var driver = create();
        using var source = new V4l2FrameSource(Path, 8, 4, driver);
        var error = Assert.Throws<CameraUnavailableException>(() => source.Open());
        Assert.Equal(message, error.Message);
        Assert.False(driver.FdOpen);
        Assert.Equal(0, driver.LiveMappings);
    }

    [Fact]
    public void An_unplugged_camera_ends_the_stream_with_an_IOException_and_can_be_reopened()
    {
        using var driver = new SimulatedV4l2Camera { FramesUntilUnplug = 3 };
        using var source = new V4l2FrameSource(Path, 8, 4, driver);
        source.Open();
        int frames = 0;
        var error = Assert.Throws<IOException>(() => source.Stream(_ => frames++, CancellationToken.None));
        Assert.Equal("the camera disappeared", error.Message);
        Assert.Equal(3, frames);
        source.Close();
        Assert.False(driver.FdOpen);
        Assert.Equal(0, driver.LiveMappings);
        source.Open();
        Assert.Equal(2, driver.Opens);
    }

    [Fact]
    public void A_short_frame_ends_the_stream_with_an_IOException()
    {
        using var driver = new SimulatedV4l2Camera { BytesUsed = 40 };
        using var source = new V4l2FrameSource(Path, 8, 4, driver);
        source.Open();
        var error = Assert.Throws<IOException>(() => source.Stream(_ => { }, CancellationToken.None));
        Assert.Equal("the camera sent a 40-byte frame, expected 64 for 8x4 YUYV", error.Message);
    }

    [Fact]
    public void Streaming_stops_when_cancelled_while_the_camera_sends_nothing()
    {
        using var driver = new SimulatedV4l2Camera { Stalled = true };
        using var source = new V4l2FrameSource(Path, 8, 4, driver);
        source.Open();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        int frames = 0;
        source.Stream(_ => frames++, stop.Token);
        Assert.Equal(0, frames);
    }
}
