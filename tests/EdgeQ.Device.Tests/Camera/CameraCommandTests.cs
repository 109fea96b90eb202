using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Device.Camera;
using EdgeQ.Device.Commands;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Tests.Camera;

/// <summary><c>edgeq-run camera</c> end to end in-process, with the camera, pin, executor and signals substituted.</summary>
public sealed class CameraCommandTests : IDisposable
{
    private readonly string model = CameraModels.WriteTemp(CameraModels.Classifier());
    private readonly ManualClock clock = new();
    private readonly SimulatedGpio gpio;
    private readonly StringWriter log = new();
    private Action? stop;

    public CameraCommandTests() => gpio = new SimulatedGpio(clock, 17);

    public void Dispose() => File.Delete(model);

    private (int ExitCode, string Stdout, string Stderr) Run(IFrameSource camera, IClassifier? classifier, params string[] args)
    {
        var environment = new CameraEnvironment(
            (_, _, _) => camera, gpio.Open, (_, _) => classifier ?? throw new InvalidOperationException("no classifier given"),
            action => { stop = action; return new CancellationTokenSource(); }, clock, TextWriter.Synchronized(log));
        var spec = CameraCommand.Spec with { Run = (parsed, output) => CameraCommand.Run(parsed, output, environment) };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = new CommandParser(DeviceApp.Tool, "test", "0", [spec]).Run(["camera", .. args], stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString() + log);
    }

    // The camera sends its next frame once the classifier has seen the last one, then the stop signal arrives.
    private (int ExitCode, string Stdout, string Stderr) RunUntilScriptEnds(ScriptedFrameSource camera, params string[] options)
    {
        var classifier = new BrightnessClassifier(signed: true) { AfterClassify = () => camera.Consumed.Release() };
        var run = Task.Run(() => Run(camera, classifier, [model, .. options]));
        Assert.True(camera.Finished.Wait(TimeSpan.FromSeconds(30)), "the camera script did not finish");
        stop!();
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the command did not stop on the signal");
        return run.Result;
    }

    private ScriptedFrameSource Camera(params byte[] lumas) =>
        new(clock, new FrameFormat(640, 480), [.. lumas.Select((luma, i) => new FrameStep(TimeSpan.FromMilliseconds(100 * i), luma))]);

