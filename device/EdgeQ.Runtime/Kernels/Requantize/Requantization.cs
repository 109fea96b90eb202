using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
        => FromFloat(v, Vector128.Create(q.Lo), Vector128.Create(q.Hi), Vector128.Create(q.ZeroPoint));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> FromAccumulator(Vector128<int> acc, Vector128<float> multiplier, in OutputQuant q)
        => FromFloat(Vector128.ConvertToSingle(acc) * multiplier, q);

    /// <summary>Narrows 16 requantized int32 lanes to int8; the values are already in [-128, 127], so the
    /// truncating narrow equals a saturating one (x86: PACKSSDW/PACKSSWB, one instruction each, where the portable
    /// truncating narrow masks every input first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Narrow(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
    {
        if (Sse2.IsSupported) return Sse2.PackSignedSaturate(Sse2.PackSignedSaturate(a, b), Sse2.PackSignedSaturate(c, d));
        return Vector128.Narrow(Vector128.Narrow(a, b), Vector128.Narrow(c, d));
    }

    /// <summary>16 accumulators with their 16 multipliers (at <paramref name="multipliers"/>) to 16 int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, ref float multipliers, in OutputQuant q)
        => FromAccumulators(a0, a1, a2, a3, ref multipliers, new VectorQuant(q));

    /// <summary>16 accumulators with their 16 multipliers to 16 int8, with the constants broadcast beforehand.
    /// ARM64 rounds while converting (FCVTNS) and clamps after saturating narrows: for integer bounds
    /// clamp-then-round equals round-then-clamp, and every saturation step is monotone and lands at or beyond the
    /// bound it is clamped to, so the bytes equal the float clamp's. x86 with AVX2 takes the 256-bit form below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, ref float multipliers, in VectorQuant q)
        => Avx2.IsSupported
            ? FromAccumulators(Vector256.Create(a0, a1), Vector256.Create(a2, a3), ref multipliers, q)
            : FromAccumulators(a0, a1, a2, a3, Vector128.LoadUnsafe(ref multipliers, 0), Vector128.LoadUnsafe(ref multipliers, 4),
                Vector128.LoadUnsafe(ref multipliers, 8), Vector128.LoadUnsafe(ref multipliers, 12), q);

    /// <summary>The same with the multipliers already in registers (kernels that keep them across a pixel loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, Vector128<float> m0, Vector128<float> m1, Vector128<float> m2, Vector128<float> m3, in VectorQuant q)
        => FromFloats(Vector128.ConvertToSingle(a0) * m0, Vector128.ConvertToSingle(a1) * m1,
            Vector128.ConvertToSingle(a2) * m2, Vector128.ConvertToSingle(a3) * m3, q);

    /// <summary>16 scaled values to 16 int8 (clamp, round half to even, add the zero point), with the constants
    /// broadcast beforehand; on ARM64 in the accumulator form's steps (see above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromFloats(Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3, in VectorQuant q)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            Vector128<sbyte> bytes = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(ShiftedInt16(v0, v1, q)), ShiftedInt16(v2, v3, q));
            return AdvSimd.Min(AdvSimd.Max(bytes, q.QMin), q.QMax);
        }
        return Narrow(FromFloat(v0, q), FromFloat(v1, q), FromFloat(v2, q), FromFloat(v3, q));
    }

    /// <summary>x86 AVX2: 16 accumulators as two 8-lane vectors (channels 0-7 and 8-15) with their 16 multipliers to 16
    /// int8: per lane the same float steps as the 4-lane form, in half the instructions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector256<int> lo, Vector256<int> hi, ref float multipliers, in VectorQuant q)
        => FromFloats(Vector256.ConvertToSingle(lo) * Vector256.LoadUnsafe(ref multipliers, 0),
                      Vector256.ConvertToSingle(hi) * Vector256.LoadUnsafe(ref multipliers, 8), q);

    /// <summary>x86 AVX2: 16 scaled values (elements 0-7 and 8-15) clamped, rounded, shifted and narrowed to int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromFloats(Vector256<float> lo, Vector256<float> hi, in VectorQuant q)
    {
        Vector256<int> r0 = FromFloat(lo, q), r1 = FromFloat(hi, q);
        // VPACKSSDW packs within 128-bit lanes (elements 0-3, 8-11 | 4-7, 12-15); VPERMQ puts the quarters in order.
        Vector256<short> packed = Avx2.Permute4x64(Avx2.PackSignedSaturate(r0, r1).AsInt64(), 0b11_01_10_00).AsInt16();
        return Sse2.PackSignedSaturate(packed.GetLower(), packed.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> FromFloat(Vector256<float> v, in VectorQuant q)
        => Vector256.ConvertToInt32(Vector256.Round(Vector256.MinNative(Vector256.MaxNative(v, q.Lo256), q.Hi256))) + q.ZeroPoint256;

    /// <summary>8 accumulators with their 8 multipliers to 8 int8 in the low half (the high half is not defined).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators8(Vector128<int> a0, Vector128<int> a1, ref float multipliers, in VectorQuant q)
        => FromAccumulators8(a0, a1, Vector128.LoadUnsafe(ref multipliers, 0), Vector128.LoadUnsafe(ref multipliers, 4), q);

    /// <summary>The same with the multipliers already in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators8(Vector128<int> a0, Vector128<int> a1, Vector128<float> m0, Vector128<float> m1, in VectorQuant q)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            // Clamped as 16 lanes: QMin.GetLower() would cost a register copy per call, and the high half is unused.
            Vector128<short> shifted = ShiftedInt16(AdvSimd.ConvertToSingle(a0) * m0, AdvSimd.ConvertToSingle(a1) * m1, q);
            Vector128<sbyte> bytes = AdvSimd.ExtractNarrowingSaturateLower(shifted).ToVector128Unsafe();
            return AdvSimd.Min(AdvSimd.Max(bytes, q.QMin), q.QMax);
        }
        return Narrow(FromFloat(Vector128.ConvertToSingle(a0) * m0, q), FromFloat(Vector128.ConvertToSingle(a1) * m1, q), default, default);
    }

    /// <summary>ARM64: 8 scaled lanes rounded to int32 (FCVTNS), saturated to int16 and shifted by the zero point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> ShiftedInt16(Vector128<float> v0, Vector128<float> v1, in VectorQuant q)
    {
        Vector128<int> r0 = AdvSimd.ConvertToInt32RoundToEven(v0);
        Vector128<int> r1 = AdvSimd.ConvertToInt32RoundToEven(v1);
        return AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(r0), r1), q.ZeroPoint16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> FromFloat(Vector128<float> v, in VectorQuant q) => FromFloat(v, q.Lo, q.Hi, q.ZeroPoint);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> FromFloat(Vector128<float> v, Vector128<float> lo, Vector128<float> hi, Vector128<int> zeroPoint)
        => Vector128.ConvertToInt32(Vector128.Round(Vector128.MinNative(Vector128.MaxNative(v, lo), hi))) + zeroPoint;

    /// <summary>16 accumulators sharing one multiplier to 16 int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> FromAccumulators(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2,
        Vector128<int> a3, Vector128<float> multiplier, in OutputQuant q)
        => Narrow(FromAccumulator(a0, multiplier, q), FromAccumulator(a1, multiplier, q),
                  FromAccumulator(a2, multiplier, q), FromAccumulator(a3, multiplier, q));
}

