namespace EdgeQ.Runtime.Kernels;

/// <summary>A transposed convolution packed for one of two plans, both the same integer arithmetic (so every GEMM
/// variant stays byte-identical):
/// <list type="bullet">
/// <item>Windows that tile the output (stride = kernel, no dilation, no padding; e.g. the 2x2 stride-2 upsampling of
/// segmentation heads): every output pixel takes exactly one input pixel, so per kernel row ky one GEMM of N = KW x
/// Cout over the input row writes output row y * stride + ky in place. No tap reads a gap.</item>
/// <item>Otherwise the input is spread out by the stride (the gaps read the input zero point, i.e. contribute
/// nothing) and convolved at stride 1 with the spatially flipped kernel and padding dilation * (kernel - 1) - pad.</item>
/// </list></summary>
public sealed class PackedTransposeConv
{
    internal PackedTransposeConv(ConvGeometry geometry, int inputChannels, int outputChannels, PackedConv? spreadConv, PackedGemm[]? kernelRowGemms)
    {
        Geometry = geometry;
        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        SpreadConv = spreadConv;
        KernelRowGemms = kernelRowGemms;
    }

    /// <summary>The transposed convolution's own window (stride = upsampling factor).</summary>
    public ConvGeometry Geometry { get; }
    public int InputChannels { get; }
    public int OutputChannels { get; }
    /// <summary>The stride-1 convolution over the spread input, or null when the windows tile the output.</summary>
    internal PackedConv? SpreadConv { get; }
    /// <summary>Per kernel row: the GEMM from an input pixel's channels to the KW x Cout outputs of that row, or null.</summary>
    internal PackedGemm[]? KernelRowGemms { get; }

    public int PackedBytes => SpreadConv?.PackedBytes ?? KernelRowGemms!.Sum(g => g.PackedBytes);

    public Nhwc OutputShape(Nhwc input) => new(input.N,
        (input.H - 1) * Geometry.StrideH + Geometry.DilationH * (Geometry.KernelH - 1) + 1 - Geometry.PadTop - Geometry.PadBottom,
        (input.W - 1) * Geometry.StrideW + Geometry.DilationW * (Geometry.KernelW - 1) + 1 - Geometry.PadLeft - Geometry.PadRight,
        OutputChannels);

    /// <summary>Shape of the spread-out input the inner convolution reads.</summary>
    internal Nhwc SpreadShape(Nhwc input) => input with { H = (input.H - 1) * Geometry.StrideH + 1, W = (input.W - 1) * Geometry.StrideW + 1 };

    /// <summary>Stride = kernel, no dilation, no padding: the input pixels' windows cover the output once each.</summary>
    internal static bool WindowsTileOutput(in ConvGeometry g) => g.StrideH == g.KernelH && g.StrideW == g.KernelW
        && g.DilationH == 1 && g.DilationW == 1 && g is { PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0 };
}

public static class TransposeConv
{
    /// <param name="weights">O-H-W-I (the .eqm layout: [Cout, KH, KW, Cin]), values in [-127, 127].</param>
    public static PackedTransposeConv Pack(KernelTable kernels, ReadOnlySpan<sbyte> weights, int outputChannels, int inputChannels,
        ConvGeometry geometry, ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers, OutputQuant output)
    {
        ConvGeometry g = geometry;
        int reachH = g.DilationH * (g.KernelH - 1), reachW = g.DilationW * (g.KernelW - 1);
        if (g.PadTop > reachH || g.PadBottom > reachH || g.PadLeft > reachW || g.PadRight > reachW)
            throw new ArgumentException($"transposed convolution padding {g} larger than the dilated kernel is not supported");
        Checks.Length(weights, (long)outputChannels * g.Taps * inputChannels, "transposed conv weights");
        if (PackedTransposeConv.WindowsTileOutput(g))
            return new PackedTransposeConv(geometry, inputChannels, outputChannels, null,
                PackKernelRows(kernels, weights, outputChannels, inputChannels, g, bias, inputZeroPoint, multipliers, output));
        var flipped = new sbyte[outputChannels * g.Taps * inputChannels];
        // src = O-H-W-I   dst = O-H-W-I with H and W reversed
        for (int o = 0; o < outputChannels; o++)
        for (int ky = 0; ky < g.KernelH; ky++)
        for (int kx = 0; kx < g.KernelW; kx++)
        {
            int src = ((o * g.KernelH + g.KernelH - 1 - ky) * g.KernelW + g.KernelW - 1 - kx) * inputChannels;
            weights.Slice(src, inputChannels).CopyTo(flipped.AsSpan(((o * g.KernelH + ky) * g.KernelW + kx) * inputChannels));
        }
        var inner = new ConvGeometry(g.KernelH, g.KernelW, 1, 1, g.DilationH, g.DilationW,
            reachH - g.PadTop, reachW - g.PadLeft, reachH - g.PadBottom, reachW - g.PadRight);
        return new PackedTransposeConv(geometry, inputChannels, outputChannels,
            Conv.Pack(kernels, flipped, outputChannels, inputChannels, 1, inner, bias, inputZeroPoint, multipliers, output), null);
    }

