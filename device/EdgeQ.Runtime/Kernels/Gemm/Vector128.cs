using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Portable 4x16 tile, K one at a time: int8 widened to int16, multiplied (|w * x| &lt;= 16256 fits),
/// widened to int32 and accumulated.</summary>
internal struct Gemm4x16c1Vector128 : IGemmMicrokernel
{
    public static GemmTile Tile => new(4, 16, 1);

    public static void Compute(ref sbyte a, nint lda, nint rows, ref sbyte w, ref int bias, nint k, ref int acc)
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        ref sbyte a2 = ref GemmDriver.TileRow(ref a, lda, rows, 2);
        ref sbyte a3 = ref GemmDriver.TileRow(ref a, lda, rows, 3);
        Row r0 = Row.Load(ref bias), r1 = r0, r2 = r0, r3 = r0;
        for (nint i = 0; i < k; i++)
        {
            (Vector128<short> wLo, Vector128<short> wHi) = Vector128.Widen(Vector128.LoadUnsafe(ref w, (nuint)(i * 16)));
            r0.MultiplyAdd(wLo, wHi, Unsafe.Add(ref a0, i));
            r1.MultiplyAdd(wLo, wHi, Unsafe.Add(ref a1, i));
            r2.MultiplyAdd(wLo, wHi, Unsafe.Add(ref a2, i));
            r3.MultiplyAdd(wLo, wHi, Unsafe.Add(ref a3, i));
        }
        r0.Store(ref acc);
        r1.Store(ref Unsafe.Add(ref acc, 16));
        r2.Store(ref Unsafe.Add(ref acc, 32));
        r3.Store(ref Unsafe.Add(ref acc, 48));
    }

    /// <summary>16 int32 accumulators of one row.</summary>
    private struct Row
    {
        private Vector128<int> _c0, _c1, _c2, _c3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row Load(ref int src) => new()
        {
            _c0 = Vector128.LoadUnsafe(ref src, 0), _c1 = Vector128.LoadUnsafe(ref src, 4),
            _c2 = Vector128.LoadUnsafe(ref src, 8), _c3 = Vector128.LoadUnsafe(ref src, 12),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void MultiplyAdd(Vector128<short> wLo, Vector128<short> wHi, sbyte x)
        {
            Vector128<short> xv = Vector128.Create((short)x);
            (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(wLo * xv);
            (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(wHi * xv);
            _c0 += p0; _c1 += p1; _c2 += p2; _c3 += p3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ref int dst)
        {
            _c0.StoreUnsafe(ref dst, 0); _c1.StoreUnsafe(ref dst, 4);
            _c2.StoreUnsafe(ref dst, 8); _c3.StoreUnsafe(ref dst, 12);
        }
    }
}
