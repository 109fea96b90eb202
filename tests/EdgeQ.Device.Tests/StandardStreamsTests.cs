using System.IO.Pipes;
using EdgeQ.CommandLine;

namespace EdgeQ.Device.Tests;

/// <summary>
/// edgeq-run's stdout/stderr writer (in place of System.Console) on a real pipe: bytes arrive unchanged and at once,
/// and a reader that went away drops the output instead of failing, as Console does.
/// </summary>
public class StandardStreamsTests
{
    [Fact]
    public async Task Text_reaches_the_pipe_as_UTF8_without_a_byte_order_mark_when_written()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        using var reader = new StreamReader(pipe);
        var writer = new StreamWriter(new FileDescriptorStream((int)pipe.ClientSafePipeHandle.DangerousGetHandle(), "test pipe"),
            new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        writer.WriteLine("frame 1  café  0.873");
        Assert.Equal("frame 1  café  0.873", reader.ReadLine());
        // More than a pipe's buffer, so the kernel takes it in parts while the reader drains it.
        var line = Task.Run(reader.ReadLine);
        writer.Write(new string('x', 200_000) + "\n");
        Assert.Equal(200_000, (await line)!.Length);
    }

    [Fact]
    public void Writing_to_a_pipe_whose_reader_closed_is_silently_dropped()
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        using var writeEnd = pipe.ClientSafePipeHandle;
        var stream = new FileDescriptorStream((int)writeEnd.DangerousGetHandle(), "test pipe");
        pipe.Dispose();
        stream.Write("edgeq-run: lost line\n"u8);
        Assert.False(writeEnd.IsClosed);
    }
}
