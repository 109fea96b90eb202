using System.Buffers.Binary;
using System.IO.Hashing;

namespace EdgeQ.Format.Binary;

internal enum SectionKind : uint
{
    Metadata = 1,
    Input = 2,
    Outputs = 3,
    Tensors = 4,
    Operators = 5,
    Blobs = 6,
}

/// <summary>Byte positions and limits of the header and section table (docs/format.md, File layout).</summary>
internal static class EqmLayout
{
    public static ReadOnlySpan<byte> Magic => "EQMF"u8;
    public const ushort MajorVersion = 1;
    public const ushort MinorVersion = 0;

    public const int HeaderSize = 64;
    public const int MajorOffset = 4;
    public const int MinorOffset = 6;
    public const int FlagsOffset = 8;
    public const int SectionCountOffset = 12;
    public const int FileLengthOffset = 16;
    public const int EntrySizeOffset = 24;
    public const int TableChecksumOffset = 28;
    public const int HeaderChecksumOffset = 60;

    /// <summary>Flag bits 0-15 name features a reader must understand; none exist in 1.0.</summary>
    public const uint RequiredFeatureBits = 0xFFFF;

    public const int EntrySize = 32;
    public const int EntryKindOffset = 0;
    public const int EntryFlagsOffset = 4;
    public const int EntryOffsetOffset = 8;
    public const int EntryLengthOffset = 16;
    public const int EntryAlignmentOffset = 24;
    public const int EntryChecksumOffset = 28;
    public const uint OptionalSectionFlag = 1;

    public const int MaxSections = 1024;
    /// <summary>Bounds the entry stride a newer minor may use, so a damaged header cannot ask for huge tables.</summary>
    public const int MaxEntrySize = 1024;
    public const int SectionAlignment = 64;
    public const int MaxSectionAlignment = 65536;
    public const int BlobAlignment = 64;

    public static uint Checksum(ReadOnlySpan<byte> bytes) => Crc32.HashToUInt32(bytes);

    /// <summary>
    /// Fills in every checksum (sections, then table, then header) of a laid-out file. The writer seals every file;
    /// tests reseal deliberately damaged ones to get past the checksums. What lies outside the file is skipped.
    /// </summary>
    public static void Seal(Span<byte> file)
    {
        if (file.Length < HeaderSize) return;
        int count = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file[SectionCountOffset..]), MaxSections);
        int entrySize = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file[EntrySizeOffset..]), MaxEntrySize);
        int tableLength = (int)Math.Min((long)count * entrySize, file.Length - HeaderSize);
        var table = file.Slice(HeaderSize, tableLength);
        for (int i = 0; i + EntrySize <= table.Length && entrySize >= EntrySize; i += entrySize)
        {
            var entry = table[i..];
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[EntryOffsetOffset..]);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(entry[EntryLengthOffset..]);
            if (offset <= (ulong)file.Length && length <= (ulong)file.Length - offset)
                BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryChecksumOffset..], Checksum(file.Slice((int)offset, (int)length)));
        }
        BinaryPrimitives.WriteUInt32LittleEndian(file[TableChecksumOffset..], Checksum(table));
        BinaryPrimitives.WriteUInt32LittleEndian(file[HeaderChecksumOffset..], Checksum(file[..HeaderChecksumOffset]));
    }

    public static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
