using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>NHWC float convolutions. Prepare packs weights once; Run only computes (pre-activation output).</summary>
internal sealed class ConvKernel
{
    private readonly ConvNode node;
    private readonly float[] packed;
    private readonly int cinPerGroup, coutPerGroup;

    public ConvKernel(ConvNode node)
    {
        this.node = node;
        cinPerGroup = node.InChannels / node.Group;
        coutPerGroup = node.OutChannels / node.Group;
        packed = node.IsDepthwise ? node.Weights.Floats : PackGrouped(node.Weights, node.Group);
    }

    // src = O-KH-KW-I (O = G*Og)   dst = G-KH-KW-I-Og: a tap then updates a contiguous run of a group's outputs.
    private static float[] PackGrouped(TensorData weights, int group)
    {
        int cout = weights.Shape[0], kh = weights.Shape[1], kw = weights.Shape[2], cin = weights.Shape[3], og = cout / group;
        var src = weights.Floats;
        var dst = new float[src.Length];
        for (int o = 0; o < cout; o++)
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                    for (int i = 0; i < cin; i++)
                        dst[((((o / og) * kh + y) * kw + x) * cin + i) * og + o % og] = src[((o * kh + y) * kw + x) * cin + i];
        return dst;
    }

    public TensorData Run(TensorData input)
    {
        var (n, inH, inW, cin) = NodeKernels.NhwcDims(input);
        var w = node.Window;
        int outH = w.OutputHeight(inH), outW = w.OutputWidth(inW), cout = node.OutChannels;
        var output = new float[n * outH * outW * cout];
        var x = input.Floats;
        int rows = n * outH;
        // Rows are independent; split them across cores when the layer is big enough to pay for it.
        if (node.Macs > 4_000_000 && rows > 1)
            Parallel.For(0, rows, row => ComputeRow(x, output, row, inH, inW, cin, outH, outW));
        else
            for (int row = 0; row < rows; row++) ComputeRow(x, output, row, inH, inW, cin, outH, outW);
        return TensorData.FromFloats([n, outH, outW, cout], output);
    }

    private void ComputeRow(float[] x, float[] output, int row, int inH, int inW, int cin, int outH, int outW)
    {
        var w = node.Window;
        int b = row / outH, oy = row % outH, cout = node.OutChannels;
        bool depthwise = node.IsDepthwise, multiplierOne = cout == cin;
        for (int ox = 0; ox < outW; ox++)
        {
            var acc = output.AsSpan(((b * outH + oy) * outW + ox) * cout, cout);
            node.Bias.CopyTo(acc);
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                if ((uint)iy >= (uint)inH) continue;
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                    if ((uint)ix >= (uint)inW) continue;
                    var pixel = x.AsSpan(((b * inH + iy) * inW + ix) * cin, cin);
                    int tap = ky * w.KernelW + kx;
                    if (depthwise && multiplierOne)
                        VectorMath.MultiplyAccumulate(pixel, packed.AsSpan(tap * cout, cout), acc);
                    else if (depthwise)
                        for (int o = 0; o < cout; o++) acc[o] += pixel[o / (cout / cin)] * packed[tap * cout + o];
                    else
                        AccumulateGroupedTap(pixel, tap, acc);
                }
            }
        }
    }

    private void AccumulateGroupedTap(ReadOnlySpan<float> pixel, int tap, Span<float> acc)
    {
        int taps = node.Window.KernelH * node.Window.KernelW;
        for (int g = 0; g < node.Group; g++)
        {
            var groupAcc = acc.Slice(g * coutPerGroup, coutPerGroup);
            int wBase = (g * taps + tap) * cinPerGroup * coutPerGroup;
            for (int i = 0; i < cinPerGroup; i++)
            {
                float v = pixel[g * cinPerGroup + i];
                if (v != 0) VectorMath.MultiplyAccumulate(v, packed.AsSpan(wBase + i * coutPerGroup, coutPerGroup), groupAcc);
            }
        }
    }
}

/// <summary>NHWC transposed convolution as a scatter: each input pixel adds W[ci,ky,kx,:] * x into its output taps.</summary>
internal sealed class ConvTransposeKernel(ConvTransposeNode node)
{
    public TensorData Run(TensorData input)
    {
        int[] outShape = node.Output.Shape;
        var (n, inH, inW, cin) = NodeKernels.NhwcDims(input);
        int outH = outShape[1], outW = outShape[2], cout = node.OutChannels;
        int cinPerGroup = cin / node.Group, coutPerGroup = cout / node.Group;
        var w = node.Window;
        var weights = node.Weights.Floats;
        var x = input.Floats;
        var output = new float[Shapes.Size(outShape)];
        for (int p = 0; p < n * outH * outW; p++) node.Bias.CopyTo(output.AsSpan(p * cout, cout));
        for (int b = 0; b < n; b++)
            for (int iy = 0; iy < inH; iy++)
                for (int ix = 0; ix < inW; ix++)
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int oy = iy * w.StrideH - w.PadTop + ky * w.DilationH;
                        if ((uint)oy >= (uint)outH) continue;
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ox = ix * w.StrideW - w.PadLeft + kx * w.DilationW;
                            if ((uint)ox >= (uint)outW) continue;
                            var acc = output.AsSpan(((b * outH + oy) * outW + ox) * cout, cout);
                            for (int ci = 0; ci < cin; ci++)
                            {
                                float v = x[((b * inH + iy) * inW + ix) * cin + ci];
                                int g = ci / cinPerGroup;
                                VectorMath.MultiplyAccumulate(v, weights.AsSpan(((ci * w.KernelH + ky) * w.KernelW + kx) * coutPerGroup, coutPerGroup),
                                    acc.Slice(g * coutPerGroup, coutPerGroup));
                            }
                        }
                    }
        return TensorData.FromFloats(outShape, output);
    }
}
