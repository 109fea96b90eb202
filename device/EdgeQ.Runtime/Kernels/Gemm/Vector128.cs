using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Portable 4x16 tile, K one at a time: int8 widened to int16, multiplied (|w * x| &lt;= 16256 fits),
/// widened to int32 and accumulated.</summary>
internal struct Gemm4x16c1Vector128 : IGemmMicrokernel
{
    public static GemmTile Tile => new(4, 16, 1);

    public static void Run(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        ref sbyte a2 = ref GemmDriver.TileRow(ref a, lda, rows, 2);
        ref sbyte a3 = ref GemmDriver.TileRow(ref a, lda, rows, 3);
        Int32x16 r0 = Int32x16.Load(ref bias), r1 = r0, r2 = r0, r3 = r0;
        for (nint i = 0; i < k; i++)
        {
            (Vector128<short> wLo, Vector128<short> wHi) = Vector128.Widen(Vector128.LoadUnsafe(ref w, (nuint)(i * 16)));
            MultiplyAdd(ref r0, wLo, wHi, Unsafe.Add(ref a0, i));
            MultiplyAdd(ref r1, wLo, wHi, Unsafe.Add(ref a1, i));
            MultiplyAdd(ref r2, wLo, wHi, Unsafe.Add(ref a2, i));
            MultiplyAdd(ref r3, wLo, wHi, Unsafe.Add(ref a3, i));
        }
        GemmDriver.Store4x16(r0, r1, r2, r3, rows, ref multipliers, output, ref c, ldc, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ref Int32x16 row, Vector128<short> wLo, Vector128<short> wHi, sbyte x)
    {
        Vector128<short> xv = Vector128.Create((short)x);
        (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(wLo * xv);
        (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(wHi * xv);
        row.Add(p0, p1, p2, p3);
    }
}
