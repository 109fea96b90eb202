using Xunit.Abstractions;
using System.Buffers.Binary;
using System.Text;
using EdgeQ.Format.Binary;
using static EdgeQ.Format.Binary.EqmLayout;
using static EdgeQ.Format.Tests.FileSurgery;

namespace EdgeQ.Format.Tests;

/// <summary>
/// One test per byte-level rule (header, section table, records, versioning). Damaged files are resealed unless the
/// check under test is the checksum itself, so each failure comes from the rule named.
/// </summary>
public sealed class BinaryValidationTests(ITestOutputHelper output)
{
    private static byte[] Valid() => EqmWriter.ToBytes(TestModels.MobileNetLike());

    private static int Entry(SectionKind kind) => EntryAt(EntryIndex(Valid(), kind));

    private static byte[] WithSections(Func<List<EqmWriter.RawSection>, IReadOnlyList<EqmWriter.RawSection>> change, ushort minor = MinorVersion, int entrySize = EntrySize) =>
        EqmWriter.Layout(change(EqmWriter.EncodeSections(TestModels.MobileNetLike())), minor, entrySize);

    private static List<EqmWriter.RawSection> Replace(List<EqmWriter.RawSection> sections, SectionKind kind, Func<byte[], byte[]> change) =>
        sections.Select(s => s.Kind == (uint)kind ? s with { Bytes = change(s.Bytes) } : s).ToList();

