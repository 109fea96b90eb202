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
            Vector128<sbyte> x0 = ChannelBlock.Load<TBlock>(tap[0] + offset, count), w0 = Vector128.Load(w);
            Vector128<sbyte> x1 = ChannelBlock.Load<TBlock>(tap[1] + offset, count), w1 = Vector128.Load(w + Depthwise.Block);
            // Upper halves first: a vector's last use as GetLower() needs no register copy.
            Vector128<short> hi = AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpper(x0, w0), x1, w1);
            Vector128<short> lo = AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0.GetLower(), w0.GetLower()), x1.GetLower(), w1.GetLower());
            Widen(ref acc, lo, hi);
        }
        if ((tapCount & 1) != 0)
        {
            Vector128<sbyte> x = ChannelBlock.Load<TBlock>(tap[0] + offset, count), w0 = Vector128.Load(w);
            Vector128<short> hi = AdvSimd.MultiplyWideningUpper(x, w0);
            Widen(ref acc, AdvSimd.MultiplyWideningLower(x.GetLower(), w0.GetLower()), hi);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate8<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        sbyte* w = (sbyte*)weights;
        sbyte** tap = taps, pairsEnd = taps + (tapCount & ~1);
        for (; tap < pairsEnd; tap += 2, w += 2 * Depthwise.Block)
        {
            Vector128<short> products = AdvSimd.MultiplyWideningLowerAndAdd(
                AdvSimd.MultiplyWideningLower(ChannelBlock.Load8<TBlock>(tap[0] + offset, count), Vector64.Load(w)),
                ChannelBlock.Load8<TBlock>(tap[1] + offset, count), Vector64.Load(w + Depthwise.Block));
            acc.C1 = AdvSimd.AddWideningUpper(acc.C1, products);
            acc.C0 = AdvSimd.AddWideningLower(acc.C0, products.GetLower());
        }
        if ((tapCount & 1) != 0)
        {
            Vector128<short> products = AdvSimd.MultiplyWideningLower(ChannelBlock.Load8<TBlock>(tap[0] + offset, count), Vector64.Load(w));
            acc.C1 = AdvSimd.AddWideningUpper(acc.C1, products);
            acc.C0 = AdvSimd.AddWideningLower(acc.C0, products.GetLower());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ref Int32x16 acc, Vector128<short> lo, Vector128<short> hi)
    {
        acc.C1 = AdvSimd.AddWideningUpper(acc.C1, lo);
        acc.C0 = AdvSimd.AddWideningLower(acc.C0, lo.GetLower());
        acc.C3 = AdvSimd.AddWideningUpper(acc.C3, hi);
        acc.C2 = AdvSimd.AddWideningLower(acc.C2, hi.GetLower());
    }
}
