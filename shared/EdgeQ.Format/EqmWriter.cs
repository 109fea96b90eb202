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
    public static void WriteFile(EqmModel model, string path)
    {
        var bytes = ToBytes(model);
        string target = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static byte[] ToBytes(EqmModel model)
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

        var sections = new (SectionKind Kind, ByteSink Bytes)[]
        {
            (SectionKind.Metadata, Encode(sink => Sections.WriteMetadata(model.Metadata, sink))),
            (SectionKind.Input, Encode(sink => Sections.WriteInput(model.Input, sink))),
            (SectionKind.Outputs, Encode(sink => Sections.WriteOutputs(model.Outputs, sink))),
            (SectionKind.Tensors, Encode(sink => Sections.WriteTensors(model.Tensors, blobOffsets, sink))),
            (SectionKind.Operators, Encode(sink => Sections.WriteOperators(model.Operators, sink))),
            (SectionKind.Blobs, blobs), // last, so the weights form one aligned tail of the file
        };

        var offsets = new long[sections.Length];
        long end = HeaderSize + sections.Length * EntrySize;
        for (int i = 0; i < sections.Length; i++)
        {
            offsets[i] = AlignUp(end, SectionAlignment);
            end = checked(offsets[i] + sections[i].Bytes.Length);
        }
        if (end > int.MaxValue) throw new EqmFormatException($"the model needs {end} bytes, more than an .eqm file may hold (2^31-1)");

        var file = new byte[end];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(MajorOffset), MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(MinorOffset), MinorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(SectionCountOffset), (uint)sections.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(FileLengthOffset), (ulong)end);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(EntrySizeOffset), EntrySize);
        for (int i = 0; i < sections.Length; i++)
        {
            var entry = file.AsSpan(HeaderSize + i * EntrySize, EntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryKindOffset..], (uint)sections[i].Kind);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[EntryOffsetOffset..], (ulong)offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[EntryLengthOffset..], (ulong)sections[i].Bytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[EntryAlignmentOffset..], SectionAlignment);
            sections[i].Bytes.Written.CopyTo(file.AsSpan((int)offsets[i]));
        }
        Seal(file);
        return file;
    }

    private static ByteSink Encode(Action<ByteSink> write)
    {
        var sink = new ByteSink();
        write(sink);
        return sink;
    }
}
