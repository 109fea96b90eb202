namespace EdgeQ.Runtime.Kernels;

/// <summary>A 4-D activation shape in NHWC order.</summary>
public readonly record struct Nhwc(int N, int H, int W, int C)
{
    public int Pixels => N * H * W;
    public int Length => N * H * W * C;

    public override string ToString() => $"[{N},{H},{W},{C}]";

    internal void Validate(string what)
    {
        if (N < 1 || H < 1 || W < 1 || C < 1) throw new ArgumentException($"{what} shape {this} has an empty dimension");
    }
}

/// <summary>Spatial window of a convolution or pooling: kernel, stride, dilation and (possibly asymmetric) padding.</summary>
public readonly record struct ConvGeometry(int KernelH, int KernelW, int StrideH = 1, int StrideW = 1,
    int DilationH = 1, int DilationW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
{
    public int Taps => KernelH * KernelW;

    public int OutputH(int inputH) => (inputH + PadTop + PadBottom - DilationH * (KernelH - 1) - 1) / StrideH + 1;
    public int OutputW(int inputW) => (inputW + PadLeft + PadRight - DilationW * (KernelW - 1) - 1) / StrideW + 1;

    public Nhwc OutputShape(Nhwc input, int outputChannels)
        => new(input.N, OutputH(input.H), OutputW(input.W), outputChannels);

    /// <summary>The output columns whose window lies inside the input along W (empty: First &gt; Last).</summary>
    internal (int First, int Last) InteriorColumns(int inputW) => Interior(inputW, KernelW, StrideW, DilationW, PadLeft);

    /// <summary>The output rows whose window lies inside the input along H (empty: First &gt; Last).</summary>
    internal (int First, int Last) InteriorRows(int inputH) => Interior(inputH, KernelH, StrideH, DilationH, PadTop);

    private static (int First, int Last) Interior(int size, int kernel, int stride, int dilation, int padBefore)
    {
        int lastStart = size - 1 - (kernel - 1) * dilation + padBefore;
        return ((padBefore + stride - 1) / stride, lastStart < 0 ? -1 : lastStart / stride);
    }

    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1
                               && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    internal void Validate(Nhwc input)
    {
        if (KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1
            || PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new ArgumentException($"invalid window {this}");
        if (OutputH(input.H) < 1 || OutputW(input.W) < 1)
            throw new ArgumentException($"window {this} does not fit input {input}");
    }
}

internal static class Checks
{
    public static void Length<T>(ReadOnlySpan<T> span, long required, string what)
    {
        if (span.Length < required) throw new ArgumentException($"{what} holds {span.Length} elements, needs {required}");
    }

    /// <summary>Validates a slice of output pixels; a negative count means "to the end". Returns the count.</summary>
    public static int PixelRange(int first, int count, int total)
    {
        if (count < 0) count = total - first;
        if (first < 0 || count < 0 || first + count > total)
            throw new ArgumentOutOfRangeException(nameof(first), $"pixels [{first}, {first + count}) outside [0, {total})");
        return count;
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Per-channel multipliers from a per-channel (length n) or per-tensor (length 1) list, padded to
    /// <paramref name="paddedCount"/> with the last value.</summary>
    public static float[] ExpandMultipliers(ReadOnlySpan<float> multipliers, int n, int paddedCount)
    {
        if (multipliers.Length != n && multipliers.Length != 1)
            throw new ArgumentException($"need 1 (per tensor) or {n} (per channel) multipliers, got {multipliers.Length}");
        var expanded = new float[paddedCount];
        for (int i = 0; i < paddedCount; i++)
        {
            float m = multipliers[multipliers.Length == 1 ? 0 : Math.Min(i, n - 1)];
            if (!(m > 0 && float.IsFinite(m))) throw new ArgumentException($"requantization multiplier {m} must be positive and finite");
            expanded[i] = m;
        }
        return expanded;
    }

    public static void ZeroPoint(int zeroPoint, string what)
    {
        if (zeroPoint is < sbyte.MinValue or > sbyte.MaxValue)
            throw new ArgumentOutOfRangeException(what, zeroPoint, $"{what} must be in [-128, 127]");
    }
}
