using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Portable 16-channel depthwise MAC: input and weights widened to int16, multiplied (exact), widened to
/// int32 and accumulated, one tap at a time.</summary>
internal unsafe struct DepthwiseC16Vector128 : IDepthwiseMac
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        sbyte* w = (sbyte*)weights;
        for (sbyte** tap = taps, end = taps + tapCount; tap < end; tap++, w += Depthwise.Block)
        {
            (Vector128<short> xLo, Vector128<short> xHi) = Vector128.Widen(ChannelBlock.Load<TBlock>(*tap + offset, count));
            (Vector128<short> wLo, Vector128<short> wHi) = Vector128.Widen(Vector128.Load(w));
            (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(xLo * wLo);
            (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(xHi * wHi);
            acc.Add(p0, p1, p2, p3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate8<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock
    {
        sbyte* w = (sbyte*)weights;
        for (sbyte** tap = taps, end = taps + tapCount; tap < end; tap++, w += Depthwise.Block)
        {
            Vector128<short> x = Vector128.WidenLower(ChannelBlock.Load8<TBlock>(*tap + offset, count).ToVector128Unsafe());
            (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(x * Vector128.WidenLower(Vector128.Load(w)));
            acc.C0 += p0;
            acc.C1 += p1;
        }
    }
}
