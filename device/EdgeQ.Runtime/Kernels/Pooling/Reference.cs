namespace EdgeQ.Runtime.Kernels;

internal unsafe struct MaxPoolReference : IPoolingChunk
{
    public static void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool)
    {
        for (nint c = channel; c < channel + (nint)count; c++)
        {
            sbyte max = sbyte.MinValue;
            for (int t = 0; t < tapCount; t++) max = Math.Max(max, taps[t][c]);
            dst[c - channel] = max;
        }
    }
}

/// <summary>sum of (q - in_zp) over the in-bounds taps, times the multiplier of that tap count, requantized.</summary>
internal unsafe struct AveragePoolReference : IPoolingChunk
{
    public static void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool)
    {
        float multiplier = pool.CountMultipliers[tapCount];
        for (nint c = channel; c < channel + (nint)count; c++)
        {
            int sum = 0;
            for (int t = 0; t < tapCount; t++) sum += taps[t][c] - pool.InputZeroPoint;
            dst[c - channel] = Requantization.FromAccumulator(sum, multiplier, pool.Output);
        }
    }
}