    /// <summary>One GEMM per kernel row; column kx * Cout + o is output channel o of the row's pixel kx. Each column
    /// folds bias[o] - x_zp * sum of its own taps' weights; the spread plan's accumulator differs from it only by gap
    /// taps, which add w * (zp - zp) = 0, so both plans give the same integers.</summary>
    private static PackedGemm[] PackKernelRows(KernelTable kernels, ReadOnlySpan<sbyte> weights, int outputChannels, int inputChannels,
        in ConvGeometry g, ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers, OutputQuant output)
    {
        // The overflow guard over each channel's whole kernel, as the spread plan checks it: both accept the same models.
        int depth = g.Taps * inputChannels;
        for (int o = 0; o < outputChannels; o++)
        {
            long sum = 0, sumAbs = 0;
            foreach (sbyte w in weights.Slice(o * depth, depth)) { sum += w; sumAbs += Math.Abs(w); }
            Gemm.FoldBias(bias.IsEmpty ? 0 : bias[o], inputZeroPoint, sum, sumAbs, o);
        }
        int columns = g.KernelW * outputChannels;
        var rowWeights = new sbyte[columns * inputChannels];
        var rowBias = new int[columns];
        var rowMultipliers = multipliers.Length == 1 ? multipliers.ToArray() : new float[columns];
        var gemms = new PackedGemm[g.KernelH];
        for (int ky = 0; ky < g.KernelH; ky++)
        {
            // src = O-H-W-I   dst = (W-O)-I of kernel row ky: GEMM row kx * Cout + o
            for (int kx = 0; kx < g.KernelW; kx++)
            for (int o = 0; o < outputChannels; o++)
            {
                int column = kx * outputChannels + o;
                weights.Slice(((o * g.KernelH + ky) * g.KernelW + kx) * inputChannels, inputChannels).CopyTo(rowWeights.AsSpan(column * inputChannels));
                rowBias[column] = bias.IsEmpty ? 0 : bias[o];
                if (multipliers.Length > 1) rowMultipliers[column] = multipliers[o];
            }
            gemms[ky] = Gemm.Pack(rowWeights, columns, inputChannels, rowBias, inputZeroPoint, rowMultipliers, output, kernels.GemmTile);
        }
        return gemms;
    }

    /// <summary>Bytes of scratch <see cref="Run"/> needs: for the spread plan the spread-out input plus the inner
    /// convolution's scratch.</summary>
    public static int ScratchBytes(PackedTransposeConv tc, Nhwc input) =>
        tc.SpreadConv is { } conv ? tc.SpreadShape(input).Length + Conv.ScratchBytes(conv) : 0;

    public static void Run(KernelTable kernels, PackedTransposeConv tc, ReadOnlySpan<sbyte> input, Nhwc inputShape,
        Span<sbyte> output, Span<sbyte> scratch)
    {
        inputShape.Validate("transposed conv input");
        if (inputShape.C != tc.InputChannels) throw new ArgumentException($"transposed conv expects {tc.InputChannels} input channels, got {inputShape}");
        Nhwc outputShape = tc.OutputShape(inputShape);
        if (outputShape.H < 1 || outputShape.W < 1) throw new ArgumentException($"transposed conv {tc.Geometry} of {inputShape} has an empty output");
        Checks.Length<sbyte>(output, outputShape.Length, "transposed conv output");
        Checks.Length(input, inputShape.Length, "transposed conv input");
        Checks.Length<sbyte>(scratch, ScratchBytes(tc, inputShape), "transposed conv scratch");
        int c = inputShape.C;
        if (tc.KernelRowGemms is { } rowGemms)
        {
            // Input row y and kernel row ky fill output row y * KH + ky: each pixel's KW x Cout outputs follow the
            // previous pixel's (stride = KW), so the GEMM's output row stride is its N.
            int inputRow = inputShape.W * c, outputRow = outputShape.W * outputShape.C, n = tc.Geometry.KernelW * tc.OutputChannels;
            for (int b = 0; b < inputShape.N; b++)
            for (int y = 0; y < inputShape.H; y++)
            for (int ky = 0; ky < rowGemms.Length; ky++)
            {
                int oy = y * tc.Geometry.StrideH + ky;
                Gemm.Run(kernels, input.Slice((b * inputShape.H + y) * inputRow, inputRow), c, inputShape.W, rowGemms[ky],
                    output.Slice((b * outputShape.H + oy) * outputRow, outputRow), n);
            }
            return;
        }
        Nhwc spreadShape = tc.SpreadShape(inputShape);
        Span<sbyte> spread = scratch[..spreadShape.Length];
        PackedConv spreadConv = tc.SpreadConv!;
        spread.Fill((sbyte)spreadConv.InputZeroPoint);
        for (int n = 0; n < inputShape.N; n++)
        for (int y = 0; y < inputShape.H; y++)
        for (int x = 0; x < inputShape.W; x++)
        {
            int dst = ((n * spreadShape.H + y * tc.Geometry.StrideH) * spreadShape.W + x * tc.Geometry.StrideW) * c;
            input.Slice(((n * inputShape.H + y) * inputShape.W + x) * c, c).CopyTo(spread[dst..]);
        }
        Conv.Run(kernels, spreadConv, spread, spreadShape, output, scratch[spreadShape.Length..]);
    }
}
