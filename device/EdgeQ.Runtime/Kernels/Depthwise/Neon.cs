using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 AdvSimd 16-channel depthwise MAC, taps in pairs: SMULL/SMLAL (and their upper-half forms) put two
/// taps' products in one int16 lane (fits: weights avoid -128), SADDW/SADDW2 widen them into the int32 accumulators.</summary>
internal unsafe struct DepthwiseC16Neon : IDepthwiseMac
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        sbyte* w = (sbyte*)weights;
        sbyte** tap = taps, pairsEnd = taps + (tapCount & ~1);
        for (; tap < pairsEnd; tap += 2, w += 2 * Depthwise.Block)
        {
            Pair(ref acc, ChannelBlock.Load<TBlock>(tap[0] + offset, count), Vector128.Load(w),
                ChannelBlock.Load<TBlock>(tap[1] + offset, count), Vector128.Load(w + Depthwise.Block));
        }
        if ((tapCount & 1) != 0) Single(ref acc, ChannelBlock.Load<TBlock>(tap[0] + offset, count), Vector128.Load(w));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate8<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        sbyte* w = (sbyte*)weights;
        sbyte** tap = taps, pairsEnd = taps + (tapCount & ~1);
        for (; tap < pairsEnd; tap += 2, w += 2 * Depthwise.Block)
        {
            Pair8(ref acc, ChannelBlock.Load8<TBlock>(tap[0] + offset, count), Vector64.Load(w),
                ChannelBlock.Load8<TBlock>(tap[1] + offset, count), Vector64.Load(w + Depthwise.Block));
        }
        if ((tapCount & 1) != 0) Single8(ref acc, ChannelBlock.Load8<TBlock>(tap[0] + offset, count), Vector64.Load(w));
    }

    /// <summary>acc += x0 * w0 + x1 * w1 over 16 channels (two products per int16 lane, then widened).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pair(ref Int32x16 acc, Vector128<sbyte> x0, Vector128<sbyte> w0, Vector128<sbyte> x1, Vector128<sbyte> w1)
    {
        // Upper halves first: a vector's last use as GetLower() needs no register copy.
        Vector128<short> hi = AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpper(x0, w0), x1, w1);
        Vector128<short> lo = AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0.GetLower(), w0.GetLower()), x1.GetLower(), w1.GetLower());
        Widen(ref acc, lo, hi);
    }

    /// <summary>acc += x * w over 16 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Single(ref Int32x16 acc, Vector128<sbyte> x, Vector128<sbyte> w)
    {
        Vector128<short> hi = AdvSimd.MultiplyWideningUpper(x, w);
        Widen(ref acc, AdvSimd.MultiplyWideningLower(x.GetLower(), w.GetLower()), hi);
    }

    /// <summary>acc.C0, C1 += x0 * w0 + x1 * w1 over 8 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pair8(ref Int32x16 acc, Vector64<sbyte> x0, Vector64<sbyte> w0, Vector64<sbyte> x1, Vector64<sbyte> w1)
        => Widen8(ref acc, AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0, w0), x1, w1));

    /// <summary>acc.C0, C1 += x * w over 8 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Single8(ref Int32x16 acc, Vector64<sbyte> x, Vector64<sbyte> w)
        => Widen8(ref acc, AdvSimd.MultiplyWideningLower(x, w));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ref Int32x16 acc, Vector128<short> lo, Vector128<short> hi)
    {
        acc.C1 = AdvSimd.AddWideningUpper(acc.C1, lo);
        acc.C0 = AdvSimd.AddWideningLower(acc.C0, lo.GetLower());
        acc.C3 = AdvSimd.AddWideningUpper(acc.C3, hi);
        acc.C2 = AdvSimd.AddWideningLower(acc.C2, hi.GetLower());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen8(ref Int32x16 acc, Vector128<short> products)
    {
        acc.C1 = AdvSimd.AddWideningUpper(acc.C1, products);
        acc.C0 = AdvSimd.AddWideningLower(acc.C0, products.GetLower());
    }
}

