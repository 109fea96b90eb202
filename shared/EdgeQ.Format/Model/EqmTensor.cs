namespace EdgeQ.Format;

/// <summary>
/// One tensor of the graph (always NHWC for activations). A constant carries its bytes in <see cref="Data"/>
/// (little-endian, row-major); when the model comes from <see cref="EqmFile"/> they point into the memory map.
/// </summary>
public sealed record EqmTensor(
    string Name,
    ElementType ElementType,
    EquatableArray<int> Shape,
    EqmQuantization? Quantization = null,
    ReadOnlyMemory<byte> Data = default)
{
    /// <summary>Constants always have bytes: every dimension is at least 1, so no valid tensor is empty.</summary>
    public bool IsConstant => !Data.IsEmpty;

    public bool Equals(EqmTensor? other) =>
        other is not null
        && Name == other.Name
        && ElementType == other.ElementType
        && Shape == other.Shape
        && Equals(Quantization, other.Quantization)
        && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => HashCode.Combine(Name, ElementType, Shape, Quantization, Data.Length);

    public override string ToString() => $"'{Name}' {ElementType}{Shape}{(IsConstant ? " const" : "")}";
}
