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
    /// <summary>Channels rounded up to a whole vector: the stride between taps in <see cref="Weights"/>.</summary>
    internal int PaddedChannels => ZeroPointRow.Length;
    internal sbyte[] Weights { get; }
    internal int[] Bias { get; }
    internal float[] Multipliers { get; }
    /// <summary>What padding taps read: the input zero point in every channel.</summary>
    internal sbyte[] ZeroPointRow { get; }

    public int PackedBytes => Weights.Length + Bias.Length * sizeof(int) + Multipliers.Length * sizeof(float) + ZeroPointRow.Length;
}

public static unsafe class Depthwise
{
    /// <param name="weights">O-H-W (ONNX [C, 1, KH, KW]), values in [-127, 127].</param>
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
        // src = O-H-W (channel-major)   dst = H-W-O (tap-major, channels contiguous, zero padded to 16)
        for (int c = 0; c < channels; c++)
        {
            long sum = 0, sumAbs = 0;
            for (int t = 0; t < taps; t++)
            {
                sbyte w = weights[c * taps + t];
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

    public static void Run(KernelTable kernels, PackedDepthwise dw, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output)
    {
        inputShape.Validate("depthwise input");
        if (inputShape.C != dw.Channels) throw new ArgumentException($"depthwise conv expects {dw.Channels} channels, got {inputShape}");
        dw.Geometry.Validate(inputShape);
        Checks.Length(input, inputShape.Length, "depthwise input");
        Checks.Length<sbyte>(output, dw.Geometry.OutputShape(inputShape, dw.Channels).Length, "depthwise output");
        fixed (sbyte* x = input, y = output)
            kernels.Depthwise(dw, x, inputShape, y);
    }
}

/// <summary>One ISA's multiply-accumulate of 16 channels over all taps of a window.</summary>
internal unsafe interface IDepthwiseMac
{
    /// <summary>acc += sum_t x_t[c..c+16) * w_t[c..c+16) over <paramref name="tapCount"/> taps; only the first
    /// <paramref name="count"/> channels of each input pixel are read.</summary>
    static abstract void Accumulate(ref Int32x16 acc, sbyte** taps, int tapCount, nint channel, sbyte* weights, nint weightStride, nuint count);
}

/// <summary>16 int32 accumulators, kept in registers across a kernel window.</summary>
internal unsafe struct Int32x16
{
    public Vector128<int> C0, C1, C2, C3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int32x16 Load(int* src) => new()
    {
        C0 = Vector128.Load(src), C1 = Vector128.Load(src + 4), C2 = Vector128.Load(src + 8), C3 = Vector128.Load(src + 12),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
    {
        C0 += a; C1 += b; C2 += c; C3 += d;
    }
}

/// <summary>The pixel and channel loops around a depthwise MAC, shared by the vector variants.</summary>
internal static unsafe class DepthwiseDriver
{
    public static void Run<TMac>(PackedDepthwise dw, sbyte* input, Nhwc s, sbyte* output) where TMac : struct, IDepthwiseMac
    {
        ConvGeometry g = dw.Geometry;
        Nhwc os = g.OutputShape(s, dw.Channels);
        OutputQuant q = dw.Output;
        sbyte** taps = stackalloc sbyte*[g.Taps];
        fixed (sbyte* weights = dw.Weights, zeroPoints = dw.ZeroPointRow)
        fixed (int* bias = dw.Bias)
        fixed (float* multipliers = dw.Multipliers)
        {
            sbyte* dst = output;
            for (int n = 0; n < os.N; n++)
            for (int oy = 0; oy < os.H; oy++)
            for (int ox = 0; ox < os.W; ox++, dst += os.C)
            {
                int tapCount = Window.Taps(g, input, s, n, oy, ox, zeroPoints, taps);
                for (nint c = 0; c < os.C; c += 16)
                {
                    nuint count = (nuint)Math.Min(16, os.C - c);
                    Int32x16 acc = Int32x16.Load(bias + c);
                    TMac.Accumulate(ref acc, taps, tapCount, c, weights + c, dw.PaddedChannels, count);
                    Window.StoreChannels(Requantization.FromAccumulators(acc.C0, acc.C1, acc.C2, acc.C3, ref multipliers[c], q), dst + c, count);
                }
            }
        }
    }
}
