using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace EdgeQ.Format.Binary;

/// <summary>
/// Reads little-endian fields front to back, checking every length against what is left. Errors name the field.
/// </summary>
internal ref struct SpanReader(ReadOnlySpan<byte> data, bool allowTrailing)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public byte U8(string field) => Take(1, field)[0];
    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public int I32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));
    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
    public float F32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    /// <summary>A <c>list</c> count, bounded by the bytes left so no damaged count can make us allocate much.</summary>
    public int Count(string field, int minElementSize)
    {
        uint count = U32(field);
        return count <= (uint)(Remaining / minElementSize)
            ? (int)count
            : throw new EqmFormatException($"field '{field}': count {count} cannot fit in the {Remaining} bytes left");
    }

    public string String(string field)
    {
        var bytes = Take(Count(field, 1), field);
        return Utf8.IsValid(bytes)
            ? Encoding.UTF8.GetString(bytes)
            : throw new EqmFormatException($"field '{field}': not valid UTF-8");
    }

    public int[] I32Array(int count, string field)
    {
        var values = new int[count];
        for (int i = 0; i < count; i++) values[i] = I32(field);
        return values;
    }

    public float[] F32Array(int count, string field)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = F32(field);
        return values;
    }

    /// <summary>Enters a size-prefixed record; the returned reader sees only the record's fields.</summary>
    public SpanReader Record()
    {
        uint size = U32("record size");
        if (size < 4 || size - 4 > (uint)Remaining)
            throw new EqmFormatException($"field 'record size': {size} is outside 4..{Remaining + 4}");
        return new SpanReader(Take((int)size - 4, "record"), allowTrailing);
    }

    /// <summary>Bytes after the known fields are a newer minor version's additions, or damage in a file of ours.</summary>
    public readonly void End()
    {
        if (!allowTrailing && Remaining != 0)
            throw new EqmFormatException($"{Remaining} unexpected bytes after the last field");
    }

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
            throw new EqmFormatException($"field '{field}': needs {count} bytes at offset {_position}, only {Remaining} left");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
