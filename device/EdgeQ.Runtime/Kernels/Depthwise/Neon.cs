using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 AdvSimd 16-channel depthwise MAC, taps in pairs: SMULL/SMLAL (and their upper-half forms) put two
/// taps' products in one int16 lane (fits: weights avoid -128), SADDW/SADDW2 widen them into the int32 accumulators.</summary>
internal unsafe struct DepthwiseC16Neon : IDepthwiseMac
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate(ref Int32x16 acc, sbyte** taps, int tapCount, nint channel, sbyte* weights, nint weightStride, nuint count)
    {
        int t = 0;
        for (; t + 1 < tapCount; t += 2)
        {
            Vector128<sbyte> x0 = Window.LoadChannels(taps[t] + channel, count), w0 = Vector128.Load(weights + t * weightStride);
            Vector128<sbyte> x1 = Window.LoadChannels(taps[t + 1] + channel, count), w1 = Vector128.Load(weights + (t + 1) * weightStride);
            Vector128<short> lo = AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0.GetLower(), w0.GetLower()), x1.GetLower(), w1.GetLower());
            Vector128<short> hi = AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpper(x0, w0), x1, w1);
            Widen(ref acc, lo, hi);
        }
        if (t < tapCount)
        {
            Vector128<sbyte> x = Window.LoadChannels(taps[t] + channel, count), w = Vector128.Load(weights + t * weightStride);
            Widen(ref acc, AdvSimd.MultiplyWideningLower(x.GetLower(), w.GetLower()), AdvSimd.MultiplyWideningUpper(x, w));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate8(ref Int32x16 acc, sbyte** taps, int tapCount, nint channel, sbyte* weights, nint weightStride, nuint count)
    {
        int t = 0;
        for (; t + 1 < tapCount; t += 2)
        {
            Vector128<short> products = AdvSimd.MultiplyWideningLowerAndAdd(
                AdvSimd.MultiplyWideningLower(Window.LoadChannels8(taps[t] + channel, count), Vector64.Load(weights + t * weightStride)),
                Window.LoadChannels8(taps[t + 1] + channel, count), Vector64.Load(weights + (t + 1) * weightStride));
            acc.C0 = AdvSimd.AddWideningLower(acc.C0, products.GetLower());
            acc.C1 = AdvSimd.AddWideningUpper(acc.C1, products);
        }
        if (t < tapCount)
        {
            Vector128<short> products = AdvSimd.MultiplyWideningLower(Window.LoadChannels8(taps[t] + channel, count), Vector64.Load(weights + t * weightStride));
            acc.C0 = AdvSimd.AddWideningLower(acc.C0, products.GetLower());
            acc.C1 = AdvSimd.AddWideningUpper(acc.C1, products);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ref Int32x16 acc, Vector128<short> lo, Vector128<short> hi)
    {
        acc.C0 = AdvSimd.AddWideningLower(acc.C0, lo.GetLower());
        acc.C1 = AdvSimd.AddWideningUpper(acc.C1, lo);
        acc.C2 = AdvSimd.AddWideningLower(acc.C2, hi.GetLower());
        acc.C3 = AdvSimd.AddWideningUpper(acc.C3, hi);
    }
}
