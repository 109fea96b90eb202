using System.Diagnostics;

namespace EdgeQ.Device.Tests;

public class ProcessCaptureTests
{
    [Fact]
    public void Created_and_changed_files_come_back_and_untouched_inputs_do_not()
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "printf out > new.bin; printf x >> changed.bin; mkdir sub; printf e > sub/deep.bin; echo hi; echo oops >&2; exit 3" },
        };
        var inputs = new Dictionary<string, byte[]> { ["kept.bin"] = [1, 2], ["changed.bin"] = [7] };

        var (exitCode, stdout, stderr, files) = ProcessCapture.Run(start, inputs, TimeSpan.FromSeconds(30));

        Assert.Equal(3, exitCode);
        Assert.Equal("hi\n", stdout);
        Assert.Equal("oops\n", stderr);
        Assert.Equal(["changed.bin", "new.bin", Path.Combine("sub", "deep.bin")], files.Keys.Order());
        Assert.Equal("out"u8.ToArray(), files["new.bin"]);
        Assert.Equal(new byte[] { 7, (byte)'x' }, files["changed.bin"]);
    }
}
