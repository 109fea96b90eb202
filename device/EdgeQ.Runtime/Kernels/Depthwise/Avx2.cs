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
