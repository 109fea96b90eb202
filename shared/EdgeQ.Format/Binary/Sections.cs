namespace EdgeQ.Format.Binary;

/// <summary>
/// The bytes of each section (docs/format.md, Sections); for each one the encoder and the decoder sit side by side
/// so their field order can be checked at a glance.
/// </summary>
internal static class Sections
{
    public static void WriteMetadata(EqmMetadata metadata, ByteSink sink)
    {
        sink.String(metadata.Name);
        sink.String(metadata.Producer);
        sink.String(metadata.Board);
        sink.Count(metadata.Options.Count);
        foreach (var option in metadata.Options)
        {
            sink.String(option.Key);
            sink.String(option.Value);
        }
    }

    public static EqmMetadata ReadMetadata(ref SpanReader r)
    {
        string name = r.String("name"), producer = r.String("producer"), board = r.String("board");
        var options = new MetadataOption[r.Count("options", 8)];
        for (int i = 0; i < options.Length; i++) options[i] = new MetadataOption(r.String("option key"), r.String("option value"));
        r.End();
        return new EqmMetadata(name, producer, board, options);
    }

    public static void WriteInput(EqmInputSpec input, ByteSink sink)
    {
        var p = input.Preprocessing;
        sink.I32(input.Tensor);
        sink.U8((byte)input.Layout);
        sink.U8((byte)p.ColorOrder);
        sink.U8((byte)p.ResizeMode);
        sink.U8(0);
        sink.F32(p.CropFraction);
        sink.F32List(p.Mean.AsSpan());
        sink.F32List(p.Std.AsSpan());
    }

    public static EqmInputSpec ReadInput(ref SpanReader r)
    {
        int tensor = r.I32("tensor");
        var layout = (TensorLayout)r.U8("layout");
        var colorOrder = (ColorOrder)r.U8("colour order");
        var resizeMode = (ResizeMode)r.U8("resize mode");
        r.U8("reserved");
        float crop = r.F32("crop fraction");
        var mean = r.F32Array(r.Count("mean", 4), "mean");
        var std = r.F32Array(r.Count("std", 4), "std");
        r.End();
        return new EqmInputSpec(tensor, new ImagePreprocessing(colorOrder, resizeMode, crop, mean, std), layout);
    }

    public static void WriteOutputs(EquatableArray<EqmOutputSpec> outputs, ByteSink sink) =>
        WriteRecords(outputs.Count, sink, i =>
        {
            sink.I32(outputs[i].Tensor);
            sink.Count(outputs[i].Labels.Count);
            foreach (string label in outputs[i].Labels) sink.String(label);
        });

    public static EqmOutputSpec[] ReadOutputs(ref SpanReader r)
    {
        var outputs = ReadRecords(ref r, "outputs", "output", (ref SpanReader record) =>
        {
            int tensor = record.I32("tensor");
            var labels = new string[record.Count("labels", 4)];
            for (int k = 0; k < labels.Length; k++) labels[k] = record.String("labels");
            return new EqmOutputSpec(tensor, labels);
        });
        r.End();
        return outputs;
    }

    private const byte ConstantTensorFlag = 1;

    /// <param name="blobOffsets">Offset of each constant's data in the Blobs section (ignored for the others).</param>
    public static void WriteTensors(EquatableArray<EqmTensor> tensors, long[] blobOffsets, ByteSink sink) =>
        WriteRecords(tensors.Count, sink, i =>
        {
            var t = tensors[i];
            sink.String(t.Name);
            sink.U8((byte)t.ElementType);
            sink.U8((byte)t.Shape.Count);
            sink.U8(t.IsConstant ? ConstantTensorFlag : (byte)0);
            sink.U8(0);
            foreach (int dim in t.Shape) sink.I32(dim);
            sink.I32(t.Quantization?.Axis ?? EqmQuantization.PerTensorAxis);
            sink.F32List(t.Quantization is { } q ? q.Scales.AsSpan() : []);
            foreach (int zeroPoint in t.Quantization?.ZeroPoints ?? default) sink.I32(zeroPoint);
            sink.U64(t.IsConstant ? (ulong)blobOffsets[i] : 0);
            sink.U64((ulong)t.Data.Length);
        });

