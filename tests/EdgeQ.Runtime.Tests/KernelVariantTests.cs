using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

/// <summary>Every variant this CPU runs gives the reference's bytes on seeded random cases of every family, and the
/// reference gives the direct spec loop's bytes where one exists.</summary>
public class KernelVariantTests
{
    private const int CasesPerFamily = 150;

    public static TheoryData<string, string> FamilyVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (KernelFamily family in KernelFamilies.All)
        foreach (KernelVariant variant in KernelVariants.Supported)
            data.Add(family.Name, variant.Name());
        return data;
    }

    public static TheoryData<string> Families() => new(KernelFamilies.All.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(FamilyVariants))]
    public void Variant_matches_reference_byte_for_byte(string familyName, string variantName)
    {
        KernelFamily family = KernelFamilies.All.Single(f => f.Name == familyName);
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        for (int i = 0; i < CasesPerFamily; i++)
        {
            KernelCase c = family.Case(i);
            AssertBytes.Equal(c.Run(reference), c.Run(table), $"case {i} ({family.VariantOf(table).Name()}): {c}");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Reference_matches_direct_spec_loop(string familyName)
    {
        KernelFamily family = KernelFamilies.All.Single(f => f.Name == familyName);
        KernelTable reference = KernelTable.Create(KernelVariant.Reference);
        for (int i = 0; i < CasesPerFamily; i++)
        {
            KernelCase c = family.Case(i);
            if (c.RunOracle() is { } expected) AssertBytes.Equal(expected, c.Run(reference), $"case {i}: {c}");
        }
    }

    public static TheoryData<string> Variants() => new(KernelVariants.Supported.Select(v => v.Name()));

    /// <summary>Every K and N tail from 1 to 67 and every row tail from 1 to 9, like TensorPrimitives' length sweeps.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Gemm_handles_every_K_N_and_row_tail(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        var r = new CaseRandom(99);
        for (int k = 1; k <= 67; k++)
        for (int n = 1; n <= 67; n++)
        {
            int rows = r.Int(1, 9), zp = r.ZeroPoint();
            sbyte[] a = r.Bytes(rows * k), w = r.Bytes(n * k, -127, 127);
            int[] bias = Enumerable.Range(0, n).Select(_ => r.Int(-5000, 5000)).ToArray();
            float[] m = [(float)(0.02 / Math.Sqrt(k) * r.LogUniform(0.1, 10))];
            var q = new OutputQuant(r.ZeroPoint());
            sbyte[] expected = new sbyte[rows * n], actual = new sbyte[rows * n];
            Gemm.Run(reference, a, k, rows, Gemm.Pack(w, n, k, bias, zp, m, q, reference.GemmTile), expected, n);
            Gemm.Run(table, a, k, rows, Gemm.Pack(w, n, k, bias, zp, m, q, table.GemmTile), actual, n);
            AssertBytes.Equal(expected, actual, $"K={k} N={n} rows={rows}");
        }
    }

    /// <summary>Every input value in order (each table slice and both halves) and every length from 1 to 100 (every
    /// tail of a vector step), against the plain lookup.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Lut_looks_up_every_value_and_every_length(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable table = KernelTable.Create(variant);
        var r = new CaseRandom(23);
        sbyte[] lut = r.Bytes(Lut.TableSize);
        sbyte[] every = Enumerable.Range(sbyte.MinValue, Lut.TableSize).Select(v => (sbyte)v).ToArray();
        foreach (sbyte[] input in Enumerable.Range(1, 100).Select(n => r.Bytes(n)).Append(every).Append([.. every, .. every.Reverse()]))
        {
            var actual = new sbyte[input.Length];
            Lut.Run(table, lut, input, actual);
            AssertBytes.Equal(input.Select(v => lut[v + 128]).ToArray(), actual, $"lut n={input.Length} ({table.LutVariant.Name()})");
        }
    }

    /// <summary>Transposed convolutions whose windows tile the output (stride = kernel: the kernel-row GEMM plan) against
    /// the scatter definition, for every variant: 1-3 wide kernels, square and not, few output channels (a segmentation
    /// head's 24 -> 1) and channel counts off the tile widths, odd input sizes, batches of 2.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Transposed_conv_whose_windows_tile_the_output_matches_the_definition(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable table = KernelTable.Create(variant);
        var r = new CaseRandom(17);
        foreach ((int kh, int kw) in new[] { (1, 1), (2, 2), (3, 3), (2, 3), (3, 1) })
        foreach (int outputChannels in new[] { 1, 2, 3, 5, 16, 17, 24 })
        {
            var g = new ConvGeometry(kh, kw, kh, kw);
            Assert.True(PackedTransposeConv.WindowsTileOutput(g));
            var input = new Nhwc(r.Int(1, 2), r.Int(1, 7), r.Int(1, 9), r.Pick(1, 3, 8, 24, 33));
            var c = TransposeConvCase.Create(r, g, input, outputChannels, r.ZeroPoint());
            AssertBytes.Equal(c.RunOracle(), c.Run(table), c.ToString());
        }
    }

    /// <summary>Biases at the packing guard's limit and extreme inputs: int32 sums that come close to overflowing (and,
    /// in kernels that offset their inputs, pass through wrapped values) must still end at the reference's bytes.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Gemm_at_the_accumulator_limit_matches_reference(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        var r = new CaseRandom(7);
        foreach (int k in new[] { 1, 3, 4, 17, 64, 301 })
        foreach (int zp in new[] { -128, 127 })
        {
            const int n = 19, rows = 6;
            sbyte[] w = r.Bytes(n * k, -127, 127), a = new sbyte[rows * k];
            for (int i = 0; i < a.Length; i++) a[i] = (sbyte)(i % 3 == 0 ? 127 : i % 3 == 1 ? -128 : r.Int(-128, 127));
            var bias = new int[n];
            for (int o = 0; o < n; o++)
            {
                long sum = 0, sumAbs = 0;
                for (int i = 0; i < k; i++) { sum += w[o * k + i]; sumAbs += Math.Abs(w[o * k + i]); }
                // Near the largest |bias'| the guard admits, with either sign, and bias itself within int32.
                long folded = (1L << 31) - 1 - 128 * sumAbs - Math.Abs((long)zp * sum);
                bias[o] = (int)((o % 2 == 0 ? folded : -folded) + (long)zp * sum);
            }
            float[] m = [1e-9f, 1f, 3e-10f];
            m = Enumerable.Range(0, n).Select(o => m[o % 3]).ToArray();
            var q = new OutputQuant(r.ZeroPoint());
            sbyte[] expected = new sbyte[rows * n], actual = new sbyte[rows * n];
            Gemm.Run(reference, a, k, rows, Gemm.Pack(w, n, k, bias, zp, m, q, reference.GemmTile), expected, n);
            Gemm.Run(table, a, k, rows, Gemm.Pack(w, n, k, bias, zp, m, q, table.GemmTile), actual, n);
            AssertBytes.Equal(expected, actual, $"K={k} zp={zp}");
        }
    }

    /// <summary>Threads split a layer into slices of output pixels: the bytes must not depend on the split.</summary>
    [Theory]
    [MemberData(nameof(FamilyVariants))]
    public void Output_does_not_depend_on_how_the_work_is_split(string familyName, string variantName)
    {
        KernelFamily family = KernelFamilies.All.Single(f => f.Name == familyName);
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable table = KernelTable.Create(variant);
        for (int i = 0; i < 30; i++)
        {
            KernelCase c = family.Case(i);
            sbyte[] whole = c.Run(table);
            foreach (int parts in new[] { 2, 3, 7 })
                AssertBytes.Equal(whole, c.Run(table, parts), $"case {i} in {parts} parts: {c}");
        }
    }

    [Fact]
    public void Cases_are_reproducible_and_distinct()
    {
        foreach (KernelFamily family in KernelFamilies.All)
        {
            Assert.Equal(family.Case(3).ToString(), family.Case(3).ToString());
            Assert.NotEqual(family.Case(3).ToString(), family.Case(4).ToString());
        }
    }
}

internal static class AssertBytes
{
    public static void Equal(sbyte[] expected, sbyte[] actual, string context)
    {
        Assert.True(expected.Length == actual.Length, $"length {actual.Length} != {expected.Length}; {context}");
        int i = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(i == expected.Length, i == expected.Length ? "" : $"byte {i}: {actual[i]} != {expected[i]}; {context}");
    }
}
