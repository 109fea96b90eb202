using System.Runtime.InteropServices;
using System.Text;
using EdgeQ.Device;

namespace EdgeQ.CommandLine;

/// <summary>
/// stdout and stderr as UTF-8 line writers over write(2). <c>Console.Out</c>/<c>Console.Error</c> bring System.Console's
/// Unix terminal support (terminfo parsing, key and cursor handling) that a tool printing lines never uses: 113 KB of the
/// linux-arm64 binary (docs/device.md). Same behaviour otherwise: UTF-8 without a byte order mark, every write flushed,
/// thread-safe, and output to a closed pipe (<c>edgeq-run info m.eqm | head -1</c>) dropped instead of failing.
/// </summary>
internal static class StandardStreams
{
    public static TextWriter Out { get; } = Open(1, "stdout");

    public static TextWriter Error { get; } = Open(2, "stderr");

    private static TextWriter Open(int fd, string name) =>
        TextWriter.Synchronized(new StreamWriter(new FileDescriptorStream(fd, name), new UTF8Encoding(false)) { AutoFlush = true });
}

/// <summary>A write-only stream over a file descriptor it does not own; a closed pipe (EPIPE) swallows the bytes.</summary>
internal sealed unsafe partial class FileDescriptorStream(int fd, string name) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            for (int done = 0; done < bytes.Length;)
            {
                nint written = WriteFile(fd, start + done, (nuint)(bytes.Length - done));
                if (written >= 0)
                {
                    done += (int)written;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.BrokenPipe)
                    return;
                if (errno == Errno.TryAgain) // a non-blocking descriptor inherited from the caller
                    Thread.Sleep(1);
                else if (errno != Errno.Interrupted)
                    throw new IOException($"cannot write to {name}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteFile(int fd, byte* bytes, nuint count);
}
