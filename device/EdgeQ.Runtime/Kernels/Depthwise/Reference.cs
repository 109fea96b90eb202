using System.Runtime.CompilerServices;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Scalar depthwise convolution on the packed layout, one channel at a time.</summary>
internal unsafe struct DepthwiseReference : IPixelKernel<DepthwiseArgs>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel(sbyte** taps, int tapCount, sbyte* dst, in DepthwiseArgs args)
    {
        for (int c = 0; c < args.Channels; c++)
        {
            int acc = args.Bias[c];
            for (int t = 0; t < tapCount; t++)
                acc += taps[t][c] * args.Weights[t * args.PaddedChannels + c];
            dst[c] = Requantization.FromAccumulator(acc, args.Multipliers[c], args.Output);
        }
    }
}
