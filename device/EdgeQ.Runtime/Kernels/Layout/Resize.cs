using System.Runtime.Intrinsics;
using EdgeQ.Format;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Source coordinates of a resize, computed once at load in double.</summary>
public static class ResizeAxis
{
    public static double SourceCoordinate(int outputIndex, int inputSize, int outputSize, CoordinateTransform mode)
    {
        double scale = (double)outputSize / inputSize;
        return mode switch
        {
            CoordinateTransform.HalfPixel => (outputIndex + 0.5) / scale - 0.5,
            CoordinateTransform.PytorchHalfPixel => outputSize > 1 ? (outputIndex + 0.5) / scale - 0.5 : 0,
            CoordinateTransform.AlignCorners => outputSize > 1 ? outputIndex * (inputSize - 1.0) / (outputSize - 1) : 0,
            CoordinateTransform.Asymmetric => outputIndex / scale,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }

    public static int[] Nearest(int inputSize, int outputSize, CoordinateTransform mode, NearestRounding rounding)
    {
        var index = new int[outputSize];
        for (int o = 0; o < outputSize; o++)
        {
            double x = SourceCoordinate(o, inputSize, outputSize, mode);
            double r = rounding switch
            {
                NearestRounding.RoundPreferFloor => x == Math.Floor(x) + 0.5 ? Math.Floor(x) : Math.Round(x),
                NearestRounding.RoundPreferCeil => x == Math.Floor(x) + 0.5 ? Math.Ceiling(x) : Math.Round(x),
                NearestRounding.Floor => Math.Floor(x),
                _ => Math.Ceiling(x),
            };
            index[o] = (int)Math.Clamp(r, 0, inputSize - 1);
        }
        return index;
    }

    /// <summary>For each output index: the two input indices and their float32 weights (summing to 1).</summary>
    public static (int[] I0, int[] I1, float[] W0, float[] W1) Linear(int inputSize, int outputSize, CoordinateTransform mode)
    {
        var (i0, i1, w0, w1) = (new int[outputSize], new int[outputSize], new float[outputSize], new float[outputSize]);
        for (int o = 0; o < outputSize; o++)
        {
            double x = Math.Clamp(SourceCoordinate(o, inputSize, outputSize, mode), 0, inputSize - 1);
            int lo = (int)Math.Floor(x);
            i0[o] = lo;
            i1[o] = Math.Min(lo + 1, inputSize - 1);
            w1[o] = (float)(x - lo);
            w0[o] = (float)(1 - (x - lo));
        }
        return (i0, i1, w0, w1);
    }
}

/// <summary>Nearest resize: a pure int8 move (input and output share quantization) through index tables.</summary>
public sealed class ResizeNearest(Nhwc input, int outputH, int outputW, CoordinateTransform mode, NearestRounding rounding)
{
    private readonly int[] _sourceY = ResizeAxis.Nearest(input.H, outputH, mode, rounding);
    private readonly int[] _sourceX = ResizeAxis.Nearest(input.W, outputW, mode, rounding);

    public Nhwc Input { get; } = input;
    public Nhwc Output { get; } = input with { H = outputH, W = outputW };

    public void Run(ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        Checks.Length(input, Input.Length, "resize input");
        Checks.Length<sbyte>(output, Output.Length, "resize output");
        int c = Input.C, dst = 0;
        for (int n = 0; n < Output.N; n++)
        for (int y = 0; y < Output.H; y++)
        for (int x = 0; x < Output.W; x++, dst += c)
            input.Slice(((n * Input.H + _sourceY[y]) * Input.W + _sourceX[x]) * c, c).CopyTo(output[dst..]);
    }
}

/// <summary>Bilinear resize prepared at load: per-axis indices and float32 weights. Per output value:
/// v = ((wy0*wx0)*d00 + (wy0*wx1)*d01 + (wy1*wx0)*d10) + (wy1*wx1)*d11 with d = float32(q - in_zp), left to right,
/// each product and sum rounded to float32; then v * float32(in_scale / out_scale), clamp, round, + out_zp.</summary>
public sealed class ResizeBilinear
{
    public ResizeBilinear(Nhwc input, int outputH, int outputW, CoordinateTransform mode, RequantizeParams quant)
    {
        input.Validate("resize input");
        Input = input;
        Output = input with { H = outputH, W = outputW };
        Quant = quant;
        (Y0, Y1, WY0, WY1) = ResizeAxis.Linear(input.H, outputH, mode);
        (X0, X1, WX0, WX1) = ResizeAxis.Linear(input.W, outputW, mode);
    }

