using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>A depthwise convolution (one filter per channel, depth multiplier 1) packed tap-major with the input
/// zero point folded into the bias.</summary>
public sealed class PackedDepthwise
{
    internal PackedDepthwise(ConvGeometry geometry, int channels, sbyte[] weights, int[] bias, float[] multipliers,
        sbyte[] zeroPointRow, OutputQuant output)
    {
        Geometry = geometry; Channels = channels; Weights = weights; Bias = bias; Multipliers = multipliers;
        ZeroPointRow = zeroPointRow; Output = output;
    }

    public ConvGeometry Geometry { get; }
    public int Channels { get; }
    public OutputQuant Output { get; }
    internal sbyte[] Weights { get; }
    internal int[] Bias { get; }
    internal float[] Multipliers { get; }
    /// <summary>What padding taps read: the input zero point in every channel (padded to a whole vector).</summary>
    internal sbyte[] ZeroPointRow { get; }

    public int PackedBytes => Weights.Length + Bias.Length * sizeof(int) + Multipliers.Length * sizeof(float) + ZeroPointRow.Length;
}

public static unsafe class Depthwise
{
    /// <param name="weights">1-H-W-C (the .eqm / TFLite depthwise layout), values in [-127, 127].</param>
    /// <param name="multipliers">1 (per tensor) or <paramref name="channels"/> (per channel).</param>
    public static PackedDepthwise Pack(ReadOnlySpan<sbyte> weights, int channels, ConvGeometry geometry,
        ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers, OutputQuant output)
    {
        if (channels < 1) throw new ArgumentException("depthwise conv needs at least one channel");
        int taps = geometry.Taps, padded = Checks.RoundUp(channels, 16);
        Checks.Length(weights, (long)channels * taps, "depthwise weights");
        if (!bias.IsEmpty && bias.Length != channels) throw new ArgumentException($"depthwise bias has {bias.Length} entries, needs {channels}");
        Checks.ZeroPoint(inputZeroPoint, "input zero point");
        var packed = new sbyte[taps * padded];
        var folded = new int[padded];
        // src = 1-H-W-C   dst = H-W-C with C zero padded to a multiple of 16
        for (int c = 0; c < channels; c++)
        {
            long sum = 0, sumAbs = 0;
            for (int t = 0; t < taps; t++)
            {
                sbyte w = weights[t * channels + c];
                if (w == sbyte.MinValue) throw new ArgumentException($"weight of channel {c} is -128; weights must be in [-127, 127]");
                packed[t * padded + c] = w;
                sum += w;
                sumAbs += Math.Abs(w);
            }
            folded[c] = Gemm.FoldBias(bias.IsEmpty ? 0 : bias[c], inputZeroPoint, sum, sumAbs, c);
        }
        var zeroPointRow = new sbyte[padded];
        zeroPointRow.AsSpan().Fill((sbyte)inputZeroPoint);
        return new PackedDepthwise(geometry, channels, packed, folded,
            Checks.ExpandMultipliers(multipliers, channels, padded), zeroPointRow, output);
    }

    /// <summary>Computes output pixels [firstPixel, firstPixel + pixelCount) (flattened N x OH x OW; all by default),
    /// so threads can split a layer; the bytes do not depend on the split.</summary>
    public static void Run(KernelTable kernels, PackedDepthwise dw, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output,
        int firstPixel = 0, int pixelCount = -1)
    {
        inputShape.Validate("depthwise input");
        if (inputShape.C != dw.Channels) throw new ArgumentException($"depthwise conv expects {dw.Channels} channels, got {inputShape}");
        dw.Geometry.Validate(inputShape);
        Nhwc outputShape = dw.Geometry.OutputShape(inputShape, dw.Channels);
        Checks.Length(input, inputShape.Length, "depthwise input");
        Checks.Length<sbyte>(output, outputShape.Length, "depthwise output");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, outputShape.Pixels);
        fixed (sbyte* x = input, y = output, zeroPoints = dw.ZeroPointRow, weights = dw.Weights)
        fixed (int* bias = dw.Bias)
        fixed (float* multipliers = dw.Multipliers)
        {
            var op = new WindowOp(dw.Geometry, x, inputShape, y, dw.Channels, zeroPoints);
            var args = new DepthwiseArgs(weights, bias, multipliers, dw.ZeroPointRow.Length, dw.Channels, dw.Output);
            kernels.Depthwise(op, args, firstPixel, pixelCount);
        }
    }
}

/// <summary>Pinned packed weights of a depthwise convolution.</summary>
internal readonly unsafe struct DepthwiseArgs(sbyte* weights, int* bias, float* multipliers, int paddedChannels, int channels, OutputQuant output)
{
    /// <summary>Tap-major weights; taps are <see cref="PaddedChannels"/> apart.</summary>
    public readonly sbyte* Weights = weights;
    public readonly int* Bias = bias;
    public readonly float* Multipliers = multipliers;
    public readonly int PaddedChannels = paddedChannels;
    public readonly int Channels = channels;
    public readonly OutputQuant Output = output;
}

/// <summary>One ISA's multiply-accumulate of 16 channels over all taps of a window.</summary>
internal unsafe interface IDepthwiseMac
{
    /// <summary>acc += sum_t x_t[c..c+16) * w_t[c..c+16) over <paramref name="tapCount"/> taps; only the first
    /// <paramref name="count"/> channels of each input pixel are read.</summary>
    static abstract void Accumulate(ref Int32x16 acc, sbyte** taps, int tapCount, nint channel, sbyte* weights, nint weightStride, nuint count);

    /// <summary>The same for at most 8 channels, into <see cref="Int32x16.C0"/> and <see cref="Int32x16.C1"/> only:
    /// half the arithmetic where C mod 16 &lt;= 8 (MobileNet-0.25's costliest depthwise layer, 112x112, has C = 8).</summary>
    static abstract void Accumulate8(ref Int32x16 acc, sbyte** taps, int tapCount, nint channel, sbyte* weights, nint weightStride, nuint count);
}

/// <summary>One output pixel, 16 channels at a time: accumulators stay in registers across the whole window, then
/// the shared requantization.</summary>
internal unsafe struct DepthwisePixel<TMac> : IPixelKernel<DepthwiseArgs> where TMac : struct, IDepthwiseMac
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel(sbyte** taps, int tapCount, sbyte* dst, in DepthwiseArgs args)
    {
        for (nint c = 0; c < args.Channels; c += 16)
        {
            nuint count = (nuint)Math.Min(16, args.Channels - c);
            Int32x16 acc = Int32x16.Load(ref args.Bias[c]);
            Vector128<sbyte> result;
            if (count <= 8)
            {
                TMac.Accumulate8(ref acc, taps, tapCount, c, args.Weights + c, args.PaddedChannels, count);
                result = acc.Requantize8(ref args.Multipliers[c], args.Output);
            }
            else
            {
                TMac.Accumulate(ref acc, taps, tapCount, c, args.Weights + c, args.PaddedChannels, count);
                result = acc.Requantize(ref args.Multipliers[c], args.Output);
            }
            Window.StoreChannels(result, dst + c, count);
        }
    }
}
