namespace EdgeQ.Runtime.Kernels;

/// <summary>A pooling operator prepared at load: window, and for average pooling the multiplier of every possible
/// tap count (padding is excluded from the count): float32(in_scale / (out_scale * count)).</summary>
public sealed class PoolingParams
{
    private PoolingParams(ConvGeometry geometry, int inputZeroPoint, float[] countMultipliers, OutputQuant output)
    {
        Geometry = geometry; InputZeroPoint = inputZeroPoint; CountMultipliers = countMultipliers; Output = output;
    }

    public ConvGeometry Geometry { get; }
    public int InputZeroPoint { get; }
    public OutputQuant Output { get; }
    /// <summary>Indexed by the number of taps inside the input; [0] = 0 (a window wholly in padding gives the zero point).</summary>
    internal float[] CountMultipliers { get; }

    /// <summary>Max pooling moves int8 values: input and output share scale and zero point.</summary>
    public static PoolingParams Max(ConvGeometry geometry) => new(geometry, 0, [], new OutputQuant(0));

    public static PoolingParams Average(ConvGeometry geometry, double inputScale, int inputZeroPoint, double outputScale, OutputQuant output)
    {
        Checks.ZeroPoint(inputZeroPoint, "input zero point");
        var multipliers = new float[geometry.Taps + 1];
        for (int count = 1; count <= geometry.Taps; count++)
            multipliers[count] = (float)(inputScale / (outputScale * count));
        return new PoolingParams(geometry, inputZeroPoint, multipliers, output);
    }

    /// <summary>Global average pooling of a <paramref name="inputShape"/> tensor: one window over all of H x W.</summary>
    public static PoolingParams GlobalAverage(Nhwc inputShape, double inputScale, int inputZeroPoint, double outputScale, OutputQuant output)
        => Average(new ConvGeometry(inputShape.H, inputShape.W), inputScale, inputZeroPoint, outputScale, output);

    internal bool IsAverage => CountMultipliers.Length > 0;
}

public static unsafe class Pooling
{
    public static void MaxPool(KernelTable kernels, PoolingParams pool, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output)
        => Run(kernels.MaxPool, pool, input, inputShape, output, average: false);

    /// <summary>Average pooling, including global average pooling (<see cref="PoolingParams.GlobalAverage"/>).</summary>
    public static void AveragePool(KernelTable kernels, PoolingParams pool, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output)
        => Run(kernels.AveragePool, pool, input, inputShape, output, average: true);

    private static void Run(delegate*<PoolingParams, sbyte*, Nhwc, sbyte*, void> kernel, PoolingParams pool,
        ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output, bool average)
    {
        if (pool.IsAverage != average) throw new ArgumentException($"pooling parameters prepared for {(pool.IsAverage ? "average" : "max")} pooling");
        inputShape.Validate("pooling input");
        pool.Geometry.Validate(inputShape);
        Checks.Length(input, inputShape.Length, "pooling input");
        Checks.Length<sbyte>(output, pool.Geometry.OutputShape(inputShape, inputShape.C).Length, "pooling output");
        fixed (sbyte* x = input, y = output)
            kernel(pool, x, inputShape, y);
    }
}

/// <summary>One ISA's pooling of up to 16 channels over the in-bounds taps of a window.</summary>
internal unsafe interface IPoolingChunk
{
    static abstract void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool);
}

/// <summary>Pixel and channel loops shared by every pooling kernel.</summary>
internal static unsafe class PoolingDriver
{
    public static void Run<TChunk>(PoolingParams pool, sbyte* input, Nhwc s, sbyte* output) where TChunk : struct, IPoolingChunk
    {
        ConvGeometry g = pool.Geometry;
        Nhwc os = g.OutputShape(s, s.C);
        sbyte** taps = stackalloc sbyte*[g.Taps];
        sbyte* dst = output;
        for (int n = 0; n < os.N; n++)
        for (int oy = 0; oy < os.H; oy++)
        for (int ox = 0; ox < os.W; ox++, dst += os.C)
        {
            int tapCount = Window.Taps(g, input, s, n, oy, ox, null, taps);
            for (nint c = 0; c < os.C; c += 16)
                TChunk.Pool(taps, tapCount, c, (nuint)Math.Min(16, os.C - c), dst + c, pool);
        }
    }
}
