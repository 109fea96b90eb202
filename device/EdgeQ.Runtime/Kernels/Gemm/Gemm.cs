using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Register tile of a GEMM microkernel: MR rows x NR output channels, K packed in groups of KR.
/// <paramref name="InputOffset"/> is what the microkernel adds to every input byte (128 where the multiply takes an
/// unsigned operand, as VPDPBUSD does); packing subtracts InputOffset * sum(w) from the bias to cancel it.</summary>
public readonly record struct GemmTile(int MR, int NR, int KR, int InputOffset = 0)
{
    public override string ToString() => InputOffset == 0 ? $"{MR}x{NR}c{KR}" : $"{MR}x{NR}c{KR}+{InputOffset}";
}

/// <summary>Weights of one int8 GEMM (N output channels x K inputs) packed for one tile shape, with the input zero
/// point folded into the bias and per-channel requantization multipliers.</summary>
public sealed class PackedGemm
{
    internal PackedGemm(int n, int k, GemmTile tile, sbyte[] weights, int[] bias, float[] multipliers, OutputQuant output,
        bool paddedRows)
    {
        N = n; K = k; Tile = tile; Weights = weights; Bias = bias; Multipliers = multipliers; Output = output;
        Depth = paddedRows ? KPadded : k;
    }

    public int N { get; }
    public int K { get; }
    public GemmTile Tile { get; }
    public OutputQuant Output { get; }
    internal sbyte[] Weights { get; }
    internal int[] Bias { get; }
    internal float[] Multipliers { get; }
    internal int KPadded => Checks.RoundUp(K, Tile.KR);

    /// <summary>Bytes of each row of the left operand the microkernel reads: K, or <see cref="KPadded"/> for rows
    /// padded to it (im2col rows). The packed weights are zero beyond K, so whatever the padding holds adds nothing,
    /// and the microkernel runs whole K groups without a tail.</summary>
    public int Depth { get; }

    public int PackedBytes => Weights.Length + Bias.Length * sizeof(int) + Multipliers.Length * sizeof(float);
}

/// <summary>int8 GEMM for pointwise convolution and fully connected layers: c[m, n] = requantize(bias'[n] +
/// sum_k a[m, k] * w[n, k]). Packing happens once at load; <see cref="Run"/> validates and calls the table's
/// microkernel.</summary>
public static class Gemm
{
    /// <param name="weights">N rows of K int8 weights in [-127, 127] (O-I; a convolution's O-H-W-I flattened).</param>
    /// <param name="bias">N int32 biases (empty: zero).</param>
    /// <param name="multipliers">1 (per tensor) or N (per channel) requantization multipliers.</param>
    /// <param name="paddedRows">Whether the rows <see cref="Run"/> gets hold <see cref="PackedGemm.Depth"/> =
    /// K rounded up to the tile's KR readable bytes each (the bytes past K need not be zero).</param>
    public static PackedGemm Pack(ReadOnlySpan<sbyte> weights, int n, int k, ReadOnlySpan<int> bias, int inputZeroPoint,
        ReadOnlySpan<float> multipliers, OutputQuant output, GemmTile tile, bool paddedRows = false)
    {
        if (n < 1 || k < 1) throw new ArgumentException($"GEMM needs N >= 1 and K >= 1, got N={n} K={k}");
        Checks.Length(weights, (long)n * k, "GEMM weights");
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"GEMM bias has {bias.Length} entries, needs {n}");
        Checks.ZeroPoint(inputZeroPoint, "input zero point");

