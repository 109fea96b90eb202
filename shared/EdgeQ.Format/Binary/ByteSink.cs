using System.Buffers.Binary;
using System.Text;

namespace EdgeQ.Format.Binary;

/// <summary>A growable little-endian byte buffer with size-prefixed records, the writer's mirror of <see cref="SpanReader"/>.</summary>
internal sealed class ByteSink
{
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void U8(byte value) => Grow(1)[0] = value;
    public void U32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), value);
    public void I32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Grow(4), value);
    public void U64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), value);
    public void F32(float value) => BinaryPrimitives.WriteSingleLittleEndian(Grow(4), value);
    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    public void Count(int count) => U32((uint)count);

    public void String(string value)
    {
        Count(Encoding.UTF8.GetByteCount(value));
        Encoding.UTF8.GetBytes(value, Grow(Encoding.UTF8.GetByteCount(value)));
    }

    public void I32List(ReadOnlySpan<int> values)
    {
        Count(values.Length);
        foreach (int v in values) I32(v);
    }

    public void F32List(ReadOnlySpan<float> values)
    {
        Count(values.Length);
        foreach (float v in values) F32(v);
    }

    /// <summary>Starts a record; pass the result to <see cref="EndRecord"/> once its fields are written.</summary>
    public int BeginRecord()
    {
        int start = Length;
        U32(0);
        return start;
    }

    public void EndRecord(int start) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(Length - start));

    public void AlignTo(int alignment) => Grow((int)(EqmLayout.AlignUp(Length, alignment) - Length)).Clear();

    private Span<byte> Grow(int count)
    {
        if (Length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
