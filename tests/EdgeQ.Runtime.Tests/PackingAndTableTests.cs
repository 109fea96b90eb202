using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

public class PackingAndTableTests
{
    [Fact]
    public void Packing_rejects_minus_128_weights()
        => Assert.Throws<ArgumentException>(() => Gemm.Pack([1, -128], 1, 2, [0], 0, [1f], new OutputQuant(0), new GemmTile(1, 1, 1)));

    [Fact]
    public void Packing_guards_against_accumulator_overflow()
    {
        // |bias'| + 128 * sum|w| must stay below 2^31.
        sbyte[] w = [127, 127];
        Assert.Throws<OverflowException>(() => Gemm.Pack(w, 1, 2, [int.MaxValue - 100], 0, [1f], new OutputQuant(0), new GemmTile(1, 1, 1)));
        Assert.Throws<OverflowException>(() => Gemm.Pack(w, 1, 2, [int.MinValue + 40_000], 127, [1f], new OutputQuant(0), new GemmTile(1, 1, 1)));
        Gemm.Pack(w, 1, 2, [1_000_000], 127, [1f], new OutputQuant(0), new GemmTile(1, 1, 1));
    }

    [Fact]
    public void Packing_folds_the_input_zero_point_into_the_bias()
    {
        PackedGemm p = Gemm.Pack([1, 2, 3, -4], 2, 2, [100, 200], -5, [1f], new OutputQuant(0), new GemmTile(1, 1, 1));
        Assert.Equal(100 + 5 * 3, p.Bias[0]);
        Assert.Equal(200 + 5 * -1, p.Bias[1]);
    }

    [Fact]
    public void Packing_for_an_unsigned_input_kernel_also_cancels_its_input_offset()
    {
        // VPDPBUSD reads x + 128: the bias must also lose 128 * sum(w).
        PackedGemm p = Gemm.Pack([1, 2, 3, -4], 2, 2, [100, 200], -5, [1f], new OutputQuant(0), new GemmTile(1, 1, 1, InputOffset: 128));
        Assert.Equal(100 + 5 * 3 - 128 * 3, p.Bias[0]);
        Assert.Equal(200 + 5 * -1 - 128 * -1, p.Bias[1]);
    }

    [Fact]
    public void Packing_lays_weights_out_in_tiles_with_zero_padding()
    {
        // 3 channels x 5 k into NR = 2, KR = 4: [block][k group][channel][k in group].
        sbyte[] w = Enumerable.Range(1, 15).Select(i => (sbyte)i).ToArray();
        PackedGemm p = Gemm.Pack(w, 3, 5, default, 0, [1f], new OutputQuant(0), new GemmTile(1, 2, 4));
        sbyte[] expected =
        [
            1, 2, 3, 4, 6, 7, 8, 9, 5, 0, 0, 0, 10, 0, 0, 0,          // channels 0-1
            11, 12, 13, 14, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0,      // channel 2 + padding channel
        ];
        Assert.Equal(expected, p.Weights);
    }

    [Fact]
    public void Tables_use_the_packing_their_gemm_expects()
    {
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), best = KernelTable.Best;
        PackedGemm packed = Gemm.Pack([1, 2], 1, 2, default, 0, [1f], new OutputQuant(0), reference.GemmTile);
        if (best.GemmTile != reference.GemmTile)
            Assert.Throws<ArgumentException>(() => Gemm.Run(best, [1, 2], 2, 1, packed, new sbyte[1], 1));
    }

    [Fact]
    public void Best_table_on_this_machine_is_its_most_specific_supported_variant()
    {
        KernelVariant best = KernelTable.Best.Variant;
        Assert.True(KernelVariants.IsSupported(best));
        Assert.Equal(KernelVariants.Supported.Max(), best);
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) Assert.Equal(KernelVariant.AvxVnni, best);
        else if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) Assert.Equal(KernelVariant.Avx2, best);
    }

    [Fact]
    public void Forcing_an_unsupported_variant_fails_clearly()
    {
        foreach (KernelVariant v in KernelVariants.All.Where(v => !KernelVariants.IsSupported(v)))
            Assert.Throws<PlatformNotSupportedException>(() => KernelTable.Create(v));
    }

    [Theory]
    [InlineData("reference", KernelVariant.Reference)]
    [InlineData("Vector128", KernelVariant.Vector128)]
    [InlineData("avx2", KernelVariant.Avx2)]
    [InlineData("AvxVnni", KernelVariant.AvxVnni)]
    [InlineData("neon", KernelVariant.Neon)]
    [InlineData("neondot", KernelVariant.NeonDot)]
    public void Variant_names_parse(string name, KernelVariant expected)
    {
        Assert.True(KernelVariants.TryParse(name, out KernelVariant v));
        Assert.Equal(expected, v);
    }

    [Fact]
    public void Self_test_passes_and_names_every_family_and_variant()
    {
        var log = new StringWriter();
        Assert.True(KernelSelfTest.Run(log));
        string text = log.ToString();
        foreach (KernelFamily family in KernelFamilies.All)
        foreach (KernelVariant v in KernelVariants.Supported)
            Assert.Contains(text.Split('\n'), line => line.StartsWith(family.Name + " ", StringComparison.Ordinal) && line.Contains(" ok ") && line.Contains(v.Name()));
        Assert.Contains("kernel selftest passed", text);
    }

    [Fact]
    public void Every_vector_variant_runs_a_vector_depthwise_kernel()
    {
        // The AVX-VNNI table (GEMM only) must keep the AVX2 depthwise kernel, not fall back to Vector128.
        foreach (KernelVariant v in KernelVariants.Supported.Where(v => v != KernelVariant.Reference))
        {
            KernelVariant expected = v switch
            {
                KernelVariant.Avx2 or KernelVariant.AvxVnni => KernelVariant.Avx2,
                KernelVariant.Neon or KernelVariant.NeonDot => KernelVariant.Neon,
                _ => KernelVariant.Vector128,
            };
            Assert.Equal(expected, KernelTable.Create(v).DepthwiseVariant);
        }
    }

    [Theory]
    [InlineData("sse9")]
    [InlineData("neon")]
    public void Self_test_refuses_unknown_or_unsupported_variants(string variant)
    {
        if (KernelVariants.TryParse(variant, out KernelVariant v) && KernelVariants.IsSupported(v)) return;   // runs on ARM64 hosts
        var log = new StringWriter();
        Assert.False(KernelSelfTest.Run(log, variant));
        Assert.Contains(variant, log.ToString());
    }
}
