using EdgeQ.Format;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

/// <summary>
/// Per-tensor asymmetric int8 quantization of an activation, <c>real = Scale * (q - ZeroPoint)</c>
/// (docs/quantization.md): the range always contains 0 so that 0 (ReLU floors, padding) is exact.
/// </summary>
public readonly record struct AffineQuantization(float Scale, int ZeroPoint)
{
    public const int QMin = sbyte.MinValue, QMax = sbyte.MaxValue;

    /// <summary>Below this width a range is treated as constant; the scale must still be positive for the file.</summary>
    private const double MinimumRange = 1e-6;

    /// <summary>Scale and zero point covering [min, max], widened to include 0.</summary>
    public static AffineQuantization FromRange(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentException($"invalid activation range [{min}, {max}]");
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        float scale = (float)(Math.Max(max - min, MinimumRange) / (QMax - QMin));
        // The zero point is derived from the stored float scale, so dequantizing QMin gives min up to rounding.
        int zeroPoint = (int)Math.Clamp(Math.Round(QMin - min / scale, MidpointRounding.ToEven), QMin, QMax);
        return new AffineQuantization(scale, zeroPoint);
    }

    /// <summary>q = clamp(round_half_even(real / scale) + zero_point), as the device quantizes its input.</summary>
    public int Quantize(double real) =>
        (int)Math.Clamp(Math.Round(real / Scale, MidpointRounding.ToEven) + ZeroPoint, QMin, QMax);

    /// <summary>A float tensor as the int8 bytes the device is fed (<see cref="Quantize"/> per element).</summary>
    public sbyte[] QuantizeToInt8(ReadOnlySpan<float> reals)
    {
        var bytes = new sbyte[reals.Length];
        for (int i = 0; i < reals.Length; i++) bytes[i] = (sbyte)Quantize(reals[i]);
        return bytes;
    }

    public float Dequantize(int q) => Scale * (q - ZeroPoint);

    public double Min => Dequantize(QMin);
    public double Max => Dequantize(QMax);

    public EqmQuantization ToEqm() => EqmQuantization.PerTensor(Scale, ZeroPoint);

    /// <summary>
    /// The output clamp carrying a fused activation (quantization.md): ReLU = [zp, 127], ReLU6 and any Clip(a, b) =
    /// [zp + round(a / scale), zp + round(b / scale)] within int8. Other activations are not clamps (they become LUTs).
    /// </summary>
    public OutputClamp ClampFor(Activation activation) => activation.Kind switch
    {
        ActivationKind.None => OutputClamp.FullInt8,
        ActivationKind.Relu => new OutputClamp(ZeroPoint, QMax),
        ActivationKind.Clip => ClipClamp(activation.Alpha, activation.Beta),
        _ => throw new ArgumentException($"{activation} is not a clamp; it is lowered to a lookup table"),
    };

    private OutputClamp ClipClamp(float low, float high)
    {
        int qmin = float.IsNegativeInfinity(low) ? QMin : Level(low);
        int qmax = float.IsPositiveInfinity(high) ? QMax : Level(high);
        return new OutputClamp(qmin, Math.Max(qmin, qmax));
    }

    private int Level(float bound) => (int)Math.Clamp(ZeroPoint + Math.Round(bound / Scale, MidpointRounding.ToEven), QMin, QMax);

    /// <summary>True for activations the requantization clamp expresses exactly (the rest need a LUT).</summary>
    public static bool IsClamp(Activation activation) =>
        activation.Kind is ActivationKind.None or ActivationKind.Relu or ActivationKind.Clip;

    public override string ToString() => $"scale {Scale:G6} zp {ZeroPoint}";
}
