using System.Buffers.Binary;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx.Proto;
using DataType = EdgeQ.Host.Onnx.Proto.TensorProto.Types.DataType;

namespace EdgeQ.Host.Onnx;

/// <summary>Converts ONNX TensorProtos (raw_data or typed fields) to IR tensors: floats to float32, integers to int64.</summary>
internal static class TensorReader
{
    public static ElementType? ElementTypeOf(int onnxType) => (DataType)onnxType switch
    {
        DataType.Float or DataType.Float16 or DataType.Double or DataType.Bfloat16 => ElementType.Float32,
        DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16
            or DataType.Uint32 or DataType.Uint64 or DataType.Bool => ElementType.Int64,
        _ => null,
    };

    public static TensorData Read(TensorProto tensor)
    {
        string name = tensor.Name.Length > 0 ? $"tensor '{tensor.Name}'" : "a constant tensor";
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new OnnxImportException($"{name} keeps its data in an external file; EdgeQ reads self-contained .onnx files only " +
                "(re-save with onnx.save_model(model, path, save_as_external_data=False))");
        int[] shape = tensor.Dims.Select(d => checked((int)d)).ToArray();
        int count = Shapes.Size(shape);
        var raw = tensor.RawData.Span;
        var type = (DataType)tensor.DataType;
        switch (type)
        {
            case DataType.Float:
                return TensorData.FromFloats(shape, raw.Length > 0 ? Decode(raw, 4, count, b => BinaryPrimitives.ReadSingleLittleEndian(b)) : [.. tensor.FloatData]);
            case DataType.Double:
                return TensorData.FromFloats(shape, raw.Length > 0 ? Decode(raw, 8, count, b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b)) : tensor.DoubleData.Select(d => (float)d).ToArray());
            case DataType.Float16:
                // float16 arrives as raw little-endian halves or as bit patterns in int32_data.
                return TensorData.FromFloats(shape, raw.Length > 0
                    ? Decode(raw, 2, count, b => (float)BinaryPrimitives.ReadHalfLittleEndian(b))
                    : tensor.Int32Data.Select(bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray());
            case DataType.Bfloat16:
                return TensorData.FromFloats(shape, raw.Length > 0
                    ? Decode(raw, 2, count, b => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16))
                    : tensor.Int32Data.Select(bits => BitConverter.Int32BitsToSingle(bits << 16)).ToArray());
            case DataType.Int64:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 8, count, b => BinaryPrimitives.ReadInt64LittleEndian(b)) : [.. tensor.Int64Data]);
            case DataType.Int32:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 4, count, b => (long)BinaryPrimitives.ReadInt32LittleEndian(b)) : tensor.Int32Data.Select(v => (long)v).ToArray());
            case DataType.Uint32:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 4, count, b => (long)BinaryPrimitives.ReadUInt32LittleEndian(b)) : tensor.Uint64Data.Select(v => (long)v).ToArray());
            case DataType.Uint64:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 8, count, b => (long)BinaryPrimitives.ReadUInt64LittleEndian(b)) : tensor.Uint64Data.Select(v => (long)v).ToArray());
            case DataType.Int16:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 2, count, b => (long)BinaryPrimitives.ReadInt16LittleEndian(b)) : tensor.Int32Data.Select(v => (long)v).ToArray());
            case DataType.Uint16:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 2, count, b => (long)BinaryPrimitives.ReadUInt16LittleEndian(b)) : tensor.Int32Data.Select(v => (long)v).ToArray());
            case DataType.Int8:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 1, count, b => (long)(sbyte)b[0]) : tensor.Int32Data.Select(v => (long)v).ToArray());
            case DataType.Uint8 or DataType.Bool:
                return TensorData.FromLongs(shape, raw.Length > 0 ? Decode(raw, 1, count, b => (long)b[0]) : tensor.Int32Data.Select(v => (long)v).ToArray());
            default:
                throw new OnnxImportException($"{name} has data type {type}, which EdgeQ does not read (float, float16, double, integers and bool only)");
        }
    }

    private delegate T ElementDecoder<T>(ReadOnlySpan<byte> bytes);

    private static T[] Decode<T>(ReadOnlySpan<byte> raw, int elementSize, int count, ElementDecoder<T> decode)
    {
        if (raw.Length != elementSize * count)
            throw new OnnxImportException($"raw_data holds {raw.Length} bytes, {count} elements need {elementSize * count}");
        var result = new T[count];
        for (int i = 0; i < count; i++) result[i] = decode(raw.Slice(i * elementSize, elementSize));
        return result;
    }
}