    /// <param name="blobs">The Blobs section; constants' data are slices of it (no copy).</param>
    public static EqmTensor[] ReadTensors(ref SpanReader r, ReadOnlyMemory<byte> blobs)
    {
        var tensors = ReadRecords(ref r, "tensors", "tensor", (ref SpanReader record) =>
        {
            string name = record.String("name");
            var type = (ElementType)record.U8("element type");
            int rank = record.U8("rank");
            bool constant = (record.U8("flags") & ConstantTensorFlag) != 0;
            record.U8("reserved");
            var shape = record.I32Array(rank, "shape");
            int axis = record.I32("quantization axis");
            var scales = record.F32Array(record.Count("scales", 8), "scales");
            var zeroPoints = record.I32Array(scales.Length, "zero points");
            var data = BlobSlice(blobs, record.U64("blob offset"), record.U64("blob length"), constant);
            if (scales.Length == 0 && axis != EqmQuantization.PerTensorAxis)
                throw new EqmFormatException($"field 'quantization axis': {axis} given for a tensor without scales");
            var quantization = scales.Length == 0 ? null : new EqmQuantization(scales, zeroPoints, axis);
            return new EqmTensor(name, type, shape, quantization, data);
        });
        r.End();
        return tensors;
    }

    private static ReadOnlyMemory<byte> BlobSlice(ReadOnlyMemory<byte> blobs, ulong offset, ulong length, bool constant)
    {
        if (!constant)
        {
            return offset == 0 && length == 0
                ? default
                : throw new EqmFormatException($"field 'blob offset': a non-constant tensor has blob offset {offset}, length {length}");
        }
        if (length == 0) throw new EqmFormatException("field 'blob length': a constant has no bytes");
        if (offset % EqmLayout.BlobAlignment != 0)
            throw new EqmFormatException($"field 'blob offset': {offset} is not a multiple of {EqmLayout.BlobAlignment}");
        if (offset > (ulong)blobs.Length || length > (ulong)blobs.Length - offset)
            throw new EqmFormatException($"field 'blob length': blob [{offset}, +{length}) ends outside the {blobs.Length}-byte Blobs section");
        return blobs.Slice((int)offset, (int)length);
    }

    public static void WriteOperators(EquatableArray<EqmOperator> operators, ByteSink sink) =>
        WriteRecords(operators.Count, sink, i =>
        {
            sink.U32((uint)operators[i].Kind);
            sink.I32List(operators[i].Inputs.AsSpan());
            sink.I32List(operators[i].Outputs.AsSpan());
            OpParamsCodec.Write(operators[i].Params, sink);
        });

    public static EqmOperator[] ReadOperators(ref SpanReader r)
    {
        var operators = ReadRecords(ref r, "operators", "op", (ref SpanReader record) =>
        {
            uint kind = record.U32("kind");
            var inputs = record.I32Array(record.Count("inputs", 4), "inputs");
            var outputs = record.I32Array(record.Count("outputs", 4), "outputs");
            var parameters = OpParamsCodec.Read(kind, ref record);
            return new EqmOperator(parameters, inputs, outputs);
        });
        r.End();
        return operators;
    }

    /// <summary>A <c>list&lt;record&gt;</c>: the count, then each item as a size-prefixed record.</summary>
    private static void WriteRecords(int count, ByteSink sink, Action<int> writeItem)
    {
        sink.Count(count);
        for (int i = 0; i < count; i++)
        {
            int record = sink.BeginRecord();
            writeItem(i);
            sink.EndRecord(record);
        }
    }

    private delegate T RecordReader<T>(ref SpanReader record);

    /// <summary>Reads a <c>list&lt;record&gt;</c>; each record must end where its fields do, and errors name the item.</summary>
    private static T[] ReadRecords<T>(ref SpanReader r, string listField, string itemName, RecordReader<T> read)
    {
        var items = new T[r.Count(listField, 4)];
        for (int i = 0; i < items.Length; i++)
        {
            string what = $"{itemName} {i}";
            try
            {
                var record = r.Record();
                items[i] = read(ref record);
                record.End();
            }
            catch (EqmFormatException e)
            {
                throw e.At(what);
            }
        }
        return items;
    }
}
