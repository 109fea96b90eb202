using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

internal unsafe struct MaxPoolC16Vector128 : IPoolingChunk
{
    public static void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool)
    {
        Vector128<sbyte> max = Vector128.Create(sbyte.MinValue);
        for (int t = 0; t < tapCount; t++) max = Vector128.Max(max, Window.LoadChannels(taps[t] + channel, count));
        Window.StoreChannels(max, dst, count);
    }
}

/// <summary>Sums raw int8 values in int32 lanes and subtracts count * in_zp once: the same integer as the
/// reference's sum of (q - in_zp).</summary>
internal unsafe struct AveragePoolC16Vector128 : IPoolingChunk
{
    public static void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool)
    {
        Int32x16 sum = default;
        for (int t = 0; t < tapCount; t++)
        {
            (Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d) = VectorIO.WidenToInt32(Window.LoadChannels(taps[t] + channel, count));
            sum.Add(a, b, c, d);
        }
        Vector128<int> offset = Vector128.Create(tapCount * pool.InputZeroPoint);
        Vector128<float> multiplier = Vector128.Create(pool.CountMultipliers[tapCount]);
        Window.StoreChannels(Requantization.FromAccumulators(sum.C0 - offset, sum.C1 - offset, sum.C2 - offset, sum.C3 - offset,
            multiplier, pool.Output), dst, count);
    }
}
