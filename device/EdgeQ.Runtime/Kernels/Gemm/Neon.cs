using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 AdvSimd 2x8 tile for cores without SDOT (Cortex-A72), K in groups of 16 per channel: SMULL multiplies
/// the low 8 bytes into int16, SMLAL2 adds the high 8 bytes' products (two products fit int16 because weights avoid
/// -128), SADALP adds adjacent int16 pairs into int32 partial sums; a pairwise-add tree reduces them at the end.</summary>
internal struct Gemm2x8c16Neon : IGemmMicrokernel
{
    public static GemmTile Tile => new(2, 8, 16);

    public static void Compute(ref sbyte a, nint lda, nint rows, ref sbyte w, ref int bias, nint k, ref int acc)
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        Row r0 = default, r1 = default;
        nint i = 0;
        for (; i + 16 <= k; i += 16)
        {
            Weights8 wg = Weights8.Load(ref Unsafe.Add(ref w, i * 8));
            r0.Accumulate(wg, Vector128.LoadUnsafe(ref a0, (nuint)i));
            r1.Accumulate(wg, Vector128.LoadUnsafe(ref a1, (nuint)i));
        }
        if (i < k)
        {
            // K tail: zero-filled partial loads; the packed weights are zero beyond K.
            Weights8 wg = Weights8.Load(ref Unsafe.Add(ref w, i * 8));
            r0.Accumulate(wg, VectorIO.LoadPartial(ref Unsafe.Add(ref a0, i), (nuint)(k - i)));
            r1.Accumulate(wg, VectorIO.LoadPartial(ref Unsafe.Add(ref a1, i), (nuint)(k - i)));
        }
        Vector128<int> b0 = Vector128.LoadUnsafe(ref bias, 0), b1 = Vector128.LoadUnsafe(ref bias, 4);
        r0.Reduce(b0, b1, ref acc);
        r1.Reduce(b0, b1, ref Unsafe.Add(ref acc, 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MultiplyAccumulate(Vector128<int> sum, Vector128<sbyte> w, Vector128<sbyte> x)
    {
        Vector128<short> products = AdvSimd.MultiplyWideningLower(w.GetLower(), x.GetLower());
        products = AdvSimd.MultiplyWideningUpperAndAdd(products, w, x);
        return AdvSimd.AddPairwiseWideningAndAdd(sum, products);
    }

    /// <summary>16 k of each of 8 channels (128 packed bytes).</summary>
    private readonly struct Weights8(Vector128<sbyte> w0, Vector128<sbyte> w1, Vector128<sbyte> w2, Vector128<sbyte> w3,
        Vector128<sbyte> w4, Vector128<sbyte> w5, Vector128<sbyte> w6, Vector128<sbyte> w7)
    {
        public readonly Vector128<sbyte> W0 = w0, W1 = w1, W2 = w2, W3 = w3, W4 = w4, W5 = w5, W6 = w6, W7 = w7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Weights8 Load(ref sbyte src) => new(
            Vector128.LoadUnsafe(ref src, 0), Vector128.LoadUnsafe(ref src, 16), Vector128.LoadUnsafe(ref src, 32),
            Vector128.LoadUnsafe(ref src, 48), Vector128.LoadUnsafe(ref src, 64), Vector128.LoadUnsafe(ref src, 80),
            Vector128.LoadUnsafe(ref src, 96), Vector128.LoadUnsafe(ref src, 112));
    }

    /// <summary>Per-channel int32 partial sums (4 lanes each) of one row's 8 channels.</summary>
    private struct Row
    {
        private Vector128<int> _c0, _c1, _c2, _c3, _c4, _c5, _c6, _c7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Accumulate(in Weights8 w, Vector128<sbyte> x)
        {
            _c0 = MultiplyAccumulate(_c0, w.W0, x); _c1 = MultiplyAccumulate(_c1, w.W1, x);
            _c2 = MultiplyAccumulate(_c2, w.W2, x); _c3 = MultiplyAccumulate(_c3, w.W3, x);
            _c4 = MultiplyAccumulate(_c4, w.W4, x); _c5 = MultiplyAccumulate(_c5, w.W5, x);
            _c6 = MultiplyAccumulate(_c6, w.W6, x); _c7 = MultiplyAccumulate(_c7, w.W7, x);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Reduce(Vector128<int> bias0, Vector128<int> bias1, ref int dst)
        {
            (bias0 + Sum4(_c0, _c1, _c2, _c3)).StoreUnsafe(ref dst, 0);
            (bias1 + Sum4(_c4, _c5, _c6, _c7)).StoreUnsafe(ref dst, 4);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Sum4(Vector128<int> c0, Vector128<int> c1, Vector128<int> c2, Vector128<int> c3)
            => AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(c0, c1), AdvSimd.Arm64.AddPairwise(c2, c3));
    }
}
