namespace EdgeQ.Runtime.Kernels;

/// <summary>Scalar depthwise convolution on the <see cref="DepthwiseLayout.Int8"/> packing, one channel at a time:
/// the oracle every vector variant is compared with.</summary>
internal unsafe struct DepthwiseReference : IDepthwiseRow
{
    public static DepthwiseLayout Layout => DepthwiseLayout.Int8;

    public static void Run(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args)
    {
        for (int p = 0; p < pixels; p++)
        for (int c = 0; c < args.Channels; c++)
        {
            sbyte* weights = (sbyte*)args.Weights + c / Depthwise.Block * args.BlockBytes + c % Depthwise.Block;
            int acc = args.Bias[c];
            for (int t = 0; t < tapCount; t++)
                acc += taps[t][p * step + c] * weights[t * Depthwise.Block];
            dst[p * args.Channels + c] = Requantization.FromAccumulator(acc, args.Multipliers[c], args.Output);
        }
    }
}
