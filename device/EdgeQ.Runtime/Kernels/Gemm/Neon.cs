using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 AdvSimd 2x8 tile for cores without SDOT (Cortex-A72), K in groups of 16 per channel: SMULL multiplies
/// the low 8 bytes into int16, SMLAL adds the high 8 bytes' products (two products fit int16 because weights avoid
/// -128), SADALP adds adjacent int16 pairs into int32 partial sums; a pairwise-add tree reduces them at the end.
/// Inputs and weights are loaded as 8-byte halves, so no instruction is spent splitting a 16-byte register.</summary>
internal struct Gemm2x8c16Neon : IGemmMicrokernel
{
    public static GemmTile Tile => new(2, 8, 16);

    // Inlined into the driver's row loop: a call per tile cost about as much as its requantization.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        // rows >= 1; a one-row tile reads row 0 twice (see IGemmMicrokernel.Run).
        ref sbyte a0 = ref a;
        ref sbyte a1 = ref Unsafe.Add(ref a, rows > 1 ? lda : 0);
        // The first K block starts the sums (SADDLP), so the 16 accumulators need no zeroing; the rows and weights
        // advance by pointer, so each row's block is one LDP of two 8-byte halves.
        Unsafe.SkipInit(out Row r0);
        Unsafe.SkipInit(out Row r1);
        nint blocks = k >> 4;
        nuint rest = (nuint)(k & 15);
        if (blocks > 0)
        {
            Block<Start>(ref r0, ref r1, ref a0, ref a1, ref w);
            for (nint b = 1; b < blocks; b++)
            {
                a0 = ref Unsafe.Add(ref a0, 16);
                a1 = ref Unsafe.Add(ref a1, 16);
                w = ref Unsafe.Add(ref w, 128);
                Block<Continue>(ref r0, ref r1, ref a0, ref a1, ref w);
            }
            if (rest > 0)
                Tail<Continue>(ref r0, ref r1, ref Unsafe.Add(ref a0, 16), ref Unsafe.Add(ref a1, 16), ref Unsafe.Add(ref w, 128), rest);
        }
        else
        {
            Tail<Start>(ref r0, ref r1, ref a0, ref a1, ref w, rest);
        }
        Vector128<int> b0 = Vector128.LoadUnsafe(ref bias, 0), b1 = Vector128.LoadUnsafe(ref bias, 4);
        Vector128<float> m0 = Vector128.LoadUnsafe(ref multipliers, 0), m1 = Vector128.LoadUnsafe(ref multipliers, 4);
        (Vector128<int> s00, Vector128<int> s01) = r0.Reduce(b0, b1);
        (Vector128<int> s10, Vector128<int> s11) = r1.Reduce(b0, b1);
        // Both rows' 8 channels as one 16-lane requantization: row 0 in the low half, row 1 in the high half.
        Vector128<sbyte> bytes = Requantization.FromAccumulators(s00, s01, s10, s11, m0, m1, m0, m1, output);
        Vector128<sbyte> row1 = AdvSimd.ExtractVector128(bytes, bytes, 8);
        if (cols == 8)
        {
            bytes.GetLower().StoreUnsafe(ref c);
            if (rows > 1) row1.GetLower().StoreUnsafe(ref Unsafe.Add(ref c, ldc));
        }
        else
        {
            VectorIO.StorePartial(bytes, ref c, cols);
            if (rows > 1) VectorIO.StorePartial(row1, ref Unsafe.Add(ref c, ldc), cols);
        }
    }

    /// <summary>One full K block of 16 at <paramref name="a0"/>, <paramref name="a1"/> and <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TStep>(ref Row r0, ref Row r1, ref sbyte a0, ref sbyte a1, ref sbyte w) where TStep : struct, ISumStep
        => Accumulate<TStep>(ref r0, ref r1, ref w, Vector64.LoadUnsafe(ref a0, 0), Vector64.LoadUnsafe(ref a0, 8),
            Vector64.LoadUnsafe(ref a1, 0), Vector64.LoadUnsafe(ref a1, 8));

    /// <summary>The last 1-15 k: zero-filled partial loads (one plain 8-byte load when 8 remain); the packed weights
    /// are zero beyond K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tail<TStep>(ref Row r0, ref Row r1, ref sbyte a0, ref sbyte a1, ref sbyte w, nuint rest) where TStep : struct, ISumStep
    {
        nuint lo = Math.Min(rest, 8);
        Accumulate<TStep>(ref r0, ref r1, ref w,
            VectorIO.LoadPartial8(ref a0, lo), rest > 8 ? VectorIO.LoadPartial8(ref Unsafe.Add(ref a0, 8), rest - 8) : default,
            VectorIO.LoadPartial8(ref a1, lo), rest > 8 ? VectorIO.LoadPartial8(ref Unsafe.Add(ref a1, 8), rest - 8) : default);
    }

    /// <summary>16 k of the 8 channels (128 packed bytes, 16 per channel) for both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TStep>(ref Row r0, ref Row r1, ref sbyte w,
        Vector64<sbyte> x0Lo, Vector64<sbyte> x0Hi, Vector64<sbyte> x1Lo, Vector64<sbyte> x1Hi) where TStep : struct, ISumStep
    {
        Vector64<sbyte> lo = Vector64.LoadUnsafe(ref w, 0), hi = Vector64.LoadUnsafe(ref w, 8);
        r0.C0 = Mac<TStep>(r0.C0, lo, hi, x0Lo, x0Hi); r1.C0 = Mac<TStep>(r1.C0, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 16); hi = Vector64.LoadUnsafe(ref w, 24);
        r0.C1 = Mac<TStep>(r0.C1, lo, hi, x0Lo, x0Hi); r1.C1 = Mac<TStep>(r1.C1, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 32); hi = Vector64.LoadUnsafe(ref w, 40);
        r0.C2 = Mac<TStep>(r0.C2, lo, hi, x0Lo, x0Hi); r1.C2 = Mac<TStep>(r1.C2, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 48); hi = Vector64.LoadUnsafe(ref w, 56);
        r0.C3 = Mac<TStep>(r0.C3, lo, hi, x0Lo, x0Hi); r1.C3 = Mac<TStep>(r1.C3, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 64); hi = Vector64.LoadUnsafe(ref w, 72);
        r0.C4 = Mac<TStep>(r0.C4, lo, hi, x0Lo, x0Hi); r1.C4 = Mac<TStep>(r1.C4, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 80); hi = Vector64.LoadUnsafe(ref w, 88);
        r0.C5 = Mac<TStep>(r0.C5, lo, hi, x0Lo, x0Hi); r1.C5 = Mac<TStep>(r1.C5, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 96); hi = Vector64.LoadUnsafe(ref w, 104);
        r0.C6 = Mac<TStep>(r0.C6, lo, hi, x0Lo, x0Hi); r1.C6 = Mac<TStep>(r1.C6, lo, hi, x1Lo, x1Hi);
        lo = Vector64.LoadUnsafe(ref w, 112); hi = Vector64.LoadUnsafe(ref w, 120);
        r0.C7 = Mac<TStep>(r0.C7, lo, hi, x0Lo, x0Hi); r1.C7 = Mac<TStep>(r1.C7, lo, hi, x1Lo, x1Hi);
    }

    /// <summary>The 16 products of one channel, pairwise into the 4 int32 lanes: a new sum (SADDLP) or added to
    /// <paramref name="sum"/> (SADALP).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Mac<TStep>(Vector128<int> sum, Vector64<sbyte> wLo, Vector64<sbyte> wHi, Vector64<sbyte> xLo,
        Vector64<sbyte> xHi) where TStep : struct, ISumStep
    {
        Vector128<short> products = AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(wLo, xLo), wHi, xHi);
        return TStep.First ? AdvSimd.AddPairwiseWidening(products) : AdvSimd.AddPairwiseWideningAndAdd(sum, products);
    }

    /// <summary>Whether a K block starts the partial sums or adds to them.</summary>
    private interface ISumStep
    {
        static abstract bool First { get; }
    }

    private struct Start : ISumStep
    {
        public static bool First => true;
    }

    private struct Continue : ISumStep
    {
        public static bool First => false;
    }

    /// <summary>Per-channel int32 partial sums (4 lanes each) of one row's 8 channels.</summary>
    private struct Row
    {
        public Vector128<int> C0, C1, C2, C3, C4, C5, C6, C7;

        /// <summary>bias + each channel's 4 partial sums added up: channels 0-3 and 4-7.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly (Vector128<int>, Vector128<int>) Reduce(Vector128<int> bias0, Vector128<int> bias1)
            => (bias0 + Sum4(C0, C1, C2, C3), bias1 + Sum4(C4, C5, C6, C7));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Sum4(Vector128<int> c0, Vector128<int> c1, Vector128<int> c2, Vector128<int> c3)
            => AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(c0, c1), AdvSimd.Arm64.AddPairwise(c2, c3));
    }
}