    public Nhwc Input { get; }
    public Nhwc Output { get; }
    public RequantizeParams Quant { get; }
    internal int[] Y0 { get; }
    internal int[] Y1 { get; }
    internal float[] WY0 { get; }
    internal float[] WY1 { get; }
    internal int[] X0 { get; }
    internal int[] X1 { get; }
    internal float[] WX0 { get; }
    internal float[] WX1 { get; }

    /// <summary>Output pixels [firstPixel, firstPixel + pixelCount) (flattened N x OH x OW; all by default).</summary>
    public unsafe void Run(KernelTable kernels, ReadOnlySpan<sbyte> input, Span<sbyte> output, int firstPixel = 0, int pixelCount = -1)
    {
        Checks.Length(input, Input.Length, "resize input");
        Checks.Length<sbyte>(output, Output.Length, "resize output");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, Output.Pixels);
        fixed (sbyte* x = input, y = output)
            kernels.ResizeBilinear(this, x, y, firstPixel, pixelCount);
    }
}

/// <summary>One ISA's blend of up to 16 channels of the four source pixels.</summary>
internal unsafe interface IBilinearChunk
{
    static abstract void Blend(sbyte* p00, sbyte* p01, sbyte* p10, sbyte* p11, float w00, float w01, float w10, float w11,
        nuint count, sbyte* dst, in RequantizeParams q);
}

internal static unsafe class BilinearDriver
{
    public static void Run<TChunk>(ResizeBilinear r, sbyte* input, sbyte* output, int first, int count) where TChunk : struct, IBilinearChunk
    {
        Nhwc s = r.Input;
        RequantizeParams q = r.Quant;
        for (int p = first; p < first + count; p++)
        {
            int ox = p % r.Output.W, oy = p / r.Output.W % r.Output.H, n = p / (r.Output.W * r.Output.H);
            sbyte* row0 = input + ((nint)n * s.H + r.Y0[oy]) * s.W * s.C, row1 = input + ((nint)n * s.H + r.Y1[oy]) * s.W * s.C;
            nint x0 = (nint)r.X0[ox] * s.C, x1 = (nint)r.X1[ox] * s.C;
            float w00 = r.WY0[oy] * r.WX0[ox], w01 = r.WY0[oy] * r.WX1[ox], w10 = r.WY1[oy] * r.WX0[ox], w11 = r.WY1[oy] * r.WX1[ox];
            sbyte* dst = output + (nint)p * s.C;
            for (nint c = 0; c < s.C; c += 16)
                TChunk.Blend(row0 + x0 + c, row0 + x1 + c, row1 + x0 + c, row1 + x1 + c, w00, w01, w10, w11,
                    (nuint)Math.Min(16, s.C - c), dst + c, q);
        }
    }
}

internal unsafe struct BilinearReference : IBilinearChunk
{
    public static void Blend(sbyte* p00, sbyte* p01, sbyte* p10, sbyte* p11, float w00, float w01, float w10, float w11,
        nuint count, sbyte* dst, in RequantizeParams q)
    {
        for (nuint c = 0; c < count; c++)
        {
            int zp = q.InputZeroPoint;
            float v = w00 * (p00[c] - zp) + w01 * (p01[c] - zp) + w10 * (p10[c] - zp) + w11 * (p11[c] - zp);
            dst[c] = Requantization.FromFloat(v * q.Multiplier, q.Output);
        }
    }
}

internal unsafe struct BilinearC16Vector128 : IBilinearChunk
{
    public static void Blend(sbyte* p00, sbyte* p01, sbyte* p10, sbyte* p11, float w00, float w01, float w10, float w11,
        nuint count, sbyte* dst, in RequantizeParams q)
    {
        int zp = q.InputZeroPoint;
        Floats16 d00 = Floats16.FromInt8(Window.LoadChannels(p00, count), zp), d01 = Floats16.FromInt8(Window.LoadChannels(p01, count), zp);
        Floats16 d10 = Floats16.FromInt8(Window.LoadChannels(p10, count), zp), d11 = Floats16.FromInt8(Window.LoadChannels(p11, count), zp);
        Vector128<float> a = Vector128.Create(w00), b = Vector128.Create(w01), c = Vector128.Create(w10), d = Vector128.Create(w11);
        Vector128<float> m = Vector128.Create(q.Multiplier);
        Window.StoreChannels(Requantization.FromFloats(
            (a * d00.F0 + b * d01.F0 + c * d10.F0 + d * d11.F0) * m, (a * d00.F1 + b * d01.F1 + c * d10.F1 + d * d11.F1) * m,
            (a * d00.F2 + b * d01.F2 + c * d10.F2 + d * d11.F2) * m, (a * d00.F3 + b * d01.F3 + c * d10.F3 + d * d11.F3) * m,
            new VectorQuant(q.Output)), dst, count);
    }
}