    private static readonly Dictionary<string, (Func<byte[]> Make, string[] Expected)> Cases = new()
    {
        // Header
        ["shorter than a header"] = (() => Valid()[..10], ["header", "10 bytes", "needs 64"]),
        ["bad magic"] = (() => Valid().Patch8(0, (byte)'X').Resealed(), ["header, field 'magic'", "not an .eqm file"]),
        ["newer major version"] = (() => Valid().Patch32(MajorOffset, 2).Resealed(), ["header, field 'major version'", "format 2.0", "major version 1 only"]),
        ["header checksum"] = (() => Valid().Patch8(40, 1), ["header, field 'header checksum'", "damaged"]),
        ["unknown required flag"] = (() => Valid().Patch32(FlagsOffset, 0x4).Resealed(), ["header, field 'flags'", "0x0004"]),
        ["file longer than its header says"] = (() => [.. Valid(), 0], ["header, field 'file length'", "the file has"]),
        ["file length field"] = (() => Valid().Patch64(FileLengthOffset, ulong.MaxValue).Resealed(), ["header, field 'file length'", "18446744073709551615"]),
        ["no sections"] = (() => Valid().Patch32(SectionCountOffset, 0).Resealed(), ["header, field 'section count'", "0 is outside 1..1024"]),
        ["too many sections"] = (() => Valid().Patch32(SectionCountOffset, int.MaxValue).Resealed(), ["header, field 'section count'", "2147483647"]),
        ["section table past the end"] = (() => Valid().Patch32(SectionCountOffset, 1024).Resealed(), ["section table", "1024 entries", "past the end"]),
        ["entry size at the same minor"] = (() => Valid().Patch32(EntrySizeOffset, 40).Resealed(), ["header, field 'section entry size'", "40 is not 32"]),
        ["section table checksum"] = (() => Valid().Patch8(HeaderSize + 2, 1).Patch32(HeaderChecksumOffset, 0).Resealed().Patch8(HeaderSize + 2, 0), ["header, field 'section table checksum'", "damaged"]),

        // Section table
        ["section beyond the file"] = (() => Valid().Patch64(Entry(SectionKind.Tensors) + EntryLengthOffset, int.MaxValue).Resealed(), ["section table, entry 3 (kind 4), field 'length'", "ends outside"]),
        ["section offset huge"] = (() => Valid().Patch64(Entry(SectionKind.Tensors) + EntryOffsetOffset, ulong.MaxValue).Resealed(), ["section table, entry 3 (kind 4), field 'length'", "18446744073709551615"]),
        ["section over the header"] = (() => Valid().Patch64(Entry(SectionKind.Metadata) + EntryOffsetOffset, 0).Resealed(), ["section table, entry 0 (kind 1), field 'offset'", "overlaps the header"]),
        ["sections overlap"] = (() => Valid().Patch64(Entry(SectionKind.Tensors) + EntryOffsetOffset, (ulong)Section(Valid(), SectionKind.Outputs).Offset).Resealed(),
            ["section table: entries 2 and 3 overlap"]),
        ["section misaligned"] = (() => Valid().Patch64(Entry(SectionKind.Blobs) + EntryOffsetOffset, (ulong)Section(Valid(), SectionKind.Blobs).Offset - 8)
            .Patch64(Entry(SectionKind.Blobs) + EntryLengthOffset, 8).Resealed(), ["entry 5 (kind 6), field 'offset'", "not a multiple of its alignment 64"]),
        ["alignment not a power of two"] = (() => Valid().Patch32(Entry(SectionKind.Input) + EntryAlignmentOffset, 96).Resealed(), ["entry 1 (kind 2), field 'alignment'", "96"]),
        ["alignment zero"] = (() => Valid().Patch32(Entry(SectionKind.Input) + EntryAlignmentOffset, 0).Resealed(), ["entry 1 (kind 2), field 'alignment'", "0 is not"]),
        ["section checksum"] = (() => Valid().Patch8(Section(Valid(), SectionKind.Blobs).Offset, 0x55), ["entry 5 (kind 6), field 'checksum'", "damaged"]),
        ["duplicate section"] = (() => Valid().Patch32(Entry(SectionKind.Input) + EntryKindOffset, (uint)SectionKind.Metadata).Resealed(), ["entry 1 (kind 1)", "a second Metadata section"]),
        ["missing section"] = (() => WithSections(s => s.Where(x => x.Kind != (uint)SectionKind.Blobs).ToList()), ["section table: no Blobs section"]),
        ["unknown required section"] = (() => WithSections(s => [.. s, new(77, 0, [1, 2, 3])]), ["entry 6 (kind 77)", "unknown section kind 77 is not marked optional"]),

        // Records
        ["trailing bytes in a section"] = (() => WithSections(s => Replace(s, SectionKind.Metadata, b => [.. b, 0, 0, 0])), ["metadata section: 3 unexpected bytes after the last field"]),
        ["trailing bytes in a record"] = (() => WithSections(s => Replace(s, SectionKind.Operators, b => GrowRecords(b, 4))), ["operators section: op 0: 4 unexpected bytes after the last field"]),
        ["record size zero"] = (() => Valid().Patch32(Record(Valid(), SectionKind.Tensors, 0).Start, 0).Resealed(), ["tensors section: tensor 0: field 'record size': 0 is outside"]),
        ["record size huge"] = (() => Valid().Patch32(Record(Valid(), SectionKind.Tensors, 2).Start, uint.MaxValue).Resealed(), ["tensors section: tensor 2: field 'record size': 4294967295"]),
        ["count huge"] = (() => Valid().Patch32(Section(Valid(), SectionKind.Operators).Offset, int.MaxValue).Resealed(), ["operators section: field 'operators': count 2147483647 cannot fit"]),
        ["invalid UTF-8"] = (() => Valid().Patch8(Section(Valid(), SectionKind.Metadata).Offset + 4, 0xFF).Resealed(), ["metadata section: field 'name': not valid UTF-8"]),
        ["truncated field"] = (() => WithSections(s => Replace(s, SectionKind.Input, b => b[..6])), ["input section: field 'resize mode': needs 1 bytes at offset 6, only 0 left"]),
        ["unknown op kind"] = (() => Valid().Patch32(Record(Valid(), SectionKind.Operators, 4).Start + 4, 99).Resealed(), ["operators section: op 4: field 'kind': unknown op kind 99"]),
        ["boolean parameter"] = (() => Valid().Patch8(Record(Valid(), SectionKind.Operators, 7).Start + 4 + 4 + 8 + 8 + 40, 2).Resealed(), ["op 7: field 'count_include_pad': 2 is not 0 or 1"]),
        ["blob offset misaligned"] = (() => Valid().Patch64(Record(Valid(), SectionKind.Tensors, 1).End - 16, 8).Resealed(), ["tensors section: tensor 1: field 'blob offset': 8 is not a multiple of 64"]),
        ["blob outside the blobs"] = (() => Valid().Patch64(Record(Valid(), SectionKind.Tensors, 1).End - 8, int.MaxValue).Resealed(), ["tensor 1: field 'blob length'", "ends outside"]),
        ["constant without bytes"] = (() => Valid().Patch64(Record(Valid(), SectionKind.Tensors, 1).End - 8, 0).Resealed(), ["tensor 1: field 'blob length': a constant has no bytes"]),
        ["non-constant with a blob"] = (() => Valid().Patch64(Record(Valid(), SectionKind.Tensors, 0).End - 16, 64).Resealed(), ["tensor 0: field 'blob offset': a non-constant tensor has blob offset 64"]),
        ["axis without scales"] = (() => Valid().Patch32(AxisOfLastTensor(Valid()), 0).Resealed(), ["field 'quantization axis': 0 given for a tensor without scales"]),
    };