/// <summary>An <see cref="OutputQuant"/> broadcast to vectors once, before a kernel's pixel or tile loop, so the
/// requantization of each pixel or tile does not broadcast the bounds and zero point again.</summary>
public readonly struct VectorQuant
{
    /// <summary>Float clamp bounds and the int32 zero point (the portable form).</summary>
    public readonly Vector128<float> Lo, Hi;
    public readonly Vector128<int> ZeroPoint;
    /// <summary>x86 AVX2: the same in 256-bit registers.</summary>
    public readonly Vector256<float> Lo256, Hi256;
    public readonly Vector256<int> ZeroPoint256;
    /// <summary>ARM64 form: the zero point as int16, the clamp as int8 (qmin, qmax).</summary>
    public readonly Vector128<short> ZeroPoint16;
    public readonly Vector128<sbyte> QMin, QMax;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VectorQuant(in OutputQuant q)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            ZeroPoint16 = Vector128.Create((short)q.ZeroPoint);
            QMin = Vector128.Create((sbyte)q.QMin);
            QMax = Vector128.Create((sbyte)q.QMax);
        }
        else
        {
            Lo = Vector128.Create(q.Lo);
            Hi = Vector128.Create(q.Hi);
            ZeroPoint = Vector128.Create(q.ZeroPoint);
            if (Avx2.IsSupported)
            {
                Lo256 = Vector256.Create(q.Lo);
                Hi256 = Vector256.Create(q.Hi);
                ZeroPoint256 = Vector256.Create(q.ZeroPoint);
            }
        }
    }
}
