using System.Buffers.Binary;
using EdgeQ.Format.Binary;
using static EdgeQ.Format.Binary.EqmLayout;

namespace EdgeQ.Format.Tests;

/// <summary>Finds and patches fields of an .eqm file, so tests can damage exactly one thing.</summary>
internal static class FileSurgery
{
    public static int EntryAt(int index) => HeaderSize + index * EntrySize;

    public static int EntryIndex(byte[] file, SectionKind kind)
    {
        int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(SectionCountOffset));
        for (int i = 0; i < count; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(EntryAt(i) + EntryKindOffset)) == (uint)kind) return i;
        }
        throw new ArgumentException($"no {kind} section");
    }

    public static (int Offset, int Length) Section(byte[] file, SectionKind kind)
    {
        int entry = EntryAt(EntryIndex(file, kind));
        return ((int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(entry + EntryOffsetOffset)),
            (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(entry + EntryLengthOffset)));
    }

    /// <summary>Start (at its size field) and end of record <paramref name="index"/> of a list section.</summary>
    public static (int Start, int End) Record(byte[] file, SectionKind kind, int index)
    {
        int position = Section(file, kind).Offset + 4;
        for (int i = 0; ; i++)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position));
            if (i == index) return (position, position + size);
            position += size;
        }
    }

    public static byte[] Patch32(this byte[] file, int at, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);
        return file;
    }

    public static byte[] Patch64(this byte[] file, int at, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at), value);
        return file;
    }

    public static byte[] Patch8(this byte[] file, int at, byte value)
    {
        file[at] = value;
        return file;
    }

    /// <summary>Recomputes every checksum, so the damage reaches the structural checks behind them.</summary>
    public static byte[] Resealed(this byte[] file)
    {
        Seal(file);
        return file;
    }

    /// <summary>Adds <paramref name="extra"/> zero bytes to the end of every record of a list section.</summary>
    public static byte[] GrowRecords(byte[] section, int extra)
    {
        var sink = new List<byte>(section[..4]);
        int position = 4;
        for (uint i = 0; i < BinaryPrimitives.ReadUInt32LittleEndian(section); i++)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(position));
            var grown = new byte[size + extra];
            section.AsSpan(position, size).CopyTo(grown);
            BinaryPrimitives.WriteUInt32LittleEndian(grown, (uint)(size + extra));
            sink.AddRange(grown);
            position += size;
        }
        sink.AddRange(section[position..]);
        return [.. sink];
    }
}
