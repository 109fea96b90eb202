namespace EdgeQ.Format;

/// <summary>Size arithmetic on shapes, checked so no file can overflow it.</summary>
public static class Shapes
{
    public const int MaxRank = 8;

    /// <summary>Element count as a long; throws when it exceeds int.MaxValue (a span cannot hold more).</summary>
    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int dim in shape)
        {
            if (dim < 1) throw new EqmFormatException($"dimension {dim} in shape {Format(shape)} is not positive");
            count *= dim;
            if (count > int.MaxValue) throw new EqmFormatException($"shape {Format(shape)} has more than 2^31-1 elements");
        }
        return count;
    }

    public static string Format(ReadOnlySpan<int> shape) => $"[{string.Join(", ", shape.ToArray())}]";

    /// <summary>Byte size of a tensor, at most int.MaxValue.</summary>
    public static int ByteSize(ReadOnlySpan<int> shape, ElementType type)
    {
        long bytes = ElementCount(shape) * type.SizeInBytes();
        return bytes <= int.MaxValue
            ? (int)bytes
            : throw new EqmFormatException($"{type} shape {Format(shape)} needs more than 2^31-1 bytes");
    }
}
