using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

/// <summary>Checks the reference kernels against the spec computed another way: double-precision accumulation of
/// bias + sum w * (x - zp) on unpacked weights, then the spec's requantization written out here.</summary>
public class SpecOracleTests
{
    private static readonly KernelTable Reference = KernelTable.Create(KernelVariant.Reference);

    private static sbyte Requantize(double acc, float multiplier, OutputQuant q)
    {
        float v = (float)acc * multiplier;                 // acc is an exact integer; float32(acc) then one multiply
        v = Math.Clamp(v, q.QMin - q.ZeroPoint, q.QMax - q.ZeroPoint);
        return (sbyte)((int)Math.Round(v, MidpointRounding.ToEven) + q.ZeroPoint);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Grouped_strided_dilated_conv_matches_double_precision(int seed)
    {
        var r = new CaseRandom((ulong)seed);
        for (int trial = 0; trial < 30; trial++)
        {
            int groups = r.Int(1, 3), groupIn = r.Int(1, 9), groupOut = r.Int(1, 9);
            var g = new ConvGeometry(r.Int(1, 4), r.Int(1, 4), r.Int(1, 3), r.Int(1, 3), r.Int(1, 2), r.Int(1, 2),
                r.Int(0, 2), r.Int(0, 2), r.Int(0, 2), r.Int(0, 2));
            var input = new Nhwc(r.Int(1, 2), r.Int(g.DilationH * (g.KernelH - 1) + 1, 9), r.Int(g.DilationW * (g.KernelW - 1) + 1, 9), groups * groupIn);
            int outC = groups * groupOut, patch = g.Taps * groupIn, zp = r.ZeroPoint();
            sbyte[] x = r.Bytes(input.Length), w = r.Bytes(outC * patch, -127, 127);
            int[] bias = Enumerable.Range(0, outC).Select(_ => r.Int(-50_000, 50_000)).ToArray();
            float[] m = Enumerable.Range(0, outC).Select(_ => (float)r.LogUniform(1e-5, 1e-2)).ToArray();
            OutputQuant q = new(r.ZeroPoint());

            PackedConv conv = Conv.Pack(Reference, w, outC, input.C, groups, g, bias, zp, m, q);
            Nhwc os = g.OutputShape(input, outC);
            var actual = new sbyte[os.Length];
            Conv.Run(Reference, conv, x, input, actual, new sbyte[Conv.ScratchBytes(conv)]);

            var expected = new sbyte[os.Length];
            for (int n = 0; n < os.N; n++)
            for (int oy = 0; oy < os.H; oy++)
            for (int ox = 0; ox < os.W; ox++)
            for (int o = 0; o < outC; o++)
            {
                double acc = bias[o];
                for (int ky = 0; ky < g.KernelH; ky++)
                for (int kx = 0; kx < g.KernelW; kx++)
                for (int i = 0; i < groupIn; i++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    // Padding reads the zero point, i.e. contributes w * 0.
                    double xv = iy < 0 || iy >= input.H || ix < 0 || ix >= input.W ? zp
                        : x[((n * input.H + iy) * input.W + ix) * input.C + o / groupOut * groupIn + i];
                    acc += (double)w[((o * g.KernelH + ky) * g.KernelW + kx) * groupIn + i] * (xv - zp);
                }
                expected[((n * os.H + oy) * os.W + ox) * outC + o] = Requantize(acc, m[o], q);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Depthwise_matches_double_precision_for_every_channel_count()
    {
        var r = new CaseRandom(7);
        for (int channels = 1; channels <= 67; channels++)
        {
            int kernel = r.Pick(3, 5), stride = r.Int(1, 2);
            var g = new ConvGeometry(kernel, kernel, stride, stride, PadTop: r.Int(0, 2), PadLeft: r.Int(0, 2), PadBottom: r.Int(0, 2), PadRight: r.Int(0, 2));
            var input = new Nhwc(1, r.Int(kernel, 9) | 1, r.Int(kernel, 9) | 1, channels);   // odd sizes
            int zp = r.ZeroPoint();
            sbyte[] x = r.Bytes(input.Length), w = r.Bytes(channels * g.Taps, -127, 127);
            float m = (float)r.LogUniform(1e-4, 1e-2);
            OutputQuant q = new(r.ZeroPoint());
            PackedDepthwise dw = Depthwise.Pack(Reference, w, channels, g, default, zp, [m], q);
            Nhwc os = g.OutputShape(input, channels);
            var actual = new sbyte[os.Length];
            Depthwise.Run(Reference, dw, x, input, actual);

            for (int oy = 0; oy < os.H; oy++)
            for (int ox = 0; ox < os.W; ox++)
            for (int c = 0; c < channels; c++)
            {
                double acc = 0;
                for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++)
                {
                    int iy = oy * stride - g.PadTop + ky, ix = ox * stride - g.PadLeft + kx;
                    if (iy >= 0 && iy < input.H && ix >= 0 && ix < input.W)
                        acc += (double)w[(ky * kernel + kx) * channels + c] * (x[(iy * input.W + ix) * channels + c] - zp);   // 1-H-W-C
                }
                Assert.Equal(Requantize(acc, m, q), actual[(oy * os.W + ox) * channels + c]);
            }
        }
    }

    [Fact]
    public void Average_pool_excludes_padding_from_the_count()
    {
        // 2x2 input, 3x3 window with padding 1: the corner output sees 4 values, the count is 4, not 9.
        var input = new Nhwc(1, 2, 2, 1);
        sbyte[] x = [10, 20, 30, 41];
        PoolingParams pool = PoolingParams.Average(new ConvGeometry(3, 3, 2, 2, 1, 1, 1, 1, 1, 1), 1.0, 0, 1.0, new OutputQuant(0));
        var y = new sbyte[1];
        Pooling.AveragePool(Reference, pool, x, input, y);
        Assert.Equal(25, y[0]);   // 101 / 4 = 25.25
    }

    [Fact]
    public void Average_pool_with_count_include_pad_divides_by_the_whole_window()
    {
        var input = new Nhwc(1, 2, 2, 1);
        sbyte[] x = [10, 20, 30, 41];
        PoolingParams pool = PoolingParams.Average(new ConvGeometry(3, 3, 2, 2, 1, 1, 1, 1, 1, 1), 1.0, 0, 1.0, new OutputQuant(0), countIncludePad: true);
        var y = new sbyte[1];
        Pooling.AveragePool(Reference, pool, x, input, y);
        Assert.Equal(11, y[0]);   // 101 / 9 = 11.2
    }

    [Fact]
    public void Add_and_mul_follow_the_spec_order()
    {
        var shape = new Nhwc(1, 1, 1, 1);
        BinaryQuant add = BinaryQuant.Add(0.5, 1, 0.25, -2, 0.1, new OutputQuant(3));
        var y = new sbyte[1];
        Elementwise.Add(Reference, [11], shape, [6], shape, add, y);
        Assert.Equal((sbyte)(Math.Round(10 * (float)(0.5 / 0.1) + 8 * (float)(0.25 / 0.1)) + 3), y[0]);   // 50 + 20 + 3
        BinaryQuant mul = BinaryQuant.Mul(0.5, 1, 0.25, -2, 0.1, new OutputQuant(3));
        Elementwise.Mul(Reference, [11], shape, [6], shape, mul, y);
        Assert.Equal(3 + (int)Math.Round(80 * (float)(0.5 * 0.25 / 0.1)), y[0]);   // 80 * 1.25 = 100
    }
}
