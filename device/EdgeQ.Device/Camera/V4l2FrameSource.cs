using System.Buffers;
using Iot.Device.Media;

namespace EdgeQ.Device.Camera;

/// <summary>
/// A V4L2 camera through Iot.Device.Bindings' <see cref="VideoDevice"/>, capturing YUYV at a size the camera offers.
/// The binding ignores ioctl errors, so this source checks what it cannot: busy or unsuitable devices before opening
/// (<see cref="V4l2Device"/>), the device node disappearing (an unplugged USB camera) and short frames while streaming.
/// </summary>
public sealed class V4l2FrameSource(string devicePath, int width, int height) : IFrameSource
{
    private const string VideoNodePrefix = "/dev/video";
    private readonly FrameFormat format = new(width, height);
    private VideoDevice? device;

    public string Name => devicePath;

    public FrameFormat Open()
    {
        Close();
        int busId = BusIdOf(devicePath);
        V4l2Device.EnsureCapturable(VideoNodePrefix + busId);
        var opened = VideoDevice.Create(new VideoConnectionSettings(busId, ((uint)width, (uint)height), VideoPixelFormat.YUYV));
        try
        {
            RequireYuyvSize(opened);
            opened.ImageBufferPoolingEnabled = true;
            opened.StartCaptureContinuous();
        }
        catch
        {
            opened.Dispose();
            throw;
        }
        device = opened;
        return format;
    }

    public void Stream(FrameHandler onFrame, CancellationToken cancellation)
    {
        var streaming = device ?? throw new InvalidOperationException("the camera is not open");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        string? failure = null;
        int frameBytes = format.ByteCount;
        void OnBuffer(object sender, NewImageBufferReadyEventArgs e)
        {
            try
            {
                // An unplugged camera makes the binding's dequeue fail silently and hand out stale buffers.
                if (!File.Exists(devicePath))
                    failure = "the camera disappeared";
                else if (e.Length < frameBytes)
                    failure = $"the camera sent a {e.Length}-byte frame, expected {frameBytes} for {format}";
                else
                    onFrame(e.ImageBuffer.AsSpan(0, frameBytes));
                if (failure is not null)
                    stop.Cancel();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(e.ImageBuffer);
            }
        }
        streaming.NewImageBufferReady += OnBuffer;
        try
        {
            streaming.CaptureContinuous(stop.Token);
        }
        finally
        {
            streaming.NewImageBufferReady -= OnBuffer;
        }
        if (failure is not null)
            throw new IOException(failure);
    }

    public void Close()
    {
        if (device is null)
            return;
        device.StopCaptureContinuous();
        device.Dispose();
        device = null;
    }

    public void Dispose() => Close();

    // The binding opens "/dev/video" + bus id, so stable names (/dev/v4l/by-id/...) are resolved to that form.
    private static int BusIdOf(string path)
    {
        if (!File.Exists(path))
            throw new CameraUnavailableException($"no camera at {path}");
        string node = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        string number = node.StartsWith(VideoNodePrefix, StringComparison.Ordinal) ? node[VideoNodePrefix.Length..] : "";
        if (number.Length == 0 || !number.All(char.IsAsciiDigit))
            throw new CameraUnavailableException($"{path} is not a /dev/videoN camera node");
        return int.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
    }

    private void RequireYuyvSize(VideoDevice opened)
    {
        var formats = opened.GetSupportedPixelFormats().ToList();
        if (!formats.Contains(VideoPixelFormat.YUYV))
            throw new CameraUnavailableException(
                $"camera {devicePath} does not offer YUYV (it offers {string.Join(", ", formats.Select(FourCc))}); MJPEG-only cameras are not supported yet");
        var sizes = opened.GetPixelFormatResolutions(VideoPixelFormat.YUYV).ToList();
        if (!sizes.Any(Fits))
            throw new CameraUnavailableException(
                $"camera {devicePath} does not capture YUYV at {width}x{height}; --size one of: {string.Join(", ", sizes.Select(Describe))}");
    }

    private bool Fits(Resolution r) =>
        width >= r.MinWidth && width <= r.MaxWidth && height >= r.MinHeight && height <= r.MaxHeight
        && (r.StepWidth == 0 || (width - r.MinWidth) % r.StepWidth == 0)
        && (r.StepHeight == 0 || (height - r.MinHeight) % r.StepHeight == 0);

    private static string Describe(Resolution r) =>
        r.Type == ResolutionType.Discrete ? $"{r.MinWidth}x{r.MinHeight}" : $"{r.MinWidth}x{r.MinHeight}..{r.MaxWidth}x{r.MaxHeight}";

    // A V4L2 pixel format is a FourCC: four ASCII bytes, little-endian.
    private static string FourCc(VideoPixelFormat format) =>
        string.Concat(BitConverter.GetBytes((uint)format).Select(b => (char)b)).TrimEnd();
}
