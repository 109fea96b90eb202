using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>int8 to int8 with another scale and zero point: v = float32(q - in_zp) * float32(in_scale / out_scale),
/// then clamp, round and add out_zp (used where Concat or a layout op joins tensors of different quantization).</summary>
public readonly struct RequantizeParams
{
    public RequantizeParams(double inputScale, int inputZeroPoint, double outputScale, OutputQuant output)
    {
        Checks.ZeroPoint(inputZeroPoint, "input zero point");
        InputZeroPoint = inputZeroPoint;
        Multiplier = (float)(inputScale / outputScale);
        Output = output;
    }

    public int InputZeroPoint { get; }
    public float Multiplier { get; }
    public OutputQuant Output { get; }
}

public static unsafe class RequantizeTensor
{
    public static void Run(KernelTable kernels, ReadOnlySpan<sbyte> input, in RequantizeParams p, Span<sbyte> output)
    {
        Checks.Length<sbyte>(output, input.Length, "requantize output");
        kernels.Requantize(ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output), input.Length, p);
    }
}

internal static class RequantizeReference
{
    public static void Run(ref sbyte src, ref sbyte dst, nint count, in RequantizeParams p)
    {
        for (nint i = 0; i < count; i++)
            Unsafe.Add(ref dst, i) = Requantization.FromFloat((Unsafe.Add(ref src, i) - p.InputZeroPoint) * p.Multiplier, p.Output);
    }
}

internal static class RequantizeVector128
{
    public static void Run(ref sbyte src, ref sbyte dst, nint count, in RequantizeParams p)
    {
        Vector128<float> m = Vector128.Create(p.Multiplier);
        int zeroPoint = p.InputZeroPoint;
        var output = new VectorQuant(p.Output);
        nint i = 0;
        for (; i + 16 <= count; i += 16)
        {
            Floats16 x = Floats16.FromInt8(Vector128.LoadUnsafe(ref src, (nuint)i), zeroPoint);
            Requantization.FromFloats(x.F0 * m, x.F1 * m, x.F2 * m, x.F3 * m, output).StoreUnsafe(ref dst, (nuint)i);
        }
        RequantizeReference.Run(ref Unsafe.Add(ref src, i), ref Unsafe.Add(ref dst, i), count - i, p);
    }
}
