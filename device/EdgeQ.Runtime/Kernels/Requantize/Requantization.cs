using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Output side of a requantization (docs/quantization.md): zero point and the fused-activation clamp,
/// kept as the spec's float bounds lo = qmin - zp, hi = qmax - zp.</summary>
public readonly struct OutputQuant
{
    public readonly float Lo;
    public readonly float Hi;
    public readonly int ZeroPoint;

    public OutputQuant(int zeroPoint, int qmin = sbyte.MinValue, int qmax = sbyte.MaxValue)
    {
        if (zeroPoint is < sbyte.MinValue or > sbyte.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "output zero point must be in [-128, 127]");
        if (qmin < sbyte.MinValue || qmax > sbyte.MaxValue || qmin > qmax)
            throw new ArgumentException($"output clamp [{qmin}, {qmax}] must be a non-empty sub-range of [-128, 127]");
        Lo = qmin - zeroPoint;
        Hi = qmax - zeroPoint;
        ZeroPoint = zeroPoint;
    }

    public int QMin => (int)Lo + ZeroPoint;
    public int QMax => (int)Hi + ZeroPoint;
}

/// <summary>The one fp32 requantization every kernel family uses, in scalar and Vector128 form; both give the same
/// bytes (clamp before rounding, round half to even, add the zero point).</summary>
public static class Requantization
{
    /// <summary>m = float32(input_scale * weight_scale / output_scale), computed in double, rounded once.</summary>
    public static float Multiplier(double inputScale, double weightScale, double outputScale)
        => (float)(inputScale * weightScale / outputScale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte FromFloat(float v, in OutputQuant q)
        => (sbyte)((int)MathF.Round(MathF.Min(MathF.Max(v, q.Lo), q.Hi)) + q.ZeroPoint);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte FromAccumulator(int acc, float multiplier, in OutputQuant q) => FromFloat(acc * multiplier, q);

    // MinNative/MaxNative differ from Min/Max only for NaN and signed zeros, which cannot occur here or vanish in
    // the integer conversion; they map to single minps/fmin instructions.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> FromFloat(Vector128<float> v, in OutputQuant q)
        => Vector128.ConvertToInt32(Vector128.Round(
               Vector128.MinNative(Vector128.MaxNative(v, Vector128.Create(q.Lo)), Vector128.Create(q.Hi))))
           + Vector128.Create(q.ZeroPoint);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> FromAccumulator(Vector128<int> acc, Vector128<float> multiplier, in OutputQuant q)
        => FromFloat(Vector128.ConvertToSingle(acc) * multiplier, q);

    /// <summary>Narrows 16 requantized int32 lanes to int8; the values are already in [-128, 127], so the
    /// truncating narrow equals a saturating one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Narrow(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
        => Vector128.Narrow(Vector128.Narrow(a, b), Vector128.Narrow(c, d));

    /// <summary>16 accumulators with their 16 multipliers (at <paramref name="multipliers"/>) to 16 int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, ref float multipliers, in OutputQuant q)
        => Narrow(FromAccumulator(a0, Vector128.LoadUnsafe(ref multipliers, 0), q),
                  FromAccumulator(a1, Vector128.LoadUnsafe(ref multipliers, 4), q),
                  FromAccumulator(a2, Vector128.LoadUnsafe(ref multipliers, 8), q),
                  FromAccumulator(a3, Vector128.LoadUnsafe(ref multipliers, 12), q));

    /// <summary>16 accumulators sharing one multiplier to 16 int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, Vector128<float> multiplier, in OutputQuant q)
        => Narrow(FromAccumulator(a0, multiplier, q), FromAccumulator(a1, multiplier, q),
                  FromAccumulator(a2, multiplier, q), FromAccumulator(a3, multiplier, q));
}