        int nPadded = Checks.RoundUp(n, tile.NR), kPadded = Checks.RoundUp(k, tile.KR);
        var packed = new sbyte[nPadded * kPadded];
        var folded = new int[nPadded];
        // src = N-K (O-I)   dst = N/NR - K/KR - NR - KR (zero padded in N and K)
        for (int o = 0; o < n; o++)
        {
            long sum = 0, sumAbs = 0;
            int blockBase = o / tile.NR * tile.NR * kPadded + o % tile.NR * tile.KR;
            for (int i = 0; i < k; i++)
            {
                sbyte w = weights[o * k + i];
                if (w == sbyte.MinValue) throw new ArgumentException($"weight of channel {o} is -128; weights must be in [-127, 127]");
                sum += w;
                sumAbs += Math.Abs(w);
                packed[blockBase + i / tile.KR * tile.NR * tile.KR + i % tile.KR] = w;
            }
            // The guard applies to the spec's bias' (every tile fails alike); the input offset's share wraps modulo 2^32
            // like the kernel's own int32 sums, which still end at the spec's accumulator.
            folded[o] = unchecked(FoldBias(bias.IsEmpty ? 0 : bias[o], inputZeroPoint, sum, sumAbs, o) - tile.InputOffset * (int)sum);
        }
        return new PackedGemm(n, k, tile, packed, folded, Checks.ExpandMultipliers(multipliers, n, nPadded), output, paddedRows);
    }

    /// <summary>bias' = bias - x_zp * sum(w), with the spec's overflow guard |bias'| + 128 * sum|w| &lt; 2^31.</summary>
    internal static int FoldBias(int bias, int inputZeroPoint, long weightSum, long weightAbsSum, int channel)
    {
        long folded = bias - (long)inputZeroPoint * weightSum;
        if (Math.Abs(folded) + 128 * weightAbsSum >= 1L << 31)
            throw new OverflowException($"channel {channel}: int32 accumulator could overflow (bias' {folded}, sum|w| {weightAbsSum})");
        return (int)folded;
    }

    /// <summary>c[r * ldc + n] = requantized row r of a (rows of <see cref="PackedGemm.Depth"/> bytes at stride lda)
    /// times the packed weights.</summary>
    public static unsafe void Run(KernelTable kernels, ReadOnlySpan<sbyte> a, int lda, int rows, PackedGemm weights,
        Span<sbyte> c, int ldc)
    {
        if (weights.Tile != kernels.GemmTile)
            throw new ArgumentException($"weights packed for tile {weights.Tile}, kernel table uses {kernels.GemmTile}");
        if (rows < 1) return;
        if (lda < weights.Depth || ldc < weights.N) throw new ArgumentException($"GEMM strides lda={lda} ldc={ldc} below depth {weights.Depth} and N={weights.N}");
        Checks.Length(a, (long)(rows - 1) * lda + weights.Depth, "GEMM input");
        Checks.Length<sbyte>(c, (long)(rows - 1) * ldc + weights.N, "GEMM output");
        kernels.Gemm(ref MemoryMarshal.GetReference(a), lda, rows, weights, ref MemoryMarshal.GetReference(c), ldc);
    }
}

/// <summary>One ISA's register tile: MR rows x NR channels of int32 accumulators over the whole K, requantized in
/// registers and stored.</summary>
internal interface IGemmMicrokernel
{
    static abstract GemmTile Tile { get; }

    /// <summary>Computes <paramref name="rows"/> (&lt;= MR) x <paramref name="cols"/> (&lt;= NR) outputs: bias' + a * w
    /// over K, requantized with the tile's multipliers, stored at <paramref name="c"/> (row stride
    /// <paramref name="ldc"/>). Rows beyond <paramref name="rows"/> alias the last valid row and are not stored.</summary>
    static abstract void Run(ref sbyte a, nint lda, nint rows, ref sbyte packedBlock, nint k, ref int bias,
        ref float multipliers, in VectorQuant output, ref sbyte c, nint ldc, nuint cols);
}

/// <summary>The loop around a microkernel, shared by all vector variants: column blocks outside (a block of packed
/// weights stays in L1), row tiles inside.</summary>
internal static class GemmDriver
{
    public static void Run<TKernel>(ref sbyte a, nint lda, nint rows, PackedGemm w, ref sbyte c, nint ldc)
        where TKernel : struct, IGemmMicrokernel
    {
        GemmTile tile = TKernel.Tile;
        nint mr = tile.MR, nr = tile.NR, k = w.Depth, n = w.N;
        ref sbyte block = ref MemoryMarshal.GetArrayDataReference(w.Weights);
        ref int bias = ref MemoryMarshal.GetArrayDataReference(w.Bias);
        ref float multipliers = ref MemoryMarshal.GetArrayDataReference(w.Multipliers);
        nint blockBytes = nr * w.KPadded;
        var output = new VectorQuant(w.Output);

        nint tileA = mr * lda, tileC = mr * ldc, fullRows = rows - rows % mr;
        for (nint col = 0; col < n; col += nr)
        {
            nint cols = Math.Min(nr, n - col);
            ref int columnBias = ref Unsafe.Add(ref bias, col);
            ref float columnMultipliers = ref Unsafe.Add(ref multipliers, col);
            // Running offsets instead of products per tile; refs are formed for valid rows only, never past the end
            // of the input or output.
            nint row = 0, aOffset = 0, cOffset = col;
            if (cols == nr)
            {
                // Whole tiles pass the tile's own MR and NR: the inlined microkernel's row and column checks fold away.
                for (; row < fullRows; row += mr, aOffset += tileA, cOffset += tileC)
                {
                    TKernel.Run(ref Unsafe.Add(ref a, aOffset), lda, TKernel.Tile.MR, ref block, k, ref columnBias,
                        ref columnMultipliers, output, ref Unsafe.Add(ref c, cOffset), ldc, (nuint)TKernel.Tile.NR);
                }
            }
            for (; row < rows; row += mr, aOffset += tileA, cOffset += tileC)
            {
                TKernel.Run(ref Unsafe.Add(ref a, aOffset), lda, Math.Min(mr, rows - row), ref block, k, ref columnBias,
                    ref columnMultipliers, output, ref Unsafe.Add(ref c, cOffset), ldc, (nuint)cols);
            }
            block = ref Unsafe.Add(ref block, blockBytes);
        }
    }

    /// <summary>Row <paramref name="index"/> of a tile, or the last valid row when the tile is partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref sbyte TileRow(ref sbyte a0, nint lda, nint rows, nint index)
        => ref Unsafe.Add(ref a0, Math.Min(index, rows - 1) * lda);

