using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>x86 AVX2 Add/Mul: 16 elements per step as two 8-lane float vectors (VPMOVSXBD, the op's float steps,
/// the 256-bit requantization), then the reference for the tail. Per lane the same float arithmetic as the
/// reference, so the same bytes.</summary>
internal static class BinaryAvx2<TOp> where TOp : struct, IBinaryOp
{
    public static void Run(ref sbyte a, nint aStep, ref sbyte b, nint bStep, ref sbyte o, nint count, in BinaryQuant q)
    {
        var output = new VectorQuant(q.Output);
        nint i = 0;
        for (; i + 16 <= count; i += 16)
        {
            (Vector256<float> x0, Vector256<float> x1) = Load(ref Unsafe.Add(ref a, i * aStep), aStep, q.ZeroPointA);
            (Vector256<float> y0, Vector256<float> y1) = Load(ref Unsafe.Add(ref b, i * bStep), bStep, q.ZeroPointB);
            Requantization.FromFloats(TOp.Invoke(x0, y0, q), TOp.Invoke(x1, y1, q), output).StoreUnsafe(ref o, (nuint)i);
        }
        BinaryReference<TOp>.Run(ref Unsafe.Add(ref a, i * aStep), aStep, ref Unsafe.Add(ref b, i * bStep), bStep,
            ref Unsafe.Add(ref o, i), count - i, q);
    }

    /// <summary>16 int8 values minus their zero point as float32 (exact), or one broadcast value when step is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>) Load(ref sbyte src, nint step, int zeroPoint)
    {
        if (step == 0)
        {
            Vector256<float> v = Vector256.Create((float)(src - zeroPoint));
            return (v, v);
        }
        Vector128<sbyte> bytes = Vector128.LoadUnsafe(ref src);
        Vector256<int> zp = Vector256.Create(zeroPoint);
        return (Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(bytes) - zp),
                Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(bytes, 8)) - zp));
    }
}
