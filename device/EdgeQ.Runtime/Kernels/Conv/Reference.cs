namespace EdgeQ.Runtime.Kernels;

/// <summary>Direct convolution straight from the spec (acc = bias + sum w * (x - x_zp), padding contributes nothing),
/// on unpacked O-H-W-I weights: the oracle for im2col + every GEMM variant and for every depthwise variant.</summary>
public static class ConvReference
{
    public static void Run(ReadOnlySpan<sbyte> input, Nhwc inputShape, ReadOnlySpan<sbyte> weights, int outputChannels,
        int groups, ConvGeometry g, ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers,
        OutputQuant output, Span<sbyte> result)
    {
        g.Validate(inputShape);
        Nhwc os = g.OutputShape(inputShape, outputChannels);
        int groupIn = inputShape.C / groups, groupOut = outputChannels / groups;
        float[] m = Checks.ExpandMultipliers(multipliers, outputChannels, outputChannels);
        Checks.Length(weights, (long)outputChannels * g.Taps * groupIn, "conv weights");
        Checks.Length<sbyte>(result, os.Length, "conv output");
        for (int n = 0; n < os.N; n++)
        for (int oy = 0; oy < os.H; oy++)
        for (int ox = 0; ox < os.W; ox++)
        for (int o = 0; o < outputChannels; o++)
        {
            int acc = bias.IsEmpty ? 0 : bias[o];
            int inputChannel0 = o / groupOut * groupIn;
            for (int ky = 0; ky < g.KernelH; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                if (iy < 0 || iy >= inputShape.H || ix < 0 || ix >= inputShape.W) continue;
                for (int i = 0; i < groupIn; i++)
                {
                    int x = input[((n * inputShape.H + iy) * inputShape.W + ix) * inputShape.C + inputChannel0 + i];
                    acc += weights[((o * g.KernelH + ky) * g.KernelW + kx) * groupIn + i] * (x - inputZeroPoint);
                }
            }
            result[((n * os.H + oy) * os.W + ox) * outputChannels + o] = Requantization.FromAccumulator(acc, m[o], output);
        }
    }
}
