using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

/// <summary>Convolutions whose tap rows fit one vector (a first layer: few channels, small kernels) on rows wide
/// enough for long interior runs across im2col chunks, against the reference for every variant and pixel split:
/// the runs copy whole vectors and must never let a spilled byte survive or read past the input.</summary>
public class Im2ColRunTests
{
    [Theory]
    [MemberData(nameof(KernelVariantTests.Variants), MemberType = typeof(KernelVariantTests))]
    public void Narrow_tap_rows_match_reference_for_every_split(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        KernelTable reference = KernelTable.Create(KernelVariant.Reference), table = KernelTable.Create(variant);
        var r = new CaseRandom(2024);
        for (int i = 0; i < 80; i++)
        {
            int channels = r.Int(1, 5), kernel = r.Int(1, 3), stride = r.Int(1, 2), outputs = r.Int(1, 24);
            ConvGeometry g = ConvCase.RandomWindow(r, kernel, stride, r.Chance(20) ? 2 : 1);
            if (g.KernelW * channels > 16) continue;
            var input = new Nhwc(r.Int(1, 2), ConvCase.FitSize(r, g.KernelH, g.DilationH, g.PadTop + g.PadBottom, 40),
                ConvCase.FitSize(r, g.KernelW, g.DilationW, g.PadLeft + g.PadRight, 48), channels);
            sbyte[] x = r.Bytes(input.Length), w = r.Bytes(outputs * g.Taps * channels, -127, 127);
            int[] bias = Enumerable.Range(0, outputs).Select(_ => r.Int(-20_000, 20_000)).ToArray();
            float[] m = [(float)r.LogUniform(1e-4, 1e-1)];
            int zp = r.ZeroPoint();
            var q = new OutputQuant(r.ZeroPoint());
            Nhwc os = g.OutputShape(input, outputs);
            sbyte[] expected = Run(reference), actual = Run(table);
            AssertBytes.Equal(expected, actual, $"case {i}: in={input} out={outputs} {g}");
            int parts = r.Int(2, 5), first = 0;
            Array.Clear(actual);
            for (int part = 0; part < parts; part++)
            {
                int count = part == parts - 1 ? os.Pixels - first : os.Pixels / parts;
                Conv.Run(table, Pack(table), x, input, actual, new sbyte[Conv.ScratchBytes(Pack(table))], first, count);
                first += count;
            }
            AssertBytes.Equal(expected, actual, $"case {i} in {parts} parts: in={input} out={outputs} {g}");

            PackedConv Pack(KernelTable t) => Conv.Pack(t, w, outputs, channels, 1, g, bias, zp, m, q);

            sbyte[] Run(KernelTable t)
            {
                PackedConv conv = Pack(t);
                var y = new sbyte[os.Length];
                Conv.Run(t, conv, x, input, y, new sbyte[Conv.ScratchBytes(conv)]);
                return y;
            }
        }
    }
}
