using System.Runtime.CompilerServices;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Scalar GEMM, one output at a time: the oracle for every vector variant.</summary>
internal static class Gemm1x1Reference
{
    public static readonly GemmTile Tile = new(1, 1, 1);

    // Packed with NR = KR = 1, i.e. plain O-I rows.
    public static void Run(ref sbyte a, nint lda, nint rows, PackedGemm w, ref sbyte c, nint ldc)
    {
        for (nint r = 0; r < rows; r++)
        {
            for (int o = 0; o < w.N; o++)
            {
                int acc = w.Bias[o];
                for (int i = 0; i < w.K; i++)
                    acc += w.Weights[o * w.K + i] * Unsafe.Add(ref a, r * lda + i);
                Unsafe.Add(ref c, r * ldc + o) = Requantization.FromAccumulator(acc, w.Multipliers[o], w.Output);
            }
        }
    }
}
