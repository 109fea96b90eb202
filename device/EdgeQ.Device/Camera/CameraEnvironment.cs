using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Camera;

/// <summary>The hardware and time the camera command uses; tests substitute synthetic frames, a simulated pin and a manual clock.</summary>
public sealed record CameraEnvironment(
    Func<string, int, int, IFrameSource> CreateCamera,
    Func<int, int, IGpioOutput> OpenPin,
    Func<EqmModel, int, IClassifier> CreateClassifier,
    Func<Action, IDisposable> OnStopSignal,
    IClock Clock,
    TextWriter Log)
{
    /// <summary>The board: V4L2 camera, System.Device.Gpio pin, SIGINT/SIGTERM, the int8 runtime.</summary>
    public static CameraEnvironment Device => new(
        (path, width, height) => new V4l2FrameSource(path, width, height),
        GpioPinOutput.Open,
        (model, threads) => new InferenceClassifier(InferenceModel.Load(model, new InferenceOptions(threads))),
        StopSignals.Register,
        new SystemClock(),
        StandardStreams.Error);
}