    private static string SingleLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{text}");
        return lines[0];
    }

    [Fact]
    public void Runs_until_stopped_printing_json_lines_and_leaves_the_pin_low()
    {
        var camera = Camera(16, 235, 235);
        var (exitCode, stdout, _) = RunUntilScriptEnds(camera, "--gpio", "17", "--on", "target>=0.6", "--json-lines");

        Assert.Equal(0, exitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["background", "target", "target"], lines.Select(l => l.GetProperty("label").GetString()));
        Assert.Equal([false, true, true], lines.Select(l => l.GetProperty("gpio").GetBoolean()));
        Assert.All(lines, l => Assert.Equal(0, l.GetProperty("dropped").GetInt64()));
        Assert.False(gpio.LevelOf(17));
        Assert.Equal([17], gpio.Disposed);
        Assert.False(camera.IsOpen);
    }

    [Fact]
    public void Text_lines_name_frame_label_score_time_and_drops()
    {
        var (exitCode, stdout, _) = RunUntilScriptEnds(Camera(235));
        Assert.Equal(0, exitCode);
        Assert.Matches(@"^frame 1  target  0\.\d{3}  0\.0 ms  dropped 0$", SingleLine(stdout));
    }

    [Fact]
    public void The_board_classifier_scores_frames_with_the_int8_runtime()
    {
        var eqm = CameraModels.Classifier();
        using var classifier = CameraEnvironment.Device.CreateClassifier(eqm, 1);
        using var reference = InferenceModel.Load(eqm, new InferenceOptions(Threads: 1));
        Assert.Equal(3, classifier.ClassCount);
        var input = new byte[reference.Input.Bytes];
        new Random(7).NextBytes(input);
        var scores = new float[classifier.ClassCount];
        classifier.Classify(input, scores);

        var raw = new sbyte[reference.OutputBytes];
        reference.Run(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(input.AsSpan()), raw);
        var first = reference.Outputs[0];
        var expected = new float[3];
        first.ToFloat(raw.AsSpan(first.Offset, first.Tensor.Bytes), expected);
        Assert.Equal(expected, scores);
        Assert.Contains(scores, s => s != 0);
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["missing.eqm"], "model 'missing.eqm' not found" },
        { ["MODEL", "--gpio", "17"], "--gpio and --on go together" },
        { ["MODEL", "--on", "target>=0.6"], "--gpio and --on go together" },
        { ["MODEL", "--gpio", "17", "--on", "target=0.6"], "--on 'target=0.6': no comparison" },
        { ["MODEL", "--gpio", "17", "--on", ">=0.6"], "no label or class index" },
        { ["MODEL", "--gpio", "17", "--on", "target>=high"], "'high' is not a number" },
        { ["MODEL", "--gpio", "17", "--on", "cat>=0.6"], "'cat' is neither one of the model's 3 labels nor a class index from 0 to 2" },
        { ["MODEL", "--gpio", "17", "--on", "3>=0.6"], "'3' is neither" },
        { ["MODEL", "--gpio", "99", "--on", "target>=0.6"], "cannot open GPIO 99 as an output" },
        { ["MODEL", "--size", "641x480"], "--size must be WIDTHxHEIGHT with an even width" },
        { ["MODEL", "--size", "big"], "--size must be WIDTHxHEIGHT" },
        { ["MODEL", "--hold-ms", "-5"], "--hold-ms must be a whole number" },
        { ["MODEL", "--gpio-chip", "0"], "--gpio-chip needs --gpio" },
        { ["MODEL", "--fps", "0"], "--fps must be a whole number from 1 to 1000" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_input_is_one_line_and_exit_code_2(string[] args, string message)
    {
        var (exitCode, stdout, stderr) = Run(Camera(235), new BrightnessClassifier(true), [.. args.Select(a => a == "MODEL" ? model : a)]);
        Assert.True(exitCode == CommandErrors.Usage, $"exit code {exitCode}: {stderr}");
        Assert.Empty(stdout);
        Assert.Contains(message, SingleLine(stderr));
        Assert.StartsWith("edgeq-run: error: ", stderr);
    }

    [Fact]
    public void A_corrupt_model_is_one_line_naming_the_format_problem()
    {
        File.WriteAllBytes(model, [.. "EQMF"u8, 1, 0, 0, 0, 9, 9, 9]);
        var (exitCode, _, stderr) = Run(Camera(235), new BrightnessClassifier(true), model);
        Assert.Equal(CommandErrors.Usage, exitCode);
        Assert.Contains($"'{model}' is not a valid .eqm model: ", SingleLine(stderr));
    }

    [Fact]
    public void A_busy_camera_is_one_line_and_exit_code_2_with_the_pin_released()
    {
        var (exitCode, _, stderr) = Run(new BusyCamera(), new BrightnessClassifier(true), model, "--gpio", "17", "--on", "1>0.5");
        Assert.Equal(CommandErrors.Usage, exitCode);
        Assert.Equal("edgeq-run: error: camera /dev/video0 is busy (another program is capturing from it)", SingleLine(stderr));
        Assert.Equal([17], gpio.Disposed);
    }

    [Fact]
    public void Help_lists_every_option()
    {
        var (exitCode, stdout, _) = Run(Camera(), null, "--help");
        Assert.Equal(0, exitCode);
        foreach (var option in new[] { "--device PATH", "--size WxH", "--fps N", "--gpio PIN", "--on RULE", "--gpio-chip N", "--hold-ms N", "--threads N", "--json-lines" })
            Assert.Contains(option, stdout);
    }

    private sealed class BusyCamera : IFrameSource
    {
        public string Name => "/dev/video0";
        public FrameFormat Open() => throw new CameraUnavailableException("camera /dev/video0 is busy (another program is capturing from it)");
        public void Stream(FrameHandler onFrame, CancellationToken cancellation) => throw new InvalidOperationException();
        public void Close() { }
        public void Dispose() { }
    }
}
