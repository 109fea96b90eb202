namespace EdgeQ.Host.Correction;

/// <summary>The int32 range check every bias correction applies before it writes a bias.</summary>
internal static class AccumulatorGuard
{
    /// <summary>
    /// The bias nearest to <paramref name="bias"/> that keeps the accumulator bound of quantization.md:
    /// |bias - x_zp * sum w| + 128 * sum|w| &lt; 2^31.
    /// </summary>
    public static long Limit(long bias, int inputZeroPoint, (long Sum, long AbsSum) channelWeights)
    {
        long folded = (long)inputZeroPoint * channelWeights.Sum;
        long room = int.MaxValue - 128 * channelWeights.AbsSum;
        return Math.Clamp(bias, folded - room, folded + room);
    }
}
