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
}

internal readonly struct AddOp : IBinaryOp
{
    public static float Invoke(float a, float b, in BinaryQuant q) => a * q.MultiplierA + b * q.MultiplierB;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, in BinaryQuant q)
        => a * Vector128.Create(q.MultiplierA) + b * Vector128.Create(q.MultiplierB);
}

internal readonly struct MulOp : IBinaryOp
{
    public static float Invoke(float a, float b, in BinaryQuant q) => a * b * q.MultiplierA;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, in BinaryQuant q)
        => a * b * Vector128.Create(q.MultiplierA);
}

/// <summary>Add and Mul of int8 tensors with NumPy broadcasting over NHWC (e.g. an SE block's [N,H,W,C] * [N,1,1,C]).</summary>
public static unsafe class Elementwise
{
    public static void Add(KernelTable kernels, ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape,
        in BinaryQuant q, Span<sbyte> output) => Run(kernels.Add, a, aShape, b, bShape, q, output);

    public static void Mul(KernelTable kernels, ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape,
        in BinaryQuant q, Span<sbyte> output) => Run(kernels.Mul, a, aShape, b, bShape, q, output);

    /// <summary>The broadcast shape of two operands; each dimension must match or be 1.</summary>
    public static Nhwc BroadcastShape(Nhwc a, Nhwc b)
    {
        static int Dim(int x, int y) => x == y || y == 1 ? x : x == 1 ? y
            : throw new ArgumentException($"shapes cannot broadcast: dimension {x} vs {y}");
        return new Nhwc(Dim(a.N, b.N), Dim(a.H, b.H), Dim(a.W, b.W), Dim(a.C, b.C));
    }

    private static void Run(delegate*<ref sbyte, nint, ref sbyte, nint, ref sbyte, nint, in BinaryQuant, void> kernel,
        ReadOnlySpan<sbyte> a, Nhwc aShape, ReadOnlySpan<sbyte> b, Nhwc bShape, in BinaryQuant q, Span<sbyte> output)
    {
        aShape.Validate("A");
        bShape.Validate("B");
        Nhwc os = BroadcastShape(aShape, bShape);
        Checks.Length(a, aShape.Length, "A");
        Checks.Length(b, bShape.Length, "B");
        Checks.Length<sbyte>(output, os.Length, "elementwise output");
        ref sbyte ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), ro = ref MemoryMarshal.GetReference(output);

        // One run over everything when neither operand broadcasts or one is a single value.
        if (aShape.Length == os.Length && bShape.Length is 1 || aShape == bShape || aShape.Length is 1 && bShape.Length == os.Length)
        {
            kernel(ref ra, aShape.Length == 1 ? 0 : 1, ref rb, bShape.Length == 1 ? 0 : 1, ref ro, os.Length, q);
            return;
        }
        // Otherwise one run of C per output pixel; a broadcast dimension has stride 0.
        nint aStep = aShape.C == 1 ? 0 : 1, bStep = bShape.C == 1 ? 0 : 1;
        nint pixel = 0;
        for (int n = 0; n < os.N; n++)
        for (int h = 0; h < os.H; h++)
        for (int w = 0; w < os.W; w++, pixel++)
        {
            kernel(ref Unsafe.Add(ref ra, Offset(aShape, n, h, w)), aStep, ref Unsafe.Add(ref rb, Offset(bShape, n, h, w)), bStep,
                ref Unsafe.Add(ref ro, pixel * os.C), os.C, q);
        }
    }

    private static nint Offset(Nhwc s, int n, int h, int w)
        => ((nint)(s.N == 1 ? 0 : n) * s.H + (s.H == 1 ? 0 : h)) * s.W * s.C + (nint)(s.W == 1 ? 0 : w) * s.C;
}
