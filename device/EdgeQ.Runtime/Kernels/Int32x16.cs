using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>16 int32 accumulators (16 output channels), kept in registers through a kernel's inner loop.</summary>
internal struct Int32x16
{
    public Vector128<int> C0, C1, C2, C3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int32x16 Load(ref int src) => new()
    {
        C0 = Vector128.LoadUnsafe(ref src, 0), C1 = Vector128.LoadUnsafe(ref src, 4),
        C2 = Vector128.LoadUnsafe(ref src, 8), C3 = Vector128.LoadUnsafe(ref src, 12),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref int dst)
    {
        C0.StoreUnsafe(ref dst, 0); C1.StoreUnsafe(ref dst, 4);
        C2.StoreUnsafe(ref dst, 8); C3.StoreUnsafe(ref dst, 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
    {
        C0 += a; C1 += b; C2 += c; C3 += d;
    }

    /// <summary>Requantizes the low 8 accumulators with their 8 multipliers into the low 8 bytes (the high 8 are not defined).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector128<sbyte> Requantize8(ref float multipliers, in VectorQuant q)
        => Requantization.FromAccumulators8(C0, C1, ref multipliers, q);

    /// <summary>Requantizes the 16 accumulators with their 16 multipliers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector128<sbyte> Requantize(ref float multipliers, in VectorQuant q)
        => Requantization.FromAccumulators(C0, C1, C2, C3, ref multipliers, q);
}
