using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>x86 AVX2 lookup, 32 bytes per step, with VPSHUFB (a 16-entry lookup that gives 0 where the index's sign
/// bit is set). The table is two halves of eight 16-byte slices: entries 0-127 are indexed by in ^ 0x80 (= in + 128,
/// non-negative only for in &lt; 0), entries 128-255 by in itself (non-negative only for in &gt;= 0). Within a half,
/// slice k is stored XORed with slice k - 1, and each step looks up the next slice with the index lowered by 16
/// (saturating, so a negative index stays negative): an index i in [0, 128) hits slices 0..i/16, whose XOR
/// telescopes to entry i of slice i/16; the other half contributes only zeros.</summary>
internal static class LutC32Avx2
{
    private const int SliceBytes = 16, HighHalf = 8;

    public static void Run(ref sbyte table, ref sbyte src, ref sbyte dst, nint count)
    {
        // Locals, not an array: the loop is unrolled over the eight slices of each half (the JIT keeps what fits in
        // registers and reloads the rest from the stack).
        Vector256<sbyte> l0 = Delta(ref table, 0), l1 = Delta(ref table, 1), l2 = Delta(ref table, 2), l3 = Delta(ref table, 3);
        Vector256<sbyte> l4 = Delta(ref table, 4), l5 = Delta(ref table, 5), l6 = Delta(ref table, 6), l7 = Delta(ref table, 7);
        Vector256<sbyte> h0 = Delta(ref table, HighHalf), h1 = Delta(ref table, HighHalf + 1), h2 = Delta(ref table, HighHalf + 2);
        Vector256<sbyte> h3 = Delta(ref table, HighHalf + 3), h4 = Delta(ref table, HighHalf + 4), h5 = Delta(ref table, HighHalf + 5);
        Vector256<sbyte> h6 = Delta(ref table, HighHalf + 6), h7 = Delta(ref table, HighHalf + 7);
        Vector256<sbyte> signBit = Vector256.Create(sbyte.MinValue);
        nint i = 0;
        for (; i + 32 <= count; i += 32)
        {
            Vector256<sbyte> highIndex = Vector256.LoadUnsafe(ref src, (nuint)i), lowIndex = highIndex ^ signBit;
            Vector256<sbyte> result = Avx2.Shuffle(l0, lowIndex) ^ Avx2.Shuffle(h0, highIndex);
            result ^= NextSlice(l1, h1, ref lowIndex, ref highIndex);
            result ^= NextSlice(l2, h2, ref lowIndex, ref highIndex);
            result ^= NextSlice(l3, h3, ref lowIndex, ref highIndex);
            result ^= NextSlice(l4, h4, ref lowIndex, ref highIndex);
            result ^= NextSlice(l5, h5, ref lowIndex, ref highIndex);
            result ^= NextSlice(l6, h6, ref lowIndex, ref highIndex);
            result ^= NextSlice(l7, h7, ref lowIndex, ref highIndex);
            result.StoreUnsafe(ref dst, (nuint)i);
        }
        LutReference.Run(ref table, ref Unsafe.Add(ref src, i), ref Unsafe.Add(ref dst, i), count - i);
    }

    /// <summary>Both halves' lookups in their next slice, the indices first lowered by 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> NextSlice(Vector256<sbyte> low, Vector256<sbyte> high, ref Vector256<sbyte> lowIndex, ref Vector256<sbyte> highIndex)
    {
        Vector256<sbyte> step = Vector256.Create((sbyte)SliceBytes);
        lowIndex = Avx2.SubtractSaturate(lowIndex, step);
        highIndex = Avx2.SubtractSaturate(highIndex, step);
        return Avx2.Shuffle(low, lowIndex) ^ Avx2.Shuffle(high, highIndex);
    }

    /// <summary>Slice k of the table XOR slice k - 1 of the same half (slice 0 and 8 as they are), in both 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Delta(ref sbyte table, int k) =>
        Vector256.Create(k % HighHalf == 0 ? Slice(ref table, k) : Slice(ref table, k) ^ Slice(ref table, k - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Slice(ref sbyte table, int k) => Vector128.LoadUnsafe(ref table, (nuint)(k * SliceBytes));
}
