using System.Diagnostics;
using EdgeQ.Tests;

namespace EdgeQ.Device.Tests;

/// <summary>
/// Runs the NativeAOT edgeq-run published by tools/arm/publish-device.sh: natively for x64, through tools/arm/qemu-run.sh
/// for arm64, in a fresh directory (<see cref="ProcessCapture"/>), so tests can compare output bytes across targets.
/// </summary>
public static class DeviceBinary
{
    public static string PathFor(string build)
    {
        var path = Path.Combine(RepoPaths.Root, "artifacts", "device", build, "edgeq-run");
        if (!File.Exists(path))
            Assert.Fail($"{path} is missing. Build it with: tools/arm/publish-device.sh {build} " +
                        "(./test.sh does this before running the tests).");
        return path;
    }

    public static DeviceRunResult Run(
        DeviceTarget target,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, byte[]>? inputFiles = null,
        TimeSpan? timeout = null)
    {
        var binary = PathFor(target.Build);
        var start = new ProcessStartInfo();
        if (target.QemuCpu is null)
            start.FileName = binary;
        else
        {
            start.FileName = Path.Combine(RepoPaths.Root, "tools", "arm", "qemu-run.sh");
            start.ArgumentList.Add(target.QemuCpu);
            start.Environment["EDGEQ_RUN_BINARY"] = binary;
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var (exitCode, stdout, stderr, files) = ProcessCapture.Run(start, inputFiles, timeout ?? TimeSpan.FromMinutes(2));
        return new DeviceRunResult(target, arguments, exitCode, stdout, stderr, files);
    }
}
