using System.Runtime.CompilerServices;

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
    /// <summary>Indexed by the number of taps inside the input; [0] = 0 (a window wholly in padding gives the zero
    /// point). With count_include_pad every entry holds the whole window's multiplier.</summary>
    internal float[] CountMultipliers { get; }

    /// <summary>Max pooling moves int8 values: input and output share scale and zero point.</summary>
    public static PoolingParams Max(ConvGeometry geometry) => new(geometry, 0, [], new OutputQuant(0));

    /// <param name="countIncludePad">Divide by the whole window (ONNX count_include_pad = 1) instead of the taps
    /// inside the input; padding adds q - in_zp = 0 to the sum either way.</param>
    public static PoolingParams Average(ConvGeometry geometry, double inputScale, int inputZeroPoint, double outputScale,
        OutputQuant output, bool countIncludePad = false)
    {
        Checks.ZeroPoint(inputZeroPoint, "input zero point");
        var multipliers = new float[geometry.Taps + 1];
        for (int count = 1; count <= geometry.Taps; count++)
            multipliers[count] = (float)(inputScale / (outputScale * (countIncludePad ? geometry.Taps : count)));
        return new PoolingParams(geometry, inputZeroPoint, multipliers, output);
    }

    /// <summary>Global average pooling of a <paramref name="inputShape"/> tensor: one window over all of H x W.</summary>
    public static PoolingParams GlobalAverage(Nhwc inputShape, double inputScale, int inputZeroPoint, double outputScale, OutputQuant output)
        => Average(new ConvGeometry(inputShape.H, inputShape.W), inputScale, inputZeroPoint, outputScale, output);

    internal bool IsAverage => CountMultipliers.Length > 0;
}

public static unsafe class Pooling
{
    /// <summary>Max pooling of output pixels [firstPixel, firstPixel + pixelCount) (all by default).</summary>
    public static void MaxPool(KernelTable kernels, PoolingParams pool, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output,
        int firstPixel = 0, int pixelCount = -1)
        => Run(kernels.MaxPool, pool, input, inputShape, output, average: false, firstPixel, pixelCount);

    /// <summary>Average pooling, including global average pooling (<see cref="PoolingParams.GlobalAverage"/>).</summary>
    public static void AveragePool(KernelTable kernels, PoolingParams pool, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output,
        int firstPixel = 0, int pixelCount = -1)
        => Run(kernels.AveragePool, pool, input, inputShape, output, average: true, firstPixel, pixelCount);

    private static void Run(delegate*<in WindowOp, in PoolingArgs, int, int, void> kernel, PoolingParams pool,
        ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output, bool average, int firstPixel, int pixelCount)
    {
        if (pool.IsAverage != average) throw new ArgumentException($"pooling parameters prepared for {(pool.IsAverage ? "average" : "max")} pooling");
        inputShape.Validate("pooling input");
        pool.Geometry.Validate(inputShape);
        Nhwc outputShape = pool.Geometry.OutputShape(inputShape, inputShape.C);
        Checks.Length(input, inputShape.Length, "pooling input");
        Checks.Length<sbyte>(output, outputShape.Length, "pooling output");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, outputShape.Pixels);
        fixed (sbyte* x = input, y = output)
            kernel(new WindowOp(pool.Geometry, x, inputShape, y, inputShape.C, null), new PoolingArgs(pool, inputShape.C), firstPixel, pixelCount);
    }
}

internal readonly struct PoolingArgs(PoolingParams pool, int channels)
{
    public readonly PoolingParams Pool = pool;
    public readonly int Channels = channels;
}

/// <summary>One ISA's pooling of up to 16 channels over the in-bounds taps of a window.</summary>
internal unsafe interface IPoolingChunk
{
    static abstract void Pool(sbyte** taps, int tapCount, nint channel, nuint count, sbyte* dst, PoolingParams pool);
}

/// <summary>One output pixel, 16 channels at a time.</summary>
internal unsafe struct PoolingPixel<TChunk> : IPixelKernel<PoolingArgs> where TChunk : struct, IPoolingChunk
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel(sbyte** taps, int tapCount, sbyte* dst, in PoolingArgs args)
    {
        for (nint c = 0; c < args.Channels; c += 16)
            TChunk.Pool(taps, tapCount, c, (nuint)Math.Min(16, args.Channels - c), dst + c, args.Pool);
    }
}
