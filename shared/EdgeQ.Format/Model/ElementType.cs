namespace EdgeQ.Format;

/// <summary>Element types of tensors in an .eqm file (numbers as stored).</summary>
public enum ElementType : byte
{
    Int8 = 1,
    UInt8 = 2,
    Int32 = 3,
    Float32 = 4,
}

public static class ElementTypeExtensions
{
    public static int SizeInBytes(this ElementType type) => type switch
    {
        ElementType.Int8 or ElementType.UInt8 => 1,
        ElementType.Int32 or ElementType.Float32 => 4,
        _ => throw new EqmFormatException($"unknown element type {(byte)type}"),
    };

    /// <summary>Quantized 8-bit activations; the only types the integer kernels read and write.</summary>
    public static bool Is8Bit(this ElementType type) => type is ElementType.Int8 or ElementType.UInt8;

    /// <summary>Range of the stored integers, which bounds zero points and output clamps.</summary>
    public static (int Min, int Max) IntegerRange(this ElementType type) => type switch
    {
        ElementType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        ElementType.UInt8 => (byte.MinValue, byte.MaxValue),
        ElementType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new EqmFormatException($"element type {type} has no integer range"),
    };
}
