using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>16 elements at a time in four float32 lanes groups, then the reference for the tail.</summary>
internal static class BinaryVector128<TOp> where TOp : struct, IBinaryOp
{
    public static void Run(ref sbyte a, nint aStep, ref sbyte b, nint bStep, ref sbyte o, nint count, in BinaryQuant q)
    {
        // Locals, not q's fields: the stores through o would make the JIT reload those every iteration.
        BinaryQuant quant = q;
        int zeroPointA = q.ZeroPointA, zeroPointB = q.ZeroPointB;
        var output = new VectorQuant(q.Output);
        nint i = 0;
        for (; i + 16 <= count; i += 16)
        {
            Floats16 x = Floats16.Load(ref Unsafe.Add(ref a, i * aStep), aStep, zeroPointA);
            Floats16 y = Floats16.Load(ref Unsafe.Add(ref b, i * bStep), bStep, zeroPointB);
            Requantization.FromFloats(TOp.Invoke(x.F0, y.F0, quant), TOp.Invoke(x.F1, y.F1, quant), TOp.Invoke(x.F2, y.F2, quant),
                TOp.Invoke(x.F3, y.F3, quant), output).StoreUnsafe(ref o, (nuint)i);
        }
        BinaryReference<TOp>.Run(ref Unsafe.Add(ref a, i * aStep), aStep, ref Unsafe.Add(ref b, i * bStep), bStep,
            ref Unsafe.Add(ref o, i), count - i, q);
    }
}

/// <summary>16 int8 values minus their zero point as float32 (exact), or one broadcast value when step is 0.</summary>
internal readonly struct Floats16
{
    public readonly Vector128<float> F0, F1, F2, F3;

    private Floats16(Vector128<float> f0, Vector128<float> f1, Vector128<float> f2, Vector128<float> f3)
    {
        F0 = f0; F1 = f1; F2 = f2; F3 = f3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Floats16 Load(ref sbyte src, nint step, int zeroPoint)
    {
        if (step == 0)
        {
            Vector128<float> v = Vector128.Create((float)(src - zeroPoint));
            return new Floats16(v, v, v, v);
        }
        return FromInt8(Vector128.LoadUnsafe(ref src), zeroPoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Floats16 FromInt8(Vector128<sbyte> v, int zeroPoint)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            // x - zp as int16 in one widening subtract per half (exact: both are int8), then widened to int32; the
            // upper half first, so the lower half's GetLower is v's last use (no register copy).
            Vector128<short> high = AdvSimd.SubtractWideningUpper(v, Vector128.Create((sbyte)zeroPoint));
            Vector128<short> low = AdvSimd.SubtractWideningLower(v.GetLower(), Vector64.Create((sbyte)zeroPoint));
            return new Floats16(AdvSimd.ConvertToSingle(AdvSimd.SignExtendWideningLower(low.GetLower())),
                AdvSimd.ConvertToSingle(AdvSimd.SignExtendWideningUpper(low)),
                AdvSimd.ConvertToSingle(AdvSimd.SignExtendWideningLower(high.GetLower())),
                AdvSimd.ConvertToSingle(AdvSimd.SignExtendWideningUpper(high)));
        }
        (Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d) = VectorIO.WidenToInt32(v);
        Vector128<int> zp = Vector128.Create(zeroPoint);
        return new Floats16(Vector128.ConvertToSingle(a - zp), Vector128.ConvertToSingle(b - zp),
            Vector128.ConvertToSingle(c - zp), Vector128.ConvertToSingle(d - zp));
    }
}
