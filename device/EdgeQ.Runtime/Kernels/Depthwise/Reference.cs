namespace EdgeQ.Runtime.Kernels;

/// <summary>Scalar depthwise convolution on the packed layout, one channel at a time.</summary>
internal static unsafe class DepthwiseReference
{
    public static void Run(PackedDepthwise dw, sbyte* input, Nhwc s, sbyte* output)
    {
        ConvGeometry g = dw.Geometry;
        Nhwc os = g.OutputShape(s, dw.Channels);
        sbyte** taps = stackalloc sbyte*[g.Taps];
        fixed (sbyte* zeroPoints = dw.ZeroPointRow)
        {
            sbyte* dst = output;
            for (int n = 0; n < os.N; n++)
            for (int oy = 0; oy < os.H; oy++)
            for (int ox = 0; ox < os.W; ox++, dst += os.C)
            {
                int tapCount = Window.Taps(g, input, s, n, oy, ox, zeroPoints, taps);
                for (int c = 0; c < os.C; c++)
                {
                    int acc = dw.Bias[c];
                    for (int t = 0; t < tapCount; t++)
                        acc += taps[t][c] * dw.Weights[t * dw.PaddedChannels + c];
                    dst[c] = Requantization.FromAccumulator(acc, dw.Multipliers[c], dw.Output);
                }
            }
        }
    }
}
