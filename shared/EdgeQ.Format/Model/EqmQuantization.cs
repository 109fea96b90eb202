namespace EdgeQ.Format;

/// <summary>
/// <c>real = scale * (q - zero_point)</c>, per tensor (<see cref="Axis"/> = -1, one scale) or per channel along
/// <see cref="Axis"/> (one scale and zero point per index of that dimension).
/// </summary>
public sealed record EqmQuantization(EquatableArray<float> Scales, EquatableArray<int> ZeroPoints, int Axis = -1)
{
    public const int PerTensorAxis = -1;

    public bool IsPerChannel => Axis != PerTensorAxis;

    public static EqmQuantization PerTensor(float scale, int zeroPoint) => new([scale], [zeroPoint]);

    /// <summary>Symmetric per-channel quantization (zero points 0), the form weights take.</summary>
    public static EqmQuantization PerChannel(int axis, ReadOnlySpan<float> scales) =>
        new(EquatableArray.Create(scales), EquatableArray.Create<int>(new int[scales.Length]), axis);
}
