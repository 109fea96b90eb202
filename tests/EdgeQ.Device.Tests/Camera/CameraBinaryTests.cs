using EdgeQ.Format;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>
/// The camera command in the NativeAOT binaries (x64, and arm64 under QEMU as a Pi 4): help, and the model reader,
/// the V4L2 checks and the libgpiod GPIO path up to their one-line errors, since no camera or GPIO chip exists here.
/// </summary>
public class CameraBinaryTests
{
    public static TheoryData<string> Targets => new() { "x64", "a72" };

    private static DeviceTarget Target(string name) => name == "x64" ? DeviceTarget.X64 : DeviceTarget.A72;

    private static readonly Dictionary<string, byte[]> Model = new() { ["model.eqm"] = EqmWriter.ToBytes(CameraModels.Classifier()) };

    [Theory]
    [MemberData(nameof(Targets))]
    public void Help_runs(string target)
    {
        var run = DeviceBinary.Run(Target(target), ["camera", "--help"]);
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("--on RULE", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_missing_camera_is_one_line_and_exit_code_2(string target)
    {
        var run = DeviceBinary.Run(Target(target), ["camera", "model.eqm", "--device", "/dev/video-edgeq-missing"], Model);
        Assert.True(run.ExitCode == 2, run.Describe());
        Assert.Equal("edgeq-run: error: no camera at /dev/video-edgeq-missing\n", run.Stderr);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_pin_that_cannot_be_opened_is_one_line_and_exit_code_2(string target)
    {
        var run = DeviceBinary.Run(Target(target), ["camera", "model.eqm", "--gpio", "17", "--on", "target>=0.6", "--gpio-chip", "7"], Model);
        Assert.True(run.ExitCode == 2, run.Describe());
        Assert.StartsWith("edgeq-run: error: cannot open GPIO 17 on gpiochip7 as an output: ", run.Stderr);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }
}
