using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

/// <summary>The depthwise row microkernels on rows wider than the shared kernel cases draw (long interior runs next to
/// padded borders), with saturating data, against the reference byte for byte and for every split of the pixels.</summary>
public class DepthwiseRowTests
{
    public static TheoryData<string, int, int> VariantsKernelsStrides()
    {
        var data = new TheoryData<string, int, int>();
        foreach (KernelVariant variant in KernelVariants.Supported)
        foreach (int kernel in new[] { 3, 5 })
        foreach (int stride in new[] { 1, 2 })
            data.Add(variant.Name(), kernel, stride);
        return data;
    }

    [Theory]
    [MemberData(nameof(VariantsKernelsStrides))]
    public void Wide_rows_match_reference_for_every_split(string variantName, int kernel, int stride)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        var r = new CaseRandom((ulong)(kernel * 10 + stride));
        for (int i = 0; i < 60; i++)
        {
            DepthwiseCase c = DepthwiseCase.Generate(r, kernel, stride, maxSize: 40, extremes: i % 4 == 0);
            sbyte[] expected = c.Run(reference);
            AssertBytes.Equal(expected, c.Run(table), $"case {i}: {c}");
            int parts = r.Int(2, 5);
            AssertBytes.Equal(expected, c.Run(table, parts), $"case {i} in {parts} parts: {c}");
        }
    }

    [Theory]
    [MemberData(nameof(VariantsKernelsStrides))]
    public void Every_channel_tail_matches_reference(string variantName, int kernel, int stride)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        var r = new CaseRandom(7);
        var g = new ConvGeometry(kernel, kernel, stride, stride, PadTop: kernel / 2, PadLeft: kernel / 2, PadBottom: 1, PadRight: 0);
        for (int channels = 1; channels <= 67; channels++)
        {
            var input = new Nhwc(1, r.Int(kernel, 12), r.Int(kernel, 24), channels);
            sbyte[] x = r.Bytes(input.Length), w = r.Bytes(channels * g.Taps, -127, 127);
            int[] bias = Enumerable.Range(0, channels).Select(_ => r.Int(-20_000, 20_000)).ToArray();
            float[] m = Enumerable.Range(0, channels).Select(_ => (float)r.LogUniform(1e-4, 1e-1)).ToArray();
            int zp = r.ZeroPoint();
            var q = new OutputQuant(r.ZeroPoint());
            Nhwc os = g.OutputShape(input, channels);
            sbyte[] expected = new sbyte[os.Length], actual = new sbyte[os.Length];
            Depthwise.Run(reference, Depthwise.Pack(reference, w, channels, g, bias, zp, m, q), x, input, expected);
            Depthwise.Run(table, Depthwise.Pack(table, w, channels, g, bias, zp, m, q), x, input, actual);
            AssertBytes.Equal(expected, actual, $"C={channels} in={input} {g}");
        }
    }

    [Fact]
    public void Weights_packed_for_another_layout_are_rejected()
    {
        KernelTable reference = KernelTable.Create(KernelVariant.Reference);
        KernelTable? other = KernelVariants.Supported.Select(KernelTable.Create).FirstOrDefault(t => t.DepthwiseLayout != reference.DepthwiseLayout);
        if (other is null) return;   // every table on this CPU packs the same way
        var g = new ConvGeometry(3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);
        PackedDepthwise dw = Depthwise.Pack(other, new sbyte[9 * 4], 4, g, default, 0, [0.01f], new OutputQuant(0));
        var input = new Nhwc(1, 3, 3, 4);
        Assert.Throws<ArgumentException>(() => Depthwise.Run(reference, dw, new sbyte[input.Length], input, new sbyte[input.Length]));
    }
}
