using System.Buffers.Binary;
using EdgeQ.Format.Binary;
using static EdgeQ.Format.Binary.EqmLayout;

namespace EdgeQ.Format;

/// <summary>Writes a (necessarily valid) <see cref="EqmModel"/> as an .eqm file; the same model always gives the same bytes.</summary>
public static class EqmWriter
{
    public static void Write(EqmModel model, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(ToBytes(model));
    }

    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over the target:
    /// a failure leaves no half-written model, and readers holding the old file's map keep their copy.
    /// </summary>
    public static void WriteFile(EqmModel model, string path) => AtomicFile.WriteAllBytes(path, ToBytes(model));

    public static byte[] ToBytes(EqmModel model) => Layout(EncodeSections(model));

    /// <summary>A section's kind, table flags and payload, before layout.</summary>
    internal sealed record RawSection(uint Kind, uint Flags, byte[] Bytes);

    internal static List<RawSection> EncodeSections(EqmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Blobs are laid out first: tensor records store their offsets.
        var blobs = new ByteSink();
        var blobOffsets = new long[model.Tensors.Count];
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            if (!model.Tensors[i].IsConstant) continue;
            blobs.AlignTo(BlobAlignment);
            blobOffsets[i] = blobs.Length;
            blobs.Bytes(model.Tensors[i].Data.Span);
        }
        return
        [
            Encode(SectionKind.Metadata, sink => Sections.WriteMetadata(model.Metadata, sink)),
            Encode(SectionKind.Input, sink => Sections.WriteInput(model.Input, sink)),
            Encode(SectionKind.Outputs, sink => Sections.WriteOutputs(model.Outputs, sink)),
            Encode(SectionKind.Tensors, sink => Sections.WriteTensors(model.Tensors, blobOffsets, sink)),
            Encode(SectionKind.Operators, sink => Sections.WriteOperators(model.Operators, sink)),
            new RawSection((uint)SectionKind.Blobs, 0, blobs.Written.ToArray()), // last: the weights form one aligned tail
        ];
    }

    /// <summary>Header, section table, then each section at the next 64-byte boundary; checksums sealed last.</summary>
    internal static byte[] Layout(IReadOnlyList<RawSection> sections, ushort minorVersion = MinorVersion, int entrySize = EntrySize)
    {
        var offsets = new long[sections.Count];
        long end = HeaderSize + (long)sections.Count * entrySize;
        for (int i = 0; i < sections.Count; i++)
        {
            offsets[i] = AlignUp(end, SectionAlignment);
            end = offsets[i] + sections[i].Bytes.Length;
        }
        if (end > int.MaxValue) throw new EqmFormatException($"the model needs {end} bytes, more than an .eqm file may hold (2^31-1)");

        var file = new byte[end];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(MajorOffset), MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(MinorOffset), minorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(SectionCountOffset), (uint)sections.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(FileLengthOffset), (ulong)end);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(EntrySizeOffset), (uint)entrySize);
        for (int i = 0; i < sections.Count; i++)
        {
            var entry = file.AsSpan(HeaderSize + i * entrySize, EntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryKindOffset..], sections[i].Kind);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryFlagsOffset..], sections[i].Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[EntryOffsetOffset..], (ulong)offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[EntryLengthOffset..], (ulong)sections[i].Bytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryAlignmentOffset..], SectionAlignment);
            sections[i].Bytes.CopyTo(file.AsSpan((int)offsets[i]));
        }
        Seal(file);
        return file;
    }

    private static RawSection Encode(SectionKind kind, Action<ByteSink> write)
    {
        var sink = new ByteSink();
        write(sink);
        return new RawSection((uint)kind, 0, sink.Written.ToArray());
    }
}
