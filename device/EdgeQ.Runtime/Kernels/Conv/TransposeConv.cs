namespace EdgeQ.Runtime.Kernels;

/// <summary>A transposed convolution packed as an ordinary one: the input is spread out by the stride (the gaps read
/// the input zero point, i.e. contribute nothing) and convolved at stride 1 with the spatially flipped kernel and
/// padding dilation * (kernel - 1) - pad. Same integer arithmetic, so every GEMM variant stays byte-identical.</summary>
public sealed class PackedTransposeConv
{
    internal PackedTransposeConv(ConvGeometry geometry, PackedConv conv)
    {
        Geometry = geometry;
        Conv = conv;
    }

    /// <summary>The transposed convolution's own window (stride = upsampling factor).</summary>
    public ConvGeometry Geometry { get; }
    internal PackedConv Conv { get; }

    public int PackedBytes => Conv.PackedBytes;

    public Nhwc OutputShape(Nhwc input) => new(input.N,
        (input.H - 1) * Geometry.StrideH + Geometry.DilationH * (Geometry.KernelH - 1) + 1 - Geometry.PadTop - Geometry.PadBottom,
        (input.W - 1) * Geometry.StrideW + Geometry.DilationW * (Geometry.KernelW - 1) + 1 - Geometry.PadLeft - Geometry.PadRight,
        Conv.OutputChannels);

    /// <summary>Shape of the spread-out input the inner convolution reads.</summary>
    internal Nhwc SpreadShape(Nhwc input) => input with { H = (input.H - 1) * Geometry.StrideH + 1, W = (input.W - 1) * Geometry.StrideW + 1 };
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
        return new PackedTransposeConv(geometry, Conv.Pack(kernels, flipped, outputChannels, inputChannels, 1, inner, bias, inputZeroPoint, multipliers, output));
    }

    /// <summary>Bytes of scratch <see cref="Run"/> needs: the spread-out input plus the inner convolution's scratch.</summary>
    public static int ScratchBytes(PackedTransposeConv tc, Nhwc input) => tc.SpreadShape(input).Length + Conv.ScratchBytes(tc.Conv);

    public static void Run(KernelTable kernels, PackedTransposeConv tc, ReadOnlySpan<sbyte> input, Nhwc inputShape,
        Span<sbyte> output, Span<sbyte> scratch)
    {
        inputShape.Validate("transposed conv input");
        if (inputShape.C != tc.Conv.InputChannels) throw new ArgumentException($"transposed conv expects {tc.Conv.InputChannels} input channels, got {inputShape}");
        Nhwc outputShape = tc.OutputShape(inputShape);
        if (outputShape.H < 1 || outputShape.W < 1) throw new ArgumentException($"transposed conv {tc.Geometry} of {inputShape} has an empty output");
        Checks.Length<sbyte>(output, outputShape.Length, "transposed conv output");
        Checks.Length(input, inputShape.Length, "transposed conv input");
        Checks.Length<sbyte>(scratch, ScratchBytes(tc, inputShape), "transposed conv scratch");
        Nhwc spreadShape = tc.SpreadShape(inputShape);
        Span<sbyte> spread = scratch[..spreadShape.Length];
        spread.Fill((sbyte)tc.Conv.InputZeroPoint);
        int c = inputShape.C;
        for (int n = 0; n < inputShape.N; n++)
        for (int y = 0; y < inputShape.H; y++)
        for (int x = 0; x < inputShape.W; x++)
        {
            int dst = ((n * spreadShape.H + y * tc.Geometry.StrideH) * spreadShape.W + x * tc.Geometry.StrideW) * c;
            input.Slice(((n * inputShape.H + y) * inputShape.W + x) * c, c).CopyTo(spread[dst..]);
        }
        Conv.Run(kernels, tc.Conv, spread, spreadShape, output, scratch[spreadShape.Length..]);
    }
}