    /// <summary>The last tensor is the float 'probabilities' [1, 10]: size, name, 4 bytes of type/rank/flags, 2 dims, axis.</summary>
    private static int AxisOfLastTensor(byte[] file)
    {
        var (start, _) = Record(file, SectionKind.Tensors, TestModels.MobileNetLike().Tensors.Count - 1);
        return start + 4 + 4 + Encoding.UTF8.GetByteCount("probabilities") + 4 + 2 * 4;
    }

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReaderRejectsAndNamesThePlace(string name)
    {
        var (make, expected) = Cases[name];
        var error = Assert.Throws<EqmFormatException>(() => EqmReader.Read(make()));
        output.WriteLine(error.Message);
        foreach (string fragment in expected) Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void NewerMinorVersionIsReadIgnoringItsAdditions()
    {
        // A hypothetical 1.1 writer: longer records, section entries and sections, a new optional section and an
        // optional feature flag.
        var file = WithSections(sections =>
        {
            var grown = sections.Select(s => s.Kind is (uint)SectionKind.Outputs or (uint)SectionKind.Tensors or (uint)SectionKind.Operators
                ? s with { Bytes = GrowRecords(s.Bytes, 12) } : s).ToList();
            grown = Replace(grown, SectionKind.Metadata, b => [.. b, 9, 9, 9, 9]);
            grown.Insert(2, new EqmWriter.RawSection(42, OptionalSectionFlag, Encoding.UTF8.GetBytes("quantization report")));
            return grown;
        }, minor: 1, entrySize: 48).Patch32(FlagsOffset, 0x10000).Resealed();

        RoundTripTests.AssertSameModel(TestModels.MobileNetLike(), EqmReader.Read(file));
    }

    [Fact]
    public void TheSameAdditionsAtMinorZeroAreRejected()
    {
        var file = WithSections(sections => Replace(sections, SectionKind.Tensors, b => GrowRecords(b, 12)));
        var error = Assert.Throws<EqmFormatException>(() => EqmReader.Read(file));
        Assert.Contains("tensors section: tensor 0: 12 unexpected bytes after the last field", error.Message);
    }

    [Fact]
    public void UnknownOptionalSectionIsSkippedButStillChecksummed()
    {
        var file = WithSections(s => [.. s, new(42, OptionalSectionFlag, [1, 2, 3])]);
        RoundTripTests.AssertSameModel(TestModels.MobileNetLike(), EqmReader.Read(file));

        file[ReadOffset(file, 6)] ^= 1;
        var error = Assert.Throws<EqmFormatException>(() => EqmReader.Read(file));
        Assert.Contains("entry 6 (kind 42), field 'checksum'", error.Message);
    }

    private static int ReadOffset(byte[] file, int entry) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(EntryAt(entry) + EntryOffsetOffset));
}
