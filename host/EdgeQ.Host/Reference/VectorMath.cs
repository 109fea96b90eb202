using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Host.Reference;

/// <summary>The two inner loops every float conv/gemm here reduces to, written once with a scalar tail.</summary>
internal static class VectorMath
{
    /// <summary>y += a * x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)y.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, i), va, Vector256.LoadUnsafe(ref ry, i)).StoreUnsafe(ref ry, i);
        }
        for (; i < n; i++) Unsafe.Add(ref ry, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref rx, i), a, Unsafe.Add(ref ry, i));
    }

    /// <summary>y += x * w elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rw = ref MemoryMarshal.GetReference(w);
        ref float ry = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)y.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, i), Vector256.LoadUnsafe(ref rw, i), Vector256.LoadUnsafe(ref ry, i)).StoreUnsafe(ref ry, i);
        for (; i < n; i++) Unsafe.Add(ref ry, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref rx, i), Unsafe.Add(ref rw, i), Unsafe.Add(ref ry, i));
    }
}
