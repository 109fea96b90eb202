using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Pointwise nonlinearities (hard-swish, sigmoid, tanh, ...) as out = table[in + 128]; the 256-entry table
/// is built on the host from the float function and both tensors' quantization.</summary>
public static unsafe class Lut
{
    public const int TableSize = 256;

    public static void Run(KernelTable kernels, ReadOnlySpan<sbyte> table, ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        if (table.Length != TableSize) throw new ArgumentException($"lookup table has {table.Length} entries, needs {TableSize}");
        Checks.Length<sbyte>(output, input.Length, "lookup output");
        kernels.Lut(ref MemoryMarshal.GetReference(table), ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output), input.Length);
    }
}

internal static class LutReference
{
    public static void Run(ref sbyte table, ref sbyte src, ref sbyte dst, nint count)
    {
        for (nint i = 0; i < count; i++)
            Unsafe.Add(ref dst, i) = Unsafe.Add(ref table, Unsafe.Add(ref src, i) + 128);
    }
}