/// <summary>ARM64 row microkernel for 3x3 windows (9 taps): the nine tap addresses stay in general registers across
/// the run and, per block of 16 (or 8) channels, the bias and the multipliers in vector registers, so a pixel costs its
/// nine input loads, the weight loads, the MACs of <see cref="DepthwiseC16Neon"/>, the requantization and one store,
/// two pixels per loop iteration. 16-channel weights are loaded again for every pixel (five LDP/LDR): kept in
/// registers, each GetLower() of a vector that stays live would cost a register copy (8-channel weights are Vector64
/// and stay). Other windows and channel tails that are not 8 wide run <see cref="DepthwiseRowC16{TMac}"/>.</summary>
internal unsafe struct DepthwiseRow3x3Neon : IDepthwiseRow
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int8;

    public static void Run(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args)
    {
        if (tapCount != 9)
        {
            DepthwiseRowC16<DepthwiseC16Neon>.Run(taps, tapCount, step, pixels, dst, args);
            return;
        }
        // Locals, not args' fields or taps: the stores through dst would make the JIT reload those every block.
        var output = new VectorQuant(args.Output);
        var window = new Window3x3(taps);
        sbyte* w = (sbyte*)args.Weights;
        int* bias = args.Bias;
        float* m = args.Multipliers;
        nint channels = args.Channels, blockBytes = args.BlockBytes, c = 0;
        // A one-pixel run (a border pixel) takes every block here, with no pixel loop to set up per block.
        if (pixels == 1)
        {
            for (; c + Depthwise.Block <= channels; c += Depthwise.Block, w += blockBytes, bias += Depthwise.Block, m += Depthwise.Block)
            {
                window.Pixel(c, w, Int32x16.Load(ref *bias), Vector128.Load(m), Vector128.Load(m + 4), Vector128.Load(m + 8),
                    Vector128.Load(m + 12), output).Store(dst + c);
            }
        }
        for (; c + Depthwise.Block <= channels; c += Depthwise.Block, w += blockBytes, bias += Depthwise.Block, m += Depthwise.Block)
        {
            Int32x16 biases = Int32x16.Load(ref *bias);
            Vector128<float> m0 = Vector128.Load(m), m1 = Vector128.Load(m + 4), m2 = Vector128.Load(m + 8), m3 = Vector128.Load(m + 12);
            nint offset = c;
            sbyte* y = dst + c, last = y + (pixels - 1) * channels;
            // Two pixels per iteration: half the loop overhead.
            for (; y < last; y += 2 * channels, offset += 2 * step)
            {
                window.Pixel(offset, w, biases, m0, m1, m2, m3, output).Store(y);
                window.Pixel(offset + step, w, biases, m0, m1, m2, m3, output).Store(y + channels);
            }
            if (y == last) window.Pixel(offset, w, biases, m0, m1, m2, m3, output).Store(y);
        }
        nuint rest = (nuint)(channels - c);
        if (rest == 8) Block8(taps, step, pixels, dst, args, c, output);
        else if (rest > 8) DepthwiseRowC16<DepthwiseC16Neon>.Block<PartialBlock, Width16>(taps, tapCount, step, pixels, dst, args, c, rest);
        else if (rest > 0) DepthwiseRowC16<DepthwiseC16Neon>.Block<PartialBlock, Width8>(taps, tapCount, step, pixels, dst, args, c, rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(sbyte** taps, nint step, int pixels, sbyte* dst, in DepthwiseArgs args, nint c, in VectorQuant output)
    {
        sbyte* w = (sbyte*)(args.Weights + c / Depthwise.Block * args.BlockBytes);
        Vector64<sbyte> w0 = Vector64.Load(w), w1 = Vector64.Load(w + 16), w2 = Vector64.Load(w + 32);
        Vector64<sbyte> w3 = Vector64.Load(w + 48), w4 = Vector64.Load(w + 64), w5 = Vector64.Load(w + 80);
        Vector64<sbyte> w6 = Vector64.Load(w + 96), w7 = Vector64.Load(w + 112), w8 = Vector64.Load(w + 128);
        Vector128<int> bias0 = Vector128.Load(args.Bias + c), bias1 = Vector128.Load(args.Bias + c + 4);
        Vector128<float> m0 = Vector128.Load(args.Multipliers + c), m1 = Vector128.Load(args.Multipliers + c + 4);
        sbyte* t0 = taps[0] + c, t1 = taps[1] + c, t2 = taps[2] + c, t3 = taps[3] + c, t4 = taps[4] + c;
        sbyte* t5 = taps[5] + c, t6 = taps[6] + c, t7 = taps[7] + c, t8 = taps[8] + c;
        nint channels = args.Channels, offset = 0;
        for (sbyte* y = dst + c, end = y + pixels * channels; y < end; y += channels, offset += step)
        {
            var acc = new Int32x16 { C0 = bias0, C1 = bias1 };
            DepthwiseC16Neon.Pair8(ref acc, Vector64.Load(t0 + offset), w0, Vector64.Load(t1 + offset), w1);
            DepthwiseC16Neon.Pair8(ref acc, Vector64.Load(t2 + offset), w2, Vector64.Load(t3 + offset), w3);
            DepthwiseC16Neon.Pair8(ref acc, Vector64.Load(t4 + offset), w4, Vector64.Load(t5 + offset), w5);
            DepthwiseC16Neon.Pair8(ref acc, Vector64.Load(t6 + offset), w6, Vector64.Load(t7 + offset), w7);
            DepthwiseC16Neon.Single8(ref acc, Vector64.Load(t8 + offset), w8);
            Requantization.FromAccumulators8(acc.C0, acc.C1, m0, m1, output).GetLower().Store(y);
        }
    }

    /// <summary>The nine tap addresses of a 3x3 window, kept in general registers.</summary>
    private readonly struct Window3x3
    {
        private readonly sbyte* t0, t1, t2, t3, t4, t5, t6, t7, t8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Window3x3(sbyte** taps)
        {
            t0 = taps[0]; t1 = taps[1]; t2 = taps[2]; t3 = taps[3]; t4 = taps[4];
            t5 = taps[5]; t6 = taps[6]; t7 = taps[7]; t8 = taps[8];
        }

        /// <summary>One output pixel of a 16-channel block: the bias plus the 16 channels at <paramref name="offset"/>
        /// of every tap times the block's weights at <paramref name="w"/>, requantized. The weights are loaded here, so
        /// that each weight vector's GetLower() is its last use.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<sbyte> Pixel(nint offset, sbyte* w, Int32x16 bias, Vector128<float> m0, Vector128<float> m1,
            Vector128<float> m2, Vector128<float> m3, in VectorQuant output)
        {
            Int32x16 acc = bias;
            DepthwiseC16Neon.Pair(ref acc, Vector128.Load(t0 + offset), Vector128.Load(w), Vector128.Load(t1 + offset), Vector128.Load(w + 16));
            DepthwiseC16Neon.Pair(ref acc, Vector128.Load(t2 + offset), Vector128.Load(w + 32), Vector128.Load(t3 + offset), Vector128.Load(w + 48));
            DepthwiseC16Neon.Pair(ref acc, Vector128.Load(t4 + offset), Vector128.Load(w + 64), Vector128.Load(t5 + offset), Vector128.Load(w + 80));
            DepthwiseC16Neon.Pair(ref acc, Vector128.Load(t6 + offset), Vector128.Load(w + 96), Vector128.Load(t7 + offset), Vector128.Load(w + 112));
            DepthwiseC16Neon.Single(ref acc, Vector128.Load(t8 + offset), Vector128.Load(w + 128));
            return Requantization.FromAccumulators(acc.C0, acc.C1, acc.C2, acc.C3, m0, m1, m2, m3, output);
        }
    }
}
