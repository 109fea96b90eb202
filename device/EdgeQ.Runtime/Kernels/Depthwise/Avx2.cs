using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>x86 AVX2 16-channel depthwise MAC, taps in pairs: VPMOVSXBW widens each tap's 16 channels, VPUNPCKLWD/HWD
/// interleave two taps per channel, and VPMADDWD against the <see cref="DepthwiseLayout.Int16TapPairs"/> weights adds
/// both taps' products into int32 (2 taps x 8 channels per instruction).</summary>
internal unsafe struct DepthwiseC16Avx2 : IDepthwiseMac
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int16TapPairs;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        short* w = (short*)weights;
        // The unpack lane order: lo holds channels 0-3 | 8-11, hi channels 4-7 | 12-15.
        Vector256<int> lo = Vector256.Create(acc.C0, acc.C2), hi = Vector256.Create(acc.C1, acc.C3);
        sbyte** tap = taps, pairsEnd = taps + (tapCount & ~1);
        for (; tap < pairsEnd; tap += 2, w += 2 * Depthwise.Block)
        {
            Vector256<short> x0 = Widen<TBlock>(tap[0] + offset, count), x1 = Widen<TBlock>(tap[1] + offset, count);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(x0, x1), Vector256.Load(w)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(x0, x1), Vector256.Load(w + Depthwise.Block)));
        }
        if ((tapCount & 1) != 0)   // the odd last tap, paired with zeros
        {
            Vector256<short> x = Widen<TBlock>(tap[0] + offset, count);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(x, Vector256<short>.Zero), Vector256.Load(w)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(x, Vector256<short>.Zero), Vector256.Load(w + Depthwise.Block)));
        }
        acc.C0 = lo.GetLower(); acc.C1 = hi.GetLower();
        acc.C2 = lo.GetUpper(); acc.C3 = hi.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate8<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        // Channels 0-7 are the low 128-bit lane of each 256-bit step: lo = channels 0-3, hi = 4-7.
        short* w = (short*)weights;
        Vector128<int> lo = acc.C0, hi = acc.C1;
        sbyte** tap = taps, pairsEnd = taps + (tapCount & ~1);
        for (; tap < pairsEnd; tap += 2, w += 2 * Depthwise.Block)
        {
            Vector128<short> x0 = Widen8<TBlock>(tap[0] + offset, count), x1 = Widen8<TBlock>(tap[1] + offset, count);
            lo = Sse2.Add(lo, Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(x0, x1), Vector128.Load(w)));
            hi = Sse2.Add(hi, Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(x0, x1), Vector128.Load(w + Depthwise.Block)));
        }
        if ((tapCount & 1) != 0)
        {
            Vector128<short> x = Widen8<TBlock>(tap[0] + offset, count);
            lo = Sse2.Add(lo, Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(x, Vector128<short>.Zero), Vector128.Load(w)));
            hi = Sse2.Add(hi, Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(x, Vector128<short>.Zero), Vector128.Load(w + Depthwise.Block)));
        }
        acc.C0 = lo;
        acc.C1 = hi;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Widen<TBlock>(sbyte* p, nuint count) where TBlock : struct, IChannelBlock
        => TBlock.Full ? Avx2.ConvertToVector256Int16(p) : Avx2.ConvertToVector256Int16(ChannelBlock.Load<TBlock>(p, count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Widen8<TBlock>(sbyte* p, nuint count) where TBlock : struct, IChannelBlock
        => TBlock.Full ? Sse41.ConvertToVector128Int16(p) : Sse41.ConvertToVector128Int16(ChannelBlock.Load8<TBlock>(p, count).ToVector128Unsafe());
}

/// <summary>x86 AVX2 depthwise row kernel: interior runs of a dense 3x3 stride-1 window (MobileNet's depthwise
/// layers) slide a window of widened inputs along the row, so each input pixel is loaded and sign-extended once per
/// kernel row instead of once per tap (3 VPMOVSXBW per output pixel and 16-channel block instead of 9), with the
/// bias, tap addresses and requantization constants kept out of the pixel loop; 16- and 8-channel blocks. Every
/// other run (border pixels, other windows, channel tails) goes to <see cref="DepthwiseRowC16{TMac}"/>. Same
/// integer sums in another order, so the same bytes.</summary>
internal unsafe struct DepthwiseRow3x3Avx2 : IDepthwiseRow
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int16TapPairs;

    public static void Run(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args)
    {
        nint channels = args.Channels;
        if (pixels < 2 || !IsDense3x3StrideOne(taps, tapCount, step, channels))
        {
            DepthwiseRowC16<DepthwiseC16Avx2>.Run(taps, tapCount, step, pixels, dst, args);
            return;
        }
        nint c = 0;
        for (; c + Depthwise.Block <= channels; c += Depthwise.Block) Block<Window16, Vector256<short>, Vector256<int>>(taps, pixels, dst, args, c);
        if (channels - c == 8) Block<Window8, Vector128<short>, Vector128<int>>(taps, pixels, dst, args, c);
        else if (channels > c) DepthwiseRowC16<DepthwiseC16Avx2>.RunChannels(taps, tapCount, step, pixels, dst, args, c);
    }

    /// <summary>Nine taps, each kernel row's three at consecutive pixels, and the next output pixel one input pixel on.</summary>
    private static bool IsDense3x3StrideOne(sbyte** taps, int tapCount, nint step, nint channels)
    {
        if (tapCount != 9 || step != channels) return false;
        for (int ky = 0; ky < 9; ky += 3)
            if (taps[ky + 1] != taps[ky] + channels || taps[ky + 2] != taps[ky] + 2 * channels) return false;
        return true;
    }

    private static void Block<TWidth, TInput, TSum>(sbyte** taps, int pixels, sbyte* dst, in DepthwiseArgs args, nint c)
        where TWidth : struct, IWindowWidth<TInput, TSum> where TInput : struct where TSum : struct
    {
        short* w = (short*)(args.Weights + c / Depthwise.Block * args.BlockBytes);
        nint channels = args.Channels;
        sbyte* row0 = taps[0] + c, row1 = taps[3] + c, row2 = taps[6] + c;
        (TSum biasLo, TSum biasHi) = TWidth.Bias(args.Bias + c);
        float* multipliers = args.Multipliers + c;
        var output = new VectorQuant(args.Output);
        // x<row><column>: the input pixels under the current output pixel's window, sign-extended to int16.
        TInput x00 = TWidth.Widen(row0), x01 = TWidth.Widen(row0 + channels);
        TInput x10 = TWidth.Widen(row1), x11 = TWidth.Widen(row1 + channels);
        TInput x20 = TWidth.Widen(row2), x21 = TWidth.Widen(row2 + channels);
        for (nint p = 0, column = 2 * channels; p < pixels; p++, column += channels)
        {
            TInput x02 = TWidth.Widen(row0 + column), x12 = TWidth.Widen(row1 + column), x22 = TWidth.Widen(row2 + column);
            TSum lo = biasLo, hi = biasHi;
            TWidth.TapPair(ref lo, ref hi, x00, x01, w);                             // taps 0, 1
            TWidth.TapPair(ref lo, ref hi, x02, x10, w + 2 * Depthwise.Block);       // taps 2, 3
            TWidth.TapPair(ref lo, ref hi, x11, x12, w + 4 * Depthwise.Block);       // taps 4, 5
            TWidth.TapPair(ref lo, ref hi, x20, x21, w + 6 * Depthwise.Block);       // taps 6, 7
            TWidth.TapPair(ref lo, ref hi, x22, default, w + 8 * Depthwise.Block);   // tap 8, paired with zeros
            TWidth.Store(lo, hi, multipliers, output, dst + p * channels + c);
            (x00, x01, x10, x11, x20, x21) = (x01, x02, x11, x12, x21, x22);
        }
    }

    /// <summary>One register width of the sliding window: its widened inputs, the tap-pair MAC into the two
    /// accumulators (VPUNPCK lane order), the bias in that order, and the requantizing store.</summary>
    private interface IWindowWidth<TInput, TSum>
    {
        static abstract TInput Widen(sbyte* p);
        static abstract void TapPair(ref TSum lo, ref TSum hi, TInput first, TInput second, short* w);
        static abstract (TSum Lo, TSum Hi) Bias(int* bias);
        static abstract void Store(TSum lo, TSum hi, float* multipliers, in VectorQuant output, sbyte* dst);
    }

    /// <summary>16 channels in 256-bit registers: lo = channels 0-3 | 8-11, hi = 4-7 | 12-15.</summary>
    private struct Window16 : IWindowWidth<Vector256<short>, Vector256<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Widen(sbyte* p) => Avx2.ConvertToVector256Int16(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void TapPair(ref Vector256<int> lo, ref Vector256<int> hi, Vector256<short> first, Vector256<short> second, short* w)
        {
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(first, second), Vector256.Load(w)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(first, second), Vector256.Load(w + Depthwise.Block)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<int> Lo, Vector256<int> Hi) Bias(int* bias)
        {
            Vector256<int> b0 = Vector256.Load(bias), b1 = Vector256.Load(bias + 8);
            return (Avx2.Permute2x128(b0, b1, 0x20), Avx2.Permute2x128(b0, b1, 0x31));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<int> lo, Vector256<int> hi, float* multipliers, in VectorQuant output, sbyte* dst)
            => Requantization.FromAccumulators(Avx2.Permute2x128(lo, hi, 0x20), Avx2.Permute2x128(lo, hi, 0x31), ref *multipliers, output).Store(dst);
    }

    /// <summary>Exactly 8 channels (MobileNet-0.25's 112x112 layer) in 128-bit registers: lo = channels 0-3, hi = 4-7,
    /// the weights the low lane of each 256-bit step.</summary>
    private struct Window8 : IWindowWidth<Vector128<short>, Vector128<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Widen(sbyte* p) => Sse41.ConvertToVector128Int16(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void TapPair(ref Vector128<int> lo, ref Vector128<int> hi, Vector128<short> first, Vector128<short> second, short* w)
        {
            lo = Sse2.Add(lo, Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(first, second), Vector128.Load(w)));
            hi = Sse2.Add(hi, Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(first, second), Vector128.Load(w + Depthwise.Block)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector128<int> Lo, Vector128<int> Hi) Bias(int* bias) => (Vector128.Load(bias), Vector128.Load(bias + 4));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector128<int> lo, Vector128<int> hi, float* multipliers, in VectorQuant output, sbyte* dst)
            => Requantization.FromAccumulators8(lo, hi, ref *multipliers, output).GetLower().Store(dst);
    }
}