    /// <summary>Inputs x[i..i+3] as one little-endian int (a K group of 4 for dot-product instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadGroup(ref sbyte x, nint i) => Unsafe.ReadUnaligned<int>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref x, i)));

    /// <summary>The last 1-3 inputs of a row as the low bytes of an int, without reading past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadGroupTail(ref sbyte x, nuint count)
    {
        int group = (byte)x;
        if (count > 1) group |= (byte)Unsafe.Add(ref x, 1) << 8;
        if (count > 2) group |= (byte)Unsafe.Add(ref x, 2) << 16;
        return group;
    }

    /// <summary>Requantizes and stores the valid rows of a 4 x 16 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4x16(in Int32x16 r0, in Int32x16 r1, in Int32x16 r2, in Int32x16 r3, nint rows,
        ref float multipliers, in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        // The multipliers are loaded once for the four rows (the stores between rows would make each row reload them).
        Vector128<float> m0 = Vector128.LoadUnsafe(ref multipliers, 0), m1 = Vector128.LoadUnsafe(ref multipliers, 4);
        Vector128<float> m2 = Vector128.LoadUnsafe(ref multipliers, 8), m3 = Vector128.LoadUnsafe(ref multipliers, 12);
        Store(Requantization.FromAccumulators(r0.C0, r0.C1, r0.C2, r0.C3, m0, m1, m2, m3, output), ref c, cols);
        if (rows > 1) Store(Requantization.FromAccumulators(r1.C0, r1.C1, r1.C2, r1.C3, m0, m1, m2, m3, output), ref Unsafe.Add(ref c, ldc), cols);
        if (rows > 2) Store(Requantization.FromAccumulators(r2.C0, r2.C1, r2.C2, r2.C3, m0, m1, m2, m3, output), ref Unsafe.Add(ref c, 2 * ldc), cols);
        if (rows > 3) Store(Requantization.FromAccumulators(r3.C0, r3.C1, r3.C2, r3.C3, m0, m1, m2, m3, output), ref Unsafe.Add(ref c, 3 * ldc), cols);
    }

    /// <summary>x86: requantizes and stores the valid rows of a 4 x 16 tile held as 8-channel halves (channels 0-7 and
    /// 8-15 of each row), in 256-bit registers throughout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4x16(Vector256<int> r0Lo, Vector256<int> r0Hi, Vector256<int> r1Lo, Vector256<int> r1Hi,
        Vector256<int> r2Lo, Vector256<int> r2Hi, Vector256<int> r3Lo, Vector256<int> r3Hi, nint rows,
        ref float multipliers, in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        Store(Requantization.FromAccumulators(r0Lo, r0Hi, ref multipliers, output), ref c, cols);
        if (rows > 1) Store(Requantization.FromAccumulators(r1Lo, r1Hi, ref multipliers, output), ref Unsafe.Add(ref c, ldc), cols);
        if (rows > 2) Store(Requantization.FromAccumulators(r2Lo, r2Hi, ref multipliers, output), ref Unsafe.Add(ref c, 2 * ldc), cols);
        if (rows > 3) Store(Requantization.FromAccumulators(r3Lo, r3Hi, ref multipliers, output), ref Unsafe.Add(ref c, 3 * ldc), cols);
    }

    /// <summary>x86: requantizes and stores the valid rows of a 4 x 8 tile (channels 0-7 of each row in one 256-bit
    /// vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4x8(Vector256<int> r0, Vector256<int> r1, Vector256<int> r2, Vector256<int> r3, nint rows,
        ref float multipliers, in VectorQuant output, ref sbyte c, nint ldc, nuint cols)
    {
        Store8(r0, ref multipliers, output, ref c, cols);
        if (rows > 1) Store8(r1, ref multipliers, output, ref Unsafe.Add(ref c, ldc), cols);
        if (rows > 2) Store8(r2, ref multipliers, output, ref Unsafe.Add(ref c, 2 * ldc), cols);
        if (rows > 3) Store8(r3, ref multipliers, output, ref Unsafe.Add(ref c, 3 * ldc), cols);
    }

    /// <summary>Requantizes one row's 8 accumulators and stores the first <paramref name="cols"/> (&lt;= 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(Vector256<int> channels, ref float multipliers, in VectorQuant output, ref sbyte dst, nuint cols)
    {
        Vector128<sbyte> bytes = Requantization.FromAccumulators8(channels.GetLower(), channels.GetUpper(), ref multipliers, output);
        if (cols == 8) bytes.GetLower().StoreUnsafe(ref dst);
        else VectorIO.StorePartial(bytes, ref dst, cols);
    }

    /// <summary>Stores the first <paramref name="cols"/> (&lt;= 16) of a row's 16 output bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<sbyte> bytes, ref sbyte dst, nuint cols)
    {
        if (cols == 16) bytes.StoreUnsafe(ref dst);
        else VectorIO.StorePartial(bytes, ref dst, cols);
    }
}
