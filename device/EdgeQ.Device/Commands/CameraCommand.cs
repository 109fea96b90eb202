using System.Globalization;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Device.Camera;
using EdgeQ.Device.Imaging;
using EdgeQ.Format;

namespace EdgeQ.Device.Commands;

/// <summary><c>edgeq-run camera MODEL.eqm</c>: classify camera frames and drive a GPIO pin from a rule (docs/camera.md).</summary>
public static class CameraCommand
{
    private const string DefaultDevice = "/dev/video0", DefaultSize = "640x480";
    private const int DefaultHoldMs = 500;

    public static readonly CommandSpec Spec = new(
        "camera",
        "Classify camera frames continuously and drive a GPIO pin when a rule holds",
        [
            new OptionSpec("--device", $"V4L2 camera (default {DefaultDevice})", "PATH"),
            new OptionSpec("--size", $"Capture size, YUYV (default {DefaultSize})", "WxH"),
            new OptionSpec("--fps", "At most N frames per second into the loop (default: the camera's rate)", "N"),
            new OptionSpec("--gpio", "Output pin to drive (the controller's numbering, e.g. BCM on a Pi); needs --on", "PIN"),
            new OptionSpec("--on", "When the pin goes high: LABEL>=0.6 (also >, <=, <; LABEL a label or class index)", "RULE"),
            new OptionSpec("--gpio-chip", "The /dev/gpiochipN the pin belongs to (default 0; 4 for the header on older Pi 5 kernels)", "N"),
            new OptionSpec("--hold-ms", $"Keep the pin high until the rule has not held for this long (default {DefaultHoldMs})", "N"),
            new OptionSpec("--threads", "Inference threads (default: all cores)", "N"),
            new OptionSpec("--json-lines", "One JSON object per frame instead of text"),
        ],
        [new ArgumentSpec("MODEL", "The .eqm model to run")],
        (parsed, output) => Run(parsed, output, CameraEnvironment.Device));

    public static int Run(ParsedCommand parsed, TextWriter output, CameraEnvironment environment)
    {
        var (width, height) = ParseSize(parsed.Value("--size") ?? DefaultSize);
        int fps = parsed.IntValue("--fps", 0, 1, 1000);
        int holdMs = parsed.IntValue("--hold-ms", DefaultHoldMs, 0, 3_600_000);
        int threads = parsed.IntValue("--threads", Environment.ProcessorCount, 1, 256);
        int chip = parsed.IntValue("--gpio-chip", 0, 0, 255);
        int? pinNumber = parsed.Has("--gpio") ? parsed.IntValue("--gpio", 0, 0, 100_000) : null;
        var rule = parsed.Value("--on") is { } ruleText ? GpioRule.Parse(ruleText) : null;
        if ((pinNumber is null) != (rule is null))
            throw new UsageException("--gpio and --on go together: the pin to drive and the rule that drives it");
        if (parsed.Has("--gpio-chip") && pinNumber is null)
            throw new UsageException("--gpio-chip needs --gpio");

        using var file = OpenModel(parsed.Arguments[0]);
        var model = file.Model;
        var input = Checked(() => ModelInput.From(model));
        var output0 = model.Outputs[0];
        IReadOnlyList<string> labels = output0.Labels;
        int classCount = model.Tensors[output0.Tensor].Shape[^1];
        var boundRule = rule?.Bind(labels, classCount);
        // A --size that cannot cover the model's input is refused before any hardware is touched.
        Checked(() => FrameToInput.Create(width, height, input));

        using var pin = pinNumber is null ? null : Checked(() => environment.OpenPin(pinNumber.Value, chip));
        using var camera = environment.CreateCamera(parsed.Value("--device") ?? DefaultDevice, width, height);
        var format = Checked(camera.Open);
        using var classifier = environment.CreateClassifier(model, threads);

        using var stop = new CancellationTokenSource();
        using var signals = environment.OnStopSignal(stop.Cancel);
        environment.Log.WriteLine($"camera {camera.Name} {format} -> {model.Metadata.Name} {input.Width}x{input.Height}x{input.Channels}"
            + (pin is null ? "" : $"; {pin.Name} high while {rule} (hold {holdMs} ms)") + "; Ctrl+C stops");
        var loop = new CameraLoop(camera, classifier, input, labels, environment.Clock, environment.Log, Backoff.Camera,
            boundRule, pin, TimeSpan.FromMilliseconds(holdMs), fps);
        var json = parsed.Has("--json-lines");
        loop.Run(format, result => output.WriteLine(json ? ToJson(result) : ToText(result)), stop.Token);
        return CommandErrors.Success;
    }

    private static EqmFile OpenModel(string path)
    {
        if (!File.Exists(path))
            throw new UsageException($"model '{path}' not found");
        try
        {
            return EqmFile.Open(path);
        }
        catch (EqmFormatException e)
        {
            throw new UsageException($"'{path}' is not a valid .eqm model: {e.Message}");
        }
    }

    // Hardware that is missing or busy, and a model or size the camera path cannot serve, are one-line user errors.
    private static T Checked<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            && width is >= 2 and <= 8192 && height is >= 1 and <= 8192 && width % 2 == 0)
            return (width, height);
        throw new UsageException($"--size must be WIDTHxHEIGHT with an even width (YUYV), e.g. {DefaultSize}, not '{text}'");
    }

    private static string ToText(FrameResult r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"frame {r.Frame}  {r.Label}  {r.Score:0.000}  {r.InferenceMs:0.0} ms  dropped {r.Dropped}{(r.PinHigh is { } high ? high ? "  gpio high" : "  gpio low" : "")}");

    private static string ToJson(FrameResult r)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("frame", r.Frame);
            json.WriteString("label", r.Label);
            json.WriteNumber("class", r.ClassIndex);
            json.WriteNumber("score", r.Score);
            json.WriteNumber("inferenceMs", Math.Round(r.InferenceMs, 3));
            json.WriteNumber("dropped", r.Dropped);
            if (r.PinHigh is { } high)
                json.WriteBoolean("gpio", high);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
