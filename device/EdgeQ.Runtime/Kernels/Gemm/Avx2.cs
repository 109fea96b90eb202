using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>x86 AVX2 4x16 tile, K in pairs: weights sign-extended to int16 (VPMOVSXBW), VPMADDWD multiplies each
/// channel's pair by the broadcast input pair and adds the two products into int32.</summary>
internal struct Gemm4x16c2Avx2 : IGemmMicrokernel
{
    public static GemmTile Tile => new(4, 16, 2);

    public static void Run(ref sbyte a, nint lda, nint rows, ref sbyte w, nint k, ref int bias, ref float multipliers,
        in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        ref sbyte a0 = ref GemmDriver.TileRow(ref a, lda, rows, 0);
        ref sbyte a1 = ref GemmDriver.TileRow(ref a, lda, rows, 1);
        ref sbyte a2 = ref GemmDriver.TileRow(ref a, lda, rows, 2);
        ref sbyte a3 = ref GemmDriver.TileRow(ref a, lda, rows, 3);
        Vector256<int> b0 = Vector256.LoadUnsafe(ref bias, 0), b1 = Vector256.LoadUnsafe(ref bias, 8);
        Vector256<int> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
        for (nint i = 0; i < k; i += 2)
        {
            // The last pair of an odd K reads only a[k - 1]; its packed partner weight is zero.
            bool full = i + 1 < k;
            ref sbyte wp = ref Unsafe.Add(ref w, i * 16);
            Vector256<short> w0 = X86.Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref wp));
            Vector256<short> w1 = X86.Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref wp, 16));
            Vector256<short> x0 = Pair(ref a0, i, full), x1 = Pair(ref a1, i, full);
            Vector256<short> x2 = Pair(ref a2, i, full), x3 = Pair(ref a3, i, full);
            c00 += X86.Avx2.MultiplyAddAdjacent(w0, x0); c01 += X86.Avx2.MultiplyAddAdjacent(w1, x0);
            c10 += X86.Avx2.MultiplyAddAdjacent(w0, x1); c11 += X86.Avx2.MultiplyAddAdjacent(w1, x1);
            c20 += X86.Avx2.MultiplyAddAdjacent(w0, x2); c21 += X86.Avx2.MultiplyAddAdjacent(w1, x2);
            c30 += X86.Avx2.MultiplyAddAdjacent(w0, x3); c31 += X86.Avx2.MultiplyAddAdjacent(w1, x3);
        }
        GemmDriver.Store4x16(c00, c01, c10, c11, c20, c21, c30, c31, rows, ref multipliers, output, ref c, ldc, cols);
    }

    /// <summary>(x[i], x[i + 1]) as two int16 in every 32-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pair(ref sbyte x, nint i, bool full)
    {
        int lo = (ushort)Unsafe.Add(ref x, i);
        int hi = full ? Unsafe.Add(ref x, i + 1) : 0;
        return Vector256.Create(lo | hi << 16).AsInt16();
    }
}
