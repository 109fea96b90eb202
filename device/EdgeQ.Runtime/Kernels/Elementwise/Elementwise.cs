using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Quantization of a binary elementwise op, prepared at load (docs/quantization.md):
/// Add: v = a' * (sa / so) + b' * (sb / so); Mul: v = (a' * b') * (sa * sb / so); a' = float32(qa - za).</summary>
public readonly struct BinaryQuant
{
    private BinaryQuant(int zeroPointA, int zeroPointB, float multiplierA, float multiplierB, OutputQuant output)
    {
        Checks.ZeroPoint(zeroPointA, "zero point of A");
        Checks.ZeroPoint(zeroPointB, "zero point of B");
        ZeroPointA = zeroPointA; ZeroPointB = zeroPointB; MultiplierA = multiplierA; MultiplierB = multiplierB; Output = output;
    }

    public int ZeroPointA { get; }
    public int ZeroPointB { get; }
    /// <summary>Add: sa / so. Mul: sa * sb / so.</summary>
    public float MultiplierA { get; }
    /// <summary>Add: sb / so. Mul: unused.</summary>
    public float MultiplierB { get; }
    public OutputQuant Output { get; }

    public static BinaryQuant Add(double scaleA, int zeroPointA, double scaleB, int zeroPointB, double outputScale, OutputQuant output)
        => new(zeroPointA, zeroPointB, (float)(scaleA / outputScale), (float)(scaleB / outputScale), output);

    public static BinaryQuant Mul(double scaleA, int zeroPointA, double scaleB, int zeroPointB, double outputScale, OutputQuant output)
        => new(zeroPointA, zeroPointB, (float)(scaleA * scaleB / outputScale), 0, output);
}

/// <summary>The float arithmetic of one binary op, scalar and vector, in the spec's order (no fused multiply-add).</summary>
internal interface IBinaryOp
{
    static abstract float Invoke(float a, float b, in BinaryQuant q);
    static abstract Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, in BinaryQuant q);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, in BinaryQuant q);
}

internal readonly struct AddOp : IBinaryOp
{
    public static float Invoke(float a, float b, in BinaryQuant q) => a * q.MultiplierA + b * q.MultiplierB;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, in BinaryQuant q)
        => a * Vector128.Create(q.MultiplierA) + b * Vector128.Create(q.MultiplierB);
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, in BinaryQuant q)
        => a * Vector256.Create(q.MultiplierA) + b * Vector256.Create(q.MultiplierB);
}

internal readonly struct MulOp : IBinaryOp
{
    public static float Invoke(float a, float b, in BinaryQuant q) => a * b * q.MultiplierA;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, in BinaryQuant q)
        => a * b * Vector128.Create(q.MultiplierA);
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, in BinaryQuant q)
        => a * b * Vector256.Create(q.MultiplierA);
}

/// <summary>Add and Mul of int8 tensors with NumPy broadcasting over NHWC (e.g. an SE block's [N,H,W,C] * [N,1,1,C]).</summary>
public static unsafe class Elementwise
{
    /// <summary>Output pixels [firstPixel, firstPixel + pixelCount) (flattened N x H x W of the broadcast shape; all by
    /// default) of a + b.</summary>
    public static void Add(KernelTable kernels, ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape,
        in BinaryQuant q, Span<sbyte> output, int firstPixel = 0, int pixelCount = -1)
        => Run(kernels.Add, a, aShape, b, bShape, q, output, firstPixel, pixelCount);

    public static void Mul(KernelTable kernels, ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape,
        in BinaryQuant q, Span<sbyte> output, int firstPixel = 0, int pixelCount = -1)
        => Run(kernels.Mul, a, aShape, b, bShape, q, output, firstPixel, pixelCount);

    /// <summary>The broadcast shape of two operands; each dimension must match or be 1.</summary>
    public static Nhwc BroadcastShape(Nhwc a, Nhwc b)
    {
        static int Dim(int x, int y) => x == y || y == 1 ? x : x == 1 ? y
            : throw new ArgumentException($"shapes cannot broadcast: dimension {x} vs {y}");
        return new Nhwc(Dim(a.N, b.N), Dim(a.H, b.H), Dim(a.W, b.W), Dim(a.C, b.C));
    }

    private static void Run(delegate*<ref sbyte, nint, ref sbyte, nint, ref sbyte, nint, in BinaryQuant, void> kernel,
        ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape, in BinaryQuant q, Span<sbyte> output,
        int firstPixel, int pixelCount)
    {
        aShape.Validate("A");
        bShape.Validate("B");
        Nhwc os = BroadcastShape(aShape, bShape);
        Checks.Length(a, aShape.Length, "A");
        Checks.Length(b, bShape.Length, "B");
        Checks.Length<sbyte>(output, os.Length, "elementwise output");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, os.Pixels);
        ref sbyte ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), ro = ref MemoryMarshal.GetReference(output);

        // One run over the whole range when neither operand broadcasts or one is a single value.
        bool aScalar = aShape.Length == 1, bScalar = bShape.Length == 1;
        if (aShape == bShape || aScalar && bShape == os || bScalar && aShape == os)
        {
            nint start = (nint)firstPixel * os.C;
            kernel(ref Unsafe.Add(ref ra, aScalar ? 0 : start), aScalar ? 0 : 1, ref Unsafe.Add(ref rb, bScalar ? 0 : start), bScalar ? 0 : 1,
                ref Unsafe.Add(ref ro, start), (nint)pixelCount * os.C, q);
            return;
        }
        // Otherwise one run of C per output pixel; a broadcast dimension has stride 0.
        nint aStep = aShape.C == 1 ? 0 : 1, bStep = bShape.C == 1 ? 0 : 1;
        for (int p = firstPixel; p < firstPixel + pixelCount; p++)
        {
            int w = p % os.W, h = p / os.W % os.H, n = p / (os.W * os.H);
            kernel(ref Unsafe.Add(ref ra, Offset(aShape, n, h, w)), aStep, ref Unsafe.Add(ref rb, Offset(bShape, n, h, w)), bStep,
                ref Unsafe.Add(ref ro, (nint)p * os.C), os.C, q);
        }
    }

    private static nint Offset(Nhwc s, int n, int h, int w)
        => ((nint)(s.N == 1 ? 0 : n) * s.H + (s.H == 1 ? 0 : h)) * s.W * s.C + (nint)(s.W == 1 ? 0 : w) * s.C;
}
