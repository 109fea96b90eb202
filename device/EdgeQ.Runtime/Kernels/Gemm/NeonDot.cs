using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 SDOT 4x16 tile, K in groups of 4: each 16-byte weight vector holds 4 channels x 4 k; SDOT (by
/// element) multiplies it with one broadcast 4-byte group of an input row and adds into int32.</summary>
internal struct Gemm4x16c4NeonDot : IGemmMicrokernel
{
    public static GemmTile Tile => new(4, 16, 4);

    // Inlined into the driver's row loop: a call per tile cost about as much as its requantization.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        ref sbyte a2 = ref GemmDriver.TileRow(ref a, lda, rows, 2);
        ref sbyte a3 = ref GemmDriver.TileRow(ref a, lda, rows, 3);
        Int32x16 r0 = Int32x16.Load(ref bias), r1 = r0, r2 = r0, r3 = r0;
        nint full = k & ~(nint)15, i = 0;
        for (; i < full; i += 16)
        {
            Vector128<sbyte> x0 = Vector128.LoadUnsafe(ref a0, (nuint)i), x1 = Vector128.LoadUnsafe(ref a1, (nuint)i);
            Vector128<sbyte> x2 = Vector128.LoadUnsafe(ref a2, (nuint)i), x3 = Vector128.LoadUnsafe(ref a3, (nuint)i);
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 0, x0, x1, x2, x3, 0);
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 64, x0, x1, x2, x3, 1);
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 128, x0, x1, x2, x3, 2);
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 192, x0, x1, x2, x3, 3);
            w = ref Unsafe.Add(ref w, 256);
        }
        // K tail: whole groups of 4 one at a time, then the last 1-3 inputs; the packed weights are zero beyond K.
        for (; i + 4 <= k; i += 4)
        {
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 0, Quad(GemmDriver.ReadGroup(ref a0, i)), Quad(GemmDriver.ReadGroup(ref a1, i)),
                Quad(GemmDriver.ReadGroup(ref a2, i)), Quad(GemmDriver.ReadGroup(ref a3, i)), 0);
            w = ref Unsafe.Add(ref w, 64);
        }
        if (i < k)
        {
            nuint rest = (nuint)(k - i);
            Group(ref r0, ref r1, ref r2, ref r3, ref w, 0, Quad(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a0, i), rest)),
                Quad(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a1, i), rest)), Quad(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a2, i), rest)),
                Quad(GemmDriver.ReadGroupTail(ref Unsafe.Add(ref a3, i), rest)), 0);
        }
        GemmDriver.Store4x16(r0, r1, r2, r3, rows, ref multipliers, output, ref c, ldc, cols);
    }

    /// <summary>A group of 4 inputs in the low 32-bit lane (SDOT by element reads lane 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Quad(int group) => Vector128.CreateScalarUnsafe(group).AsSByte();

    /// <summary>One group of 4 k (64 packed bytes at <paramref name="offset"/>: 16 channels x 4) for the four rows;
    /// <paramref name="lane"/> selects the group's 4 bytes inside each row's 16-byte input vector. A constant offset
    /// from one base becomes the load's immediate (no address add per group).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group(ref Int32x16 r0, ref Int32x16 r1, ref Int32x16 r2, ref Int32x16 r3, ref sbyte wp, nuint offset,
        Vector128<sbyte> x0, Vector128<sbyte> x1, Vector128<sbyte> x2, Vector128<sbyte> x3, [ConstantExpected(Max = 3)] byte lane)
    {
        Vector128<sbyte> w0 = Vector128.LoadUnsafe(ref wp, offset), w1 = Vector128.LoadUnsafe(ref wp, offset + 16);
        Vector128<sbyte> w2 = Vector128.LoadUnsafe(ref wp, offset + 32), w3 = Vector128.LoadUnsafe(ref wp, offset + 48);
        Dot(ref r0, w0, w1, w2, w3, x0, lane);
        Dot(ref r1, w0, w1, w2, w3, x1, lane);
        Dot(ref r2, w0, w1, w2, w3, x2, lane);
        Dot(ref r3, w0, w1, w2, w3, x3, lane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot(ref Int32x16 row, Vector128<sbyte> w0, Vector128<sbyte> w1, Vector128<sbyte> w2, Vector128<sbyte> w3,
        Vector128<sbyte> x, [ConstantExpected(Max = 3)] byte lane)
    {
        row.C0 = Dp.DotProductBySelectedQuadruplet(row.C0, w0, x, lane);
        row.C1 = Dp.DotProductBySelectedQuadruplet(row.C1, w1, x, lane);
        row.C2 = Dp.DotProductBySelectedQuadruplet(row.C2, w2, x, lane);
        row.C3 = Dp.DotProductBySelectedQuadruplet(row.C3, w3, x, lane);
    }
}
