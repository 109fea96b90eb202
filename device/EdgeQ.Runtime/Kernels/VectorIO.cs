using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Partial loads and stores for the tails of vector loops, so no kernel reads or writes past its data.</summary>
internal static class VectorIO
{
    /// <summary>Loads <paramref name="count"/> (&lt;= 16) bytes; the remaining lanes are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> LoadPartial(ref sbyte src, nuint count)
    {
        Vector128<sbyte> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector128<sbyte>, byte>(ref v), ref Unsafe.As<sbyte, byte>(ref src), (uint)count);
        return v;
    }

    /// <summary>Stores the first <paramref name="count"/> (&lt;= 16) bytes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(Vector128<sbyte> v, ref sbyte dst, nuint count)
        => Unsafe.CopyBlockUnaligned(ref Unsafe.As<sbyte, byte>(ref dst), ref Unsafe.As<Vector128<sbyte>, byte>(ref v), (uint)count);

    /// <summary>Stores the low 4 bytes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector128<sbyte> v, ref sbyte dst)
        => Unsafe.WriteUnaligned(ref Unsafe.As<sbyte, byte>(ref dst), v.AsInt32().ToScalar());

    /// <summary>Sign-extends 16 int8 lanes to four int32 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<int>, Vector128<int>, Vector128<int>, Vector128<int>) WidenToInt32(Vector128<sbyte> v)
    {
        (Vector128<short> lo, Vector128<short> hi) = Vector128.Widen(v);
        (Vector128<int> a, Vector128<int> b) = Vector128.Widen(lo);
        (Vector128<int> c, Vector128<int> d) = Vector128.Widen(hi);
        return (a, b, c, d);
    }
}
