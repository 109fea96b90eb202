using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>x86 AVX-VNNI 4x16 tile, K in groups of 4: each 32-byte weight vector holds 8 channels x 4 k; VPDPBUSD
/// multiplies it with one broadcast 4-byte group of an input row and adds the four products into int32.
/// VPDPBUSD takes its first operand unsigned, so inputs enter as x + 128 (the sign bit flipped) and packing folds
/// -128 * sum(w) into the bias (<see cref="GemmTile.InputOffset"/>): exact integer arithmetic, the same bytes.</summary>
internal struct Gemm4x16c4AvxVnni : IGemmMicrokernel
{
    public static GemmTile Tile => new(4, 16, 4, InputOffset: 128);

    public static void Run(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        // A tile of at most 8 valid channels (the 8-channel first layer of MobileNet-0.25, N mod 16 <= 8 tails, the
        // 2-column rows of a transposed conv) needs only the low weight vector: half the VPDPBUSD and requantization.
        if (cols <= 8) Compute<Width8>(ref a, lda, rows, ref w, k, ref bias, ref multipliers, output, ref c, ldc, cols);
        else Compute<Width16>(ref a, lda, rows, ref w, k, ref bias, ref multipliers, output, ref c, ldc, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compute<TWidth>(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols) where TWidth : struct, IBlockWidth
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        ref sbyte a2 = ref GemmDriver.TileRow(ref a, lda, rows, 2);
        ref sbyte a3 = ref GemmDriver.TileRow(ref a, lda, rows, 3);
        Vector256<int> b0 = Vector256.LoadUnsafe(ref bias, 0), b1 = Vector256.LoadUnsafe(ref bias, 8);
        Int32x2x8 r0 = new(b0, b1), r1 = r0, r2 = r0, r3 = r0;
        nint full = k & ~(nint)3, i = 0;
        for (; i < full; i += 4)
        {
            Vector256<sbyte> w0 = Vector256.LoadUnsafe(ref w, 0), w1 = Vector256.LoadUnsafe(ref w, 32);
            r0.Dot<TWidth>(Group(GemmDriver.ReadGroup(ref a0, i)), w0, w1);
            r1.Dot<TWidth>(Group(GemmDriver.ReadGroup(ref a1, i)), w0, w1);
            r2.Dot<TWidth>(Group(GemmDriver.ReadGroup(ref a2, i)), w0, w1);
            r3.Dot<TWidth>(Group(GemmDriver.ReadGroup(ref a3, i)), w0, w1);
            w = ref Unsafe.Add(ref w, 64);
        }
        if (i < k)
        {
            // K tail of 1-3: partial reads; the packed weights are zero beyond K, so the padding lanes add nothing.
            nuint rest = (nuint)(k - i);
            Vector256<sbyte> w0 = Vector256.LoadUnsafe(ref w, 0), w1 = Vector256.LoadUnsafe(ref w, 32);
            r0.Dot<TWidth>(Group(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a0, i), rest)), w0, w1);
            r1.Dot<TWidth>(Group(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a1, i), rest)), w0, w1);
            r2.Dot<TWidth>(Group(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a2, i), rest)), w0, w1);
            r3.Dot<TWidth>(Group(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a3, i), rest)), w0, w1);
        }
        if (TWidth.Eight) GemmDriver.Store4x8(r0.Lo, r1.Lo, r2.Lo, r3.Lo, rows, ref multipliers, output, ref c, ldc, cols);
        else GemmDriver.Store4x16(r0.Lo, r0.Hi, r1.Lo, r1.Hi, r2.Lo, r2.Hi, r3.Lo, r3.Hi, rows, ref multipliers, output, ref c, ldc, cols);
    }

    /// <summary>Four int8 inputs (one k group) broadcast to every 32-bit lane as x + 128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Group(int fourInputs)
        => (Vector256.Create(fourInputs) ^ Vector256.Create(unchecked((int)0x80808080))).AsByte();

    /// <summary>16 int32 accumulators of one row as two 8-lane vectors (channels 0-7, 8-15).</summary>
    private struct Int32x2x8(Vector256<int> lo, Vector256<int> hi)
    {
        public Vector256<int> Lo = lo, Hi = hi;

        /// <summary>Adds x times the weights of channels 0-7 (<paramref name="w0"/>) and, for a 16-wide tile, 8-15.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dot<TWidth>(Vector256<byte> x, Vector256<sbyte> w0, Vector256<sbyte> w1) where TWidth : struct, IBlockWidth
        {
            Lo = X86.AvxVnni.MultiplyWideningAndAdd(Lo, x, w0);
            if (!TWidth.Eight) Hi = X86.AvxVnni.MultiplyWideningAndAdd(Hi, x, w1);
        }
    }
}
