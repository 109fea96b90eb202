using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Partial loads and stores for the tails of vector loops, so no kernel reads or writes past its data.</summary>
internal static class VectorIO
{
    // The partial forms assemble 8-, 4-, 2- and 1-byte pieces (little-endian, as on x86-64 and ARM64): a
    // variable-length block copy would call memmove on every channel tail.

    /// <summary>Loads <paramref name="count"/> (&lt; 16) bytes; the remaining lanes are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> LoadPartial(ref sbyte src, nuint count)
    {
        ref byte p = ref Unsafe.As<sbyte, byte>(ref src);
        return count >= 8
            ? Vector128.Create(Unsafe.ReadUnaligned<ulong>(ref p), ReadBelow8(ref Unsafe.Add(ref p, 8), count - 8)).AsSByte()
            : Vector128.CreateScalar(ReadBelow8(ref p, count)).AsSByte();
    }

    /// <summary>Loads <paramref name="count"/> (&lt;= 8) bytes into a 64-bit vector; the remaining lanes are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<sbyte> LoadPartial8(ref sbyte src, nuint count)
    {
        ref byte p = ref Unsafe.As<sbyte, byte>(ref src);
        return Vector64.Create(count == 8 ? Unsafe.ReadUnaligned<ulong>(ref p) : ReadBelow8(ref p, count)).AsSByte();
    }

    /// <summary>Stores the first <paramref name="count"/> (&lt; 16) bytes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(Vector128<sbyte> v, ref sbyte dst, nuint count)
    {
        ref byte p = ref Unsafe.As<sbyte, byte>(ref dst);
        Vector128<ulong> halves = v.AsUInt64();
        if (count >= 8)
        {
            Unsafe.WriteUnaligned(ref p, halves.ToScalar());
            WriteBelow8(ref Unsafe.Add(ref p, 8), halves.GetElement(1), count - 8);
        }
        else
        {
            WriteBelow8(ref p, halves.ToScalar(), count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadBelow8(ref byte p, nuint count)
    {
        ulong value = 0;
        int shift = 0;
        if ((count & 4) != 0) { value = Unsafe.ReadUnaligned<uint>(ref p); p = ref Unsafe.Add(ref p, 4); shift = 32; }
        if ((count & 2) != 0) { value |= (ulong)Unsafe.ReadUnaligned<ushort>(ref p) << shift; p = ref Unsafe.Add(ref p, 2); shift += 16; }
        if ((count & 1) != 0) value |= (ulong)p << shift;
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteBelow8(ref byte p, ulong value, nuint count)
    {
        if ((count & 4) != 0) { Unsafe.WriteUnaligned(ref p, (uint)value); p = ref Unsafe.Add(ref p, 4); value >>= 32; }
        if ((count & 2) != 0) { Unsafe.WriteUnaligned(ref p, (ushort)value); p = ref Unsafe.Add(ref p, 2); value >>= 16; }
        if ((count & 1) != 0) p = (byte)value;
    }

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
