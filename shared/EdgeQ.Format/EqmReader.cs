using System.Buffers.Binary;
using EdgeQ.Format.Binary;
using static EdgeQ.Format.Binary.EqmLayout;

namespace EdgeQ.Format;

/// <summary>
/// Reads and fully validates an .eqm file. Any problem in the bytes raises <see cref="EqmFormatException"/>; nothing
/// else escapes for any input.
/// </summary>
public static class EqmReader
{
    /// <summary>Reads a model from bytes; the model keeps its own copy of them.</summary>
    public static EqmModel Read(ReadOnlySpan<byte> file) => ReadInPlace(file.ToArray());

    /// <summary>Reads the rest of a stream (at most 2^31-1 bytes).</summary>
    public static EqmModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            long length = stream.Length - stream.Position;
            if (length > int.MaxValue) throw new EqmFormatException($"header: the stream holds {length} bytes, more than an .eqm file may (2^31-1)");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return ReadInPlace(bytes);
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return ReadInPlace(copy.GetBuffer().AsMemory(0, (int)copy.Length));
    }

    /// <summary>Constants of the returned model are slices of <paramref name="file"/>, which must outlive it.</summary>
    internal static EqmModel ReadInPlace(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        ushort minor = ReadHeader(bytes);
        bool newerMinor = minor > MinorVersion;
        var sections = ReadSectionTable(bytes, newerMinor);

        var blobs = file.Slice(sections[SectionKind.Blobs].Offset, sections[SectionKind.Blobs].Length);
        var metadata = ParseSection(bytes, sections, SectionKind.Metadata, newerMinor, Sections.ReadMetadata);
        var input = ParseSection(bytes, sections, SectionKind.Input, newerMinor, Sections.ReadInput);
        var outputs = ParseSection(bytes, sections, SectionKind.Outputs, newerMinor, Sections.ReadOutputs);
        var tensors = ParseSection(bytes, sections, SectionKind.Tensors, newerMinor, (ref SpanReader r) => Sections.ReadTensors(ref r, blobs));
        var operators = ParseSection(bytes, sections, SectionKind.Operators, newerMinor, Sections.ReadOperators);
        return new EqmModel(metadata, input, outputs, tensors, operators);
    }

    /// <summary>Checks magic, version, header checksum, flags and file length; returns the file's minor version.</summary>
    private static ushort ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderSize) throw new EqmFormatException($"header: the file has {file.Length} bytes, the header alone needs {HeaderSize}");
        if (!file[..Magic.Length].SequenceEqual(Magic)) throw new EqmFormatException("header, field 'magic': not an .eqm file");
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(file[MajorOffset..]);
        ushort minor = BinaryPrimitives.ReadUInt16LittleEndian(file[MinorOffset..]);
        if (major != MajorVersion)
            throw new EqmFormatException($"header, field 'major version': the file is format {major}.{minor}, this reader reads major version {MajorVersion} only");
        VerifyChecksum(file[..HeaderChecksumOffset], BinaryPrimitives.ReadUInt32LittleEndian(file[HeaderChecksumOffset..]), "header, field 'header checksum'");

        uint unknownRequired = BinaryPrimitives.ReadUInt32LittleEndian(file[FlagsOffset..]) & RequiredFeatureBits;
        if (unknownRequired != 0)
            throw new EqmFormatException($"header, field 'flags': the file needs features this reader lacks (required bits 0x{unknownRequired:X4})");
        ulong fileLength = BinaryPrimitives.ReadUInt64LittleEndian(file[FileLengthOffset..]);
        if (fileLength != (ulong)file.Length)
            throw new EqmFormatException($"header, field 'file length': says {fileLength} bytes, the file has {file.Length} (truncated or padded?)");
        return minor;
    }

    private readonly record struct SectionSpan(int Offset, int Length);

    /// <summary>Checks every entry (bounds, alignment, overlap, checksum) and returns the known sections by kind.</summary>
    private static Dictionary<SectionKind, SectionSpan> ReadSectionTable(ReadOnlySpan<byte> file, bool newerMinor)
    {
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(file[SectionCountOffset..]);
        uint entrySize = BinaryPrimitives.ReadUInt32LittleEndian(file[EntrySizeOffset..]);
        if (count is 0 or > MaxSections)
            throw new EqmFormatException($"header, field 'section count': {count} is outside 1..{MaxSections}");
        if (newerMinor ? entrySize is < EntrySize or > MaxEntrySize : entrySize != EntrySize)
            throw new EqmFormatException($"header, field 'section entry size': {entrySize} is not {(newerMinor ? $"in {EntrySize}..{MaxEntrySize}" : EntrySize)}");
        long tableEnd = HeaderSize + (long)count * entrySize;
        if (tableEnd > file.Length)
            throw new EqmFormatException($"section table: {count} entries of {entrySize} bytes end at {tableEnd}, past the end of the {file.Length}-byte file");
        var table = file[HeaderSize..(int)tableEnd];
        VerifyChecksum(table, BinaryPrimitives.ReadUInt32LittleEndian(file[TableChecksumOffset..]), "header, field 'section table checksum'");

        var known = new Dictionary<SectionKind, SectionSpan>();
        var all = new List<(SectionSpan Span, int Entry)>();
        for (int i = 0; i < count; i++)
        {
            var entry = table.Slice(i * (int)entrySize, EntrySize);
            var kind = (SectionKind)BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryKindOffset..]);
            string where = $"section table, entry {i} (kind {(uint)kind})";
            var span = ReadSectionBounds(file, entry, tableEnd, where);
            all.Add((span, i));
            if (Enum.IsDefined(kind))
            {
                if (!known.TryAdd(kind, span)) throw new EqmFormatException($"{where}: a second {kind} section");
            }
            else if ((BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryFlagsOffset..]) & OptionalSectionFlag) == 0)
            {
                throw new EqmFormatException($"{where}: unknown section kind {(uint)kind} is not marked optional");
            }
        }

        all.Sort((a, b) => a.Span.Offset != b.Span.Offset ? a.Span.Offset.CompareTo(b.Span.Offset) : a.Span.Length.CompareTo(b.Span.Length));
        for (int i = 1; i < all.Count; i++)
        {
            var (previous, next) = (all[i - 1], all[i]);
            if ((long)previous.Span.Offset + previous.Span.Length > next.Span.Offset)
                throw new EqmFormatException($"section table: entries {previous.Entry} and {next.Entry} overlap");
        }
        foreach (var kind in Enum.GetValues<SectionKind>())
        {
            if (!known.ContainsKey(kind)) throw new EqmFormatException($"section table: no {kind} section");
        }
        return known;
    }

    private static SectionSpan ReadSectionBounds(ReadOnlySpan<byte> file, ReadOnlySpan<byte> entry, long tableEnd, string where)
    {
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[EntryOffsetOffset..]);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(entry[EntryLengthOffset..]);
        uint alignment = BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryAlignmentOffset..]);
        if (offset > (ulong)file.Length || length > (ulong)file.Length - offset)
            throw new EqmFormatException($"{where}, field 'length': [{offset}, +{length}) ends outside the {file.Length}-byte file");
        if (offset < (ulong)tableEnd)
            throw new EqmFormatException($"{where}, field 'offset': {offset} overlaps the header or section table (which end at {tableEnd})");
        if (alignment is < SectionAlignment or > MaxSectionAlignment || !uint.IsPow2(alignment))
            throw new EqmFormatException($"{where}, field 'alignment': {alignment} is not a power of two in {SectionAlignment}..{MaxSectionAlignment}");
        if (offset % alignment != 0)
            throw new EqmFormatException($"{where}, field 'offset': {offset} is not a multiple of its alignment {alignment}");
        var span = new SectionSpan((int)offset, (int)length);
        VerifyChecksum(file.Slice(span.Offset, span.Length), BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryChecksumOffset..]), $"{where}, field 'checksum'");
        return span;
    }

    private static void VerifyChecksum(ReadOnlySpan<byte> bytes, uint stored, string where)
    {
        uint computed = Checksum(bytes);
        if (computed != stored)
            throw new EqmFormatException($"{where}: stored CRC-32 0x{stored:X8}, computed 0x{computed:X8} (the bytes are damaged)");
    }

    private delegate T SectionParser<T>(ref SpanReader reader);

    private static T ParseSection<T>(
        ReadOnlySpan<byte> file, Dictionary<SectionKind, SectionSpan> sections, SectionKind kind, bool newerMinor, SectionParser<T> parse)
    {
        var span = sections[kind];
        var reader = new SpanReader(file.Slice(span.Offset, span.Length), newerMinor);
        try
        {
            return parse(ref reader);
        }
        catch (EqmFormatException e)
        {
            throw e.At($"{kind.ToString().ToLowerInvariant()} section");
        }
    }
}
