using EdgeQ.Runtime.Kernels;
using CoordinateTransform = EdgeQ.Format.CoordinateTransform;
using NearestRounding = EdgeQ.Format.NearestRounding;

namespace EdgeQ.Runtime.Diagnostics;

/// <summary>One randomly drawn kernel invocation: its inputs, and how to run it through a kernel table.</summary>
public abstract class KernelCase
{
    /// <summary>Output bytes of this case computed by <paramref name="kernels"/>.</summary>
    public sbyte[] Run(KernelTable kernels) => Run(kernels, 1);

    /// <summary>Output bytes computed in <paramref name="parts"/> slices of output pixels, one call per slice, as
    /// threads would split the work (families that cannot be split ignore <paramref name="parts"/>).</summary>
    public abstract sbyte[] Run(KernelTable kernels, int parts);

    /// <summary>Splits <paramref name="total"/> pixels into <paramref name="parts"/> contiguous slices.</summary>
    protected static IEnumerable<(int First, int Count)> Slices(int total, int parts)
    {
        for (int i = 0; i < parts; i++)
        {
            int first = (int)((long)total * i / parts), end = (int)((long)total * (i + 1) / parts);
            yield return (first, end - first);
        }
    }

    /// <summary>Output of an independent oracle (direct spec arithmetic on unpacked data), or null when the
    /// reference table's kernel is itself the plainest form.</summary>
    public virtual sbyte[]? RunOracle() => null;

    public abstract override string ToString();
}

/// <summary>A kernel family as the tests and the self-test see it: how to draw a case and which variant of the
/// family a table runs.</summary>
public sealed class KernelFamily(string name, Func<KernelTable, KernelVariant> variantOf, Func<CaseRandom, KernelCase> generate)
{
    public string Name { get; } = name;
    public KernelVariant VariantOf(KernelTable kernels) => variantOf(kernels);

    /// <summary>Case <paramref name="index"/> of this family: the same on every machine.</summary>
    public KernelCase Case(int index)
    {
        ulong seed = 0xCBF29CE484222325UL;   // FNV-1a over the name, then the index
        foreach (char ch in Name) seed = (seed ^ ch) * 0x100000001B3UL;
        return generate(new CaseRandom(seed ^ (ulong)index * 0x9E3779B97F4A7C15UL));
    }

    public override string ToString() => Name;
}

public static class KernelFamilies
{
    public static IReadOnlyList<KernelFamily> All { get; } =
    [
        new("gemm", k => k.GemmVariant, GemmCase.Generate),
        new("conv 1x1", k => k.GemmVariant, r => ConvCase.Generate(r, pointwise: true)),
        new("conv KxK", k => k.GemmVariant, r => ConvCase.Generate(r, pointwise: false)),
        new("transposed conv", k => k.GemmVariant, TransposeConvCase.Generate),
        new("dwconv 3x3 s1", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 3, 1)),
        new("dwconv 3x3 s2", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 3, 2)),
        new("dwconv 5x5 s1", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 5, 1)),
        new("dwconv 5x5 s2", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 5, 2)),
        new("dwconv KxK", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 0, 0)),
        new("maxpool", k => k.VectorFamiliesVariant, r => PoolCase.Generate(r, average: false, global: false)),
        new("avgpool", k => k.VectorFamiliesVariant, r => PoolCase.Generate(r, average: true, global: false)),
        new("global avgpool", k => k.VectorFamiliesVariant, r => PoolCase.Generate(r, average: true, global: true)),
        new("add", k => k.BinaryVariant, r => BinaryCase.Generate(r, multiply: false)),
        new("mul", k => k.BinaryVariant, r => BinaryCase.Generate(r, multiply: true)),
        new("requantize", k => k.VectorFamiliesVariant, RequantizeCase.Generate),
        new("concat", k => k.VectorFamiliesVariant, ConcatCase.Generate),
        new("pad", _ => KernelVariant.Reference, PadCase.Generate),
        new("resize nearest", _ => KernelVariant.Reference, r => ResizeCase.Generate(r, bilinear: false)),
        new("resize bilinear", k => k.VectorFamiliesVariant, r => ResizeCase.Generate(r, bilinear: true)),
        new("lut", k => k.LutVariant, LutCase.Generate),
    ];

    internal static OutputQuant Output(CaseRandom r)
    {
        int zp = r.ZeroPoint();
        return r.Int(0, 4) switch
        {
            0 => new OutputQuant(zp, zp, 127),                               // ReLU
            1 => new OutputQuant(zp, zp, Math.Min(127, zp + r.Int(0, 120))), // ReLU6
            _ => new OutputQuant(zp),
        };
    }

    /// <summary>Per-channel or per-tensor multipliers sized so outputs spread over the int8 range, with some exact
    /// powers of two (rounding ties) and some extreme values (everything saturates or rounds to zero).</summary>
    internal static float[] Multipliers(CaseRandom r, int channels, int depth)
    {
        int count = r.Chance(70) ? channels : 1;
        var m = new float[count];
        double typical = 100.0 / (5400.0 * Math.Sqrt(depth));
        for (int i = 0; i < count; i++)
        {
            m[i] = r.Int(0, 19) switch
            {
                0 => r.Pick(0.5f, 0.25f, 0.125f),
                1 => (float)r.LogUniform(1e-9, 1e-6),
                2 => (float)r.LogUniform(1, 100),
                _ => (float)(typical * r.LogUniform(0.02, 5)),
            };
        }
        return m;
    }

    internal static int[] Bias(CaseRandom r, int count)
    {
        var bias = new int[count];
        int range = r.Pick(0, 100, 10_000, 1_000_000);
        for (int i = 0; i < count; i++) bias[i] = r.Int(-range, range);
        return bias;
    }

    /// <summary>A channel count: often not a multiple of any vector width.</summary>
    internal static int Channels(CaseRandom r, int max = 67) => r.Chance(20) ? r.Pick(1, 8, 16, 32, 64) : r.Int(1, max);

    internal static string Quant(int inputZeroPoint, float[] m, OutputQuant q)
        => $"xzp={inputZeroPoint} m[{m.Length}]={m[0]:G4} out(zp={q.ZeroPoint} [{q.QMin},{q.QMax}])";
}

internal sealed class GemmCase : KernelCase
{
    private int _rows, _n, _k, _lda, _ldc, _inputZeroPoint;
    private sbyte[] _a = [], _weights = [];
    private int[] _bias = [];
    private float[] _multipliers = [];
    private OutputQuant _output;

    public static GemmCase Generate(CaseRandom r)
    {
        var c = new GemmCase
        {
            _rows = r.Chance(30) ? r.Int(1, 5) : r.Int(1, 40),
            _n = KernelFamilies.Channels(r, 70),
            _k = r.Chance(15) ? r.Int(100, 600) : r.Int(1, 70),
            _inputZeroPoint = r.ZeroPoint(),
        };
        c._lda = c._k + (r.Chance(30) ? r.Int(1, 9) : 0);
        c._ldc = c._n + (r.Chance(30) ? r.Int(1, 9) : 0);
        c._a = r.Bytes((c._rows - 1) * c._lda + c._k);
        c._weights = r.Bytes(c._n * c._k, -127, 127);
        c._bias = KernelFamilies.Bias(r, c._n);
        c._multipliers = KernelFamilies.Multipliers(r, c._n, c._k);
        c._output = KernelFamilies.Output(r);
        return c;
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        PackedGemm packed = Gemm.Pack(_weights, _n, _k, _bias, _inputZeroPoint, _multipliers, _output, kernels.GemmTile);
        var c = new sbyte[(_rows - 1) * _ldc + _n];
        c.AsSpan().Fill(0x5A);   // gaps between rows (ldc > N) must stay untouched
        Gemm.Run(kernels, _a, _lda, _rows, packed, c, _ldc);
        return c;
    }

    public override sbyte[] RunOracle()
    {
        var c = new sbyte[(_rows - 1) * _ldc + _n];
        c.AsSpan().Fill(0x5A);
        for (int row = 0; row < _rows; row++)
        {
            // A 1x1 convolution over a 1-pixel image per row is the same product.
            var output = new sbyte[_n];
            ConvReference.Run(_a.AsSpan(row * _lda, _k), new Nhwc(1, 1, 1, _k), _weights, _n, 1, new ConvGeometry(1, 1),
                _bias, _inputZeroPoint, _multipliers, _output, output);
            output.CopyTo(c.AsSpan(row * _ldc));
        }
        return c;
    }

    public override string ToString()
        => $"gemm M={_rows} N={_n} K={_k} lda={_lda} ldc={_ldc} {KernelFamilies.Quant(_inputZeroPoint, _multipliers, _output)}";
}

/// <summary>A case with an NHWC input and int8 weights: convolutions of every kind.</summary>
internal abstract class WeightedCase : KernelCase
{
    protected Nhwc _input;
    protected ConvGeometry _geometry;
    protected int _inputZeroPoint;
    protected sbyte[] _x = [], _weights = [];
    protected int[] _bias = [];
    protected float[] _multipliers = [];
    protected OutputQuant _output;

    /// <summary>Draws the input values, and weights, biases, multipliers and output quantization for
    /// <paramref name="outputChannels"/> channels of <paramref name="depth"/> weights each.</summary>
    protected void DrawData(CaseRandom r, int outputChannels, int depth)
    {
        _x = r.Bytes(_input.Length);
        _weights = r.Bytes(outputChannels * depth, -127, 127);
        _bias = KernelFamilies.Bias(r, outputChannels);
        _multipliers = KernelFamilies.Multipliers(r, outputChannels, depth);
        _output = KernelFamilies.Output(r);
    }

    protected string Quant => KernelFamilies.Quant(_inputZeroPoint, _multipliers, _output);
}

internal sealed class ConvCase : WeightedCase
{
    private int _outputChannels, _groups;

    public static ConvCase Generate(CaseRandom r, bool pointwise)
    {
        int groups = r.Chance(30) ? r.Int(2, 4) : 1;
        int groupIn = r.Chance(50) ? r.Int(1, 6) : KernelFamilies.Channels(r, 40);
        int groupOut = KernelFamilies.Channels(r, 40);
        ConvGeometry g = pointwise ? new ConvGeometry(1, 1) : RandomWindow(r, r.Int(1, 5), r.Int(1, 3), r.Int(1, 2));
        var c = new ConvCase
        {
            _geometry = g, _groups = groups, _outputChannels = groups * groupOut, _inputZeroPoint = r.ZeroPoint(),
            _input = new Nhwc(r.Int(1, 2), FitSize(r, g.KernelH, g.DilationH, g.PadTop + g.PadBottom),
                FitSize(r, g.KernelW, g.DilationW, g.PadLeft + g.PadRight), groups * groupIn),
        };
        c.DrawData(r, c._outputChannels, g.Taps * groupIn);
        return c;
    }

    /// <summary>A window with the given kernel size (square or not), stride and dilation and random asymmetric padding.</summary>
    internal static ConvGeometry RandomWindow(CaseRandom r, int kernel, int stride, int dilation)
    {
        int kw = r.Chance(20) ? r.Int(1, 5) : kernel;
        return new ConvGeometry(kernel, kw, stride, r.Chance(20) ? r.Int(1, 3) : stride, dilation, dilation,
            r.Int(0, kernel - 1), r.Int(0, kw - 1), r.Int(0, kernel - 1), r.Int(0, kw - 1));
    }

    /// <summary>An input extent the window fits: 1..<paramref name="maxSize"/>, at least the dilated kernel minus the padding.</summary>
    internal static int FitSize(CaseRandom r, int kernel, int dilation, int pads, int maxSize = 16)
        => Math.Max(r.Chance(20) ? 1 : r.Int(1, maxSize), dilation * (kernel - 1) + 1 - pads);

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        PackedConv conv = Conv.Pack(kernels, _weights, _outputChannels, _input.C, _groups, _geometry, _bias, _inputZeroPoint, _multipliers, _output);
        Nhwc os = _geometry.OutputShape(_input, _outputChannels);
        var y = new sbyte[os.Length];
        foreach ((int first, int count) in Slices(os.Pixels, parts))
            Conv.Run(kernels, conv, _x, _input, y, new sbyte[Conv.ScratchBytes(conv)], first, count);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        var y = new sbyte[_geometry.OutputShape(_input, _outputChannels).Length];
        ConvReference.Run(_x, _input, _weights, _outputChannels, _groups, _geometry, _bias, _inputZeroPoint, _multipliers, _output, y);
        return y;
    }

    public override string ToString()
        => $"conv in={_input} out={_outputChannels} groups={_groups} {_geometry} {Quant}";
}

internal sealed class DepthwiseCase : WeightedCase
{
    /// <param name="kernel">3 or 5 for square kernels with <paramref name="stride"/>; 0: random kernel, stride and dilation.</param>
    /// <param name="maxSize">Largest input height and width (wide rows give the row kernels long interior runs).</param>
    /// <param name="extremes">Inputs only -128 and 127 and weights only -127 and 127, so accumulators and outputs saturate.</param>
    public static DepthwiseCase Generate(CaseRandom r, int kernel, int stride, int maxSize = 16, bool extremes = false)
    {
        ConvGeometry g = kernel == 0
            ? ConvCase.RandomWindow(r, r.Int(1, 7), r.Int(1, 3), r.Int(1, 2))
            : new ConvGeometry(kernel, kernel, stride, stride, 1, 1, r.Int(0, kernel / 2 + 1), r.Int(0, kernel / 2 + 1),
                r.Int(0, kernel / 2), r.Int(0, kernel / 2));
        var c = new DepthwiseCase
        {
            _geometry = g, _inputZeroPoint = r.ZeroPoint(),
            _input = new Nhwc(r.Int(1, 2), ConvCase.FitSize(r, g.KernelH, g.DilationH, g.PadTop + g.PadBottom, maxSize),
                ConvCase.FitSize(r, g.KernelW, g.DilationW, g.PadLeft + g.PadRight, maxSize), KernelFamilies.Channels(r)),
        };
        c.DrawData(r, c._input.C, g.Taps);
        if (extremes)
        {
            for (int i = 0; i < c._x.Length; i++) c._x[i] = r.Chance(50) ? sbyte.MinValue : sbyte.MaxValue;
            for (int i = 0; i < c._weights.Length; i++) c._weights[i] = r.Chance(50) ? (sbyte)-127 : sbyte.MaxValue;
        }
        return c;
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        PackedDepthwise dw = Depthwise.Pack(kernels, _weights, _input.C, _geometry, _bias, _inputZeroPoint, _multipliers, _output);
        Nhwc os = _geometry.OutputShape(_input, _input.C);
        var y = new sbyte[os.Length];
        foreach ((int first, int count) in Slices(os.Pixels, parts))
            Depthwise.Run(kernels, dw, _x, _input, y, first, count);
        return y;
    }

    // A depthwise convolution is a grouped convolution with one channel per group (weights O-H-W-I with I = 1).
    public override sbyte[] RunOracle()
    {
        int taps = _geometry.Taps, channels = _input.C;
        var ohwi = new sbyte[_weights.Length];
        for (int c = 0; c < channels; c++)
        for (int t = 0; t < taps; t++)
            ohwi[c * taps + t] = _weights[t * channels + c];
        var y = new sbyte[_geometry.OutputShape(_input, channels).Length];
        ConvReference.Run(_x, _input, ohwi, channels, channels, _geometry, _bias, _inputZeroPoint, _multipliers, _output, y);
        return y;
    }

    public override string ToString()
        => $"dwconv in={_input} {_geometry} {Quant}";
}

internal sealed class PoolCase : KernelCase
{
    private Nhwc _input;
    private sbyte[] _x = [];
    private PoolingParams _pool = PoolingParams.Max(new ConvGeometry(1, 1));
    private double _inputScale, _outputScale;
    private bool _countIncludePad;

    public static PoolCase Generate(CaseRandom r, bool average, bool global)
    {
        ConvGeometry g = ConvCase.RandomWindow(r, r.Int(1, 5), r.Int(1, 3), r.Chance(15) ? 2 : 1);
        var c = new PoolCase
        {
            _input = new Nhwc(r.Int(1, 2), ConvCase.FitSize(r, g.KernelH, g.DilationH, g.PadTop + g.PadBottom),
                ConvCase.FitSize(r, g.KernelW, g.DilationW, g.PadLeft + g.PadRight), KernelFamilies.Channels(r)),
            _inputScale = r.LogUniform(1e-3, 1),
        };
        c._outputScale = c._inputScale * ScaleRatio(r);
        c._x = r.Bytes(c._input.Length);
        OutputQuant output = KernelFamilies.Output(r);
        int inputZeroPoint = r.ZeroPoint();
        c._pool = !average ? PoolingParams.Max(g)
            : global ? PoolingParams.GlobalAverage(c._input, c._inputScale, inputZeroPoint, c._outputScale, output)
            : PoolingParams.Average(g, c._inputScale, inputZeroPoint, c._outputScale, output, c._countIncludePad = r.Chance(25));
        return c;
    }

    private Nhwc OutputShape => _pool.Geometry.OutputShape(_input, _input.C);

    /// <summary>Output scale over input scale: mostly near 1, sometimes far off (saturation, collapse to the zero point).</summary>
    internal static double ScaleRatio(CaseRandom r) => r.Chance(10) ? r.LogUniform(1e-3, 1e3) : r.LogUniform(0.3, 3);

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[OutputShape.Length];
        foreach ((int first, int count) in Slices(OutputShape.Pixels, parts))
        {
            if (_pool.IsAverage) Pooling.AveragePool(kernels, _pool, _x, _input, y, first, count);
            else Pooling.MaxPool(kernels, _pool, _x, _input, y, first, count);
        }
        return y;
    }

    public override sbyte[] RunOracle()
    {
        ConvGeometry g = _pool.Geometry;
        Nhwc os = OutputShape;
        var y = new sbyte[os.Length];
        for (int n = 0; n < os.N; n++)
        for (int oy = 0; oy < os.H; oy++)
        for (int ox = 0; ox < os.W; ox++)
        for (int ch = 0; ch < os.C; ch++)
        {
            int count = 0, sum = 0, max = sbyte.MinValue;
            for (int ky = 0; ky < g.KernelH; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                if (iy < 0 || iy >= _input.H || ix < 0 || ix >= _input.W) continue;
                int v = _x[((n * _input.H + iy) * _input.W + ix) * _input.C + ch];
                count++;
                sum += v - _pool.InputZeroPoint;
                max = Math.Max(max, v);
            }
            float m = count == 0 ? 0 : (float)(_inputScale / (_outputScale * (_countIncludePad ? g.Taps : count)));
            y[((n * os.H + oy) * os.W + ox) * os.C + ch] = _pool.IsAverage ? Requantization.FromAccumulator(sum, m, _pool.Output) : (sbyte)max;
        }
        return y;
    }

    public override string ToString()
        => $"{(_pool.IsAverage ? "avg" : "max")}pool in={_input} {_pool.Geometry}{(_countIncludePad ? " count_include_pad" : "")} xzp={_pool.InputZeroPoint} scales {_inputScale:G4}->{_outputScale:G4} out(zp={_pool.Output.ZeroPoint} [{_pool.Output.QMin},{_pool.Output.QMax}])";
}

internal sealed class BinaryCase : KernelCase
{
    private bool _multiply;
    private Nhwc _aShape, _bShape;
    private sbyte[] _a = [], _b = [];
    private BinaryQuant _quant;

    public static BinaryCase Generate(CaseRandom r, bool multiply)
    {
        var full = new Nhwc(r.Int(1, 2), r.Int(1, 6), r.Int(1, 6), KernelFamilies.Channels(r));
        Nhwc Broadcast() => r.Int(0, 5) switch
        {
            0 => full with { H = 1, W = 1 },          // SE block: [N,1,1,C]
            1 => new Nhwc(1, 1, 1, 1),                 // scalar
            2 => new Nhwc(1, 1, 1, full.C),            // per channel
            3 => full with { C = 1 },                  // per pixel
            _ => full,
        };
        var c = new BinaryCase { _multiply = multiply, _aShape = Broadcast(), _bShape = Broadcast() };
        if (r.Chance(50)) (c._aShape, c._bShape) = (c._bShape, c._aShape);
        c._a = r.Bytes(c._aShape.Length);
        c._b = r.Bytes(c._bShape.Length);
        double sa = r.LogUniform(1e-3, 1), sb = r.LogUniform(1e-3, 1);
        double so = multiply ? sa * sb * r.LogUniform(30, 1000) : Math.Max(sa, sb) * PoolCase.ScaleRatio(r);
        int za = r.ZeroPoint(), zb = r.ZeroPoint();
        OutputQuant output = KernelFamilies.Output(r);
        c._quant = multiply ? BinaryQuant.Mul(sa, za, sb, zb, so, output) : BinaryQuant.Add(sa, za, sb, zb, so, output);
        return c;
    }

    private Nhwc OutputShape => Elementwise.BroadcastShape(_aShape, _bShape);

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[OutputShape.Length];
        foreach ((int first, int count) in Slices(OutputShape.Pixels, parts))
        {
            if (_multiply) Elementwise.Mul(kernels, _a, _aShape, _b, _bShape, _quant, y, first, count);
            else Elementwise.Add(kernels, _a, _aShape, _b, _bShape, _quant, y, first, count);
        }
        return y;
    }

    public override sbyte[] RunOracle()
    {
        Nhwc os = OutputShape;
        var y = new sbyte[os.Length];
        static int At(Nhwc s, int n, int h, int w, int c)
            => ((Math.Min(n, s.N - 1) * s.H + Math.Min(h, s.H - 1)) * s.W + Math.Min(w, s.W - 1)) * s.C + Math.Min(c, s.C - 1);
        int i = 0;
        for (int n = 0; n < os.N; n++)
        for (int h = 0; h < os.H; h++)
        for (int w = 0; w < os.W; w++)
        for (int ch = 0; ch < os.C; ch++)
        {
            float a = _a[At(_aShape, n, h, w, ch)] - _quant.ZeroPointA, b = _b[At(_bShape, n, h, w, ch)] - _quant.ZeroPointB;
            float v = _multiply ? a * b * _quant.MultiplierA : a * _quant.MultiplierA + b * _quant.MultiplierB;
            y[i++] = Requantization.FromFloat(v, _quant.Output);
        }
        return y;
    }

    public override string ToString()
        => $"{(_multiply ? "mul" : "add")} a={_aShape} b={_bShape} za={_quant.ZeroPointA} zb={_quant.ZeroPointB} m={_quant.MultiplierA:G4},{_quant.MultiplierB:G4} out(zp={_quant.Output.ZeroPoint} [{_quant.Output.QMin},{_quant.Output.QMax}])";
}

internal sealed class RequantizeCase : KernelCase
{
    private sbyte[] _x = [];
    private RequantizeParams _quant;

    public static RequantizeCase Generate(CaseRandom r)
        => new() { _x = r.Bytes(r.Int(1, 300)), _quant = RandomParams(r) };

    internal static RequantizeParams RandomParams(CaseRandom r)
    {
        double inputScale = r.LogUniform(1e-3, 1);
        return new(inputScale, r.ZeroPoint(), inputScale * PoolCase.ScaleRatio(r), KernelFamilies.Output(r));
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[_x.Length];
        RequantizeTensor.Run(kernels, _x, _quant, y);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        var y = new sbyte[_x.Length];
        for (int i = 0; i < y.Length; i++) y[i] = Requantization.FromFloat((_x[i] - _quant.InputZeroPoint) * _quant.Multiplier, _quant.Output);
        return y;
    }

    public override string ToString() => $"requantize n={_x.Length} zp={_quant.InputZeroPoint} m={_quant.Multiplier:G4} out(zp={_quant.Output.ZeroPoint})";
}

internal sealed class ConcatCase : KernelCase
{
    private int _pixels;
    private ConcatInput[] _inputs = [];

    public static ConcatCase Generate(CaseRandom r)
    {
        int pixels = r.Int(1, 20);
        var inputs = new ConcatInput[r.Int(1, 4)];
        for (int i = 0; i < inputs.Length; i++)
        {
            int channels = KernelFamilies.Channels(r, 40);
            inputs[i] = new ConcatInput(r.Bytes(pixels * channels), channels, r.Chance(40) ? RequantizeCase.RandomParams(r) : null);
        }
        return new ConcatCase { _pixels = pixels, _inputs = inputs };
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        int channels = 0;
        foreach (ConcatInput input in _inputs) channels += input.Channels;
        var y = new sbyte[_pixels * channels];
        Concat.Channels(kernels, _inputs, _pixels, y);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        var y = new List<sbyte>();
        for (int p = 0; p < _pixels; p++)
        foreach (ConcatInput input in _inputs)
        foreach (sbyte v in input.Data.Span.Slice(p * input.Channels, input.Channels))
            y.Add(input.Requantize is { } q ? Requantization.FromFloat((v - q.InputZeroPoint) * q.Multiplier, q.Output) : v);
        return y.ToArray();
    }

    public override string ToString()
    {
        var inputs = new string[_inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = _inputs[i].Channels + (_inputs[i].Requantize is null ? "" : " requantized");
        return $"concat pixels={_pixels} inputs=[{string.Join(", ", inputs)}]";
    }
}

internal sealed class PadCase : KernelCase
{
    private Nhwc _input, _before, _after;
    private sbyte[] _x = [];
    private sbyte _value;

    public static PadCase Generate(CaseRandom r)
    {
        Nhwc Pads() => new(r.Chance(10) ? 1 : 0, r.Int(0, 3), r.Int(0, 3), r.Chance(20) ? r.Int(1, 5) : 0);
        var c = new PadCase { _input = new Nhwc(r.Int(1, 2), r.Int(1, 7), r.Int(1, 7), KernelFamilies.Channels(r, 40)), _before = Pads(), _after = Pads(), _value = (sbyte)r.ZeroPoint() };
        c._x = r.Bytes(c._input.Length);
        return c;
    }

    private Nhwc OutputShape => new(_input.N + _before.N + _after.N, _input.H + _before.H + _after.H, _input.W + _before.W + _after.W, _input.C + _before.C + _after.C);

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[OutputShape.Length];
        Pad.Run(_x, _input, _before, _after, _value, y);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        Nhwc os = OutputShape;
        var y = new sbyte[os.Length];
        int i = 0;
        for (int n = 0; n < os.N; n++)
        for (int h = 0; h < os.H; h++)
        for (int w = 0; w < os.W; w++)
        for (int ch = 0; ch < os.C; ch++)
        {
            int sn = n - _before.N, sh = h - _before.H, sw = w - _before.W, sc = ch - _before.C;
            bool inside = sn >= 0 && sn < _input.N && sh >= 0 && sh < _input.H && sw >= 0 && sw < _input.W && sc >= 0 && sc < _input.C;
            y[i++] = inside ? _x[((sn * _input.H + sh) * _input.W + sw) * _input.C + sc] : _value;
        }
        return y;
    }

    public override string ToString() => $"pad in={_input} before={_before} after={_after} value={_value}";
}

internal sealed class ResizeCase : KernelCase
{
    private Nhwc _input;
    private int _outputH, _outputW;
    private CoordinateTransform _mode;
    private NearestRounding _rounding;
    private RequantizeParams? _quant;
    private sbyte[] _x = [];

    public static ResizeCase Generate(CaseRandom r, bool bilinear)
    {
        var c = new ResizeCase
        {
            _input = new Nhwc(r.Int(1, 2), r.Int(1, 9), r.Int(1, 9), KernelFamilies.Channels(r)),
            _outputH = r.Int(1, 20), _outputW = r.Int(1, 20),
            _mode = r.Pick(CoordinateTransform.HalfPixel, CoordinateTransform.PytorchHalfPixel, CoordinateTransform.AlignCorners, CoordinateTransform.Asymmetric),
            _rounding = r.Pick(NearestRounding.RoundPreferFloor, NearestRounding.RoundPreferCeil, NearestRounding.Floor, NearestRounding.Ceil),
            _quant = bilinear ? RequantizeCase.RandomParams(r) : null,
        };
        if (r.Chance(30)) (c._outputH, c._outputW) = (c._input.H * 2, c._input.W * 2);
        c._x = r.Bytes(c._input.Length);
        return c;
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[_input.N * _outputH * _outputW * _input.C];
        if (_quant is { } q)
        {
            var resize = new ResizeBilinear(_input, _outputH, _outputW, _mode, q);
            foreach ((int first, int count) in Slices(resize.Output.Pixels, parts))
                resize.Run(kernels, _x, y, first, count);
        }
        else
        {
            new ResizeNearest(_input, _outputH, _outputW, _mode, _rounding).Run(_x, y);
        }
        return y;
    }

    public override string ToString()
        => $"resize {(_quant is null ? "nearest " + _rounding : "bilinear")} {_input} -> {_outputH}x{_outputW} {_mode}";
}

internal sealed class LutCase : KernelCase
{
    private sbyte[] _table = [], _x = [];

    public static LutCase Generate(CaseRandom r) => new() { _table = r.Bytes(Lut.TableSize), _x = r.Bytes(r.Int(1, 300)) };

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        var y = new sbyte[_x.Length];
        Lut.Run(kernels, _table, _x, y);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        var y = new sbyte[_x.Length];
        for (int i = 0; i < y.Length; i++) y[i] = _table[_x[i] + 128];
        return y;
    }

    public override string ToString() => $"lut n={_x.Length}";
}

internal sealed class TransposeConvCase : WeightedCase
{
    private int _outputChannels;

    public static TransposeConvCase Generate(CaseRandom r)
    {
        int kh = r.Int(1, 4), kw = r.Chance(70) ? kh : r.Int(1, 4), dh = r.Int(1, 2), dw = r.Int(1, 2);
        // Padding at most the dilated kernel's reach in total, so the output is at least as large as the input.
        int top = r.Int(0, dh * (kh - 1)), left = r.Int(0, dw * (kw - 1));
        var g = new ConvGeometry(kh, kw, r.Int(1, 3), r.Int(1, 3), dh, dw, top, left, r.Int(0, dh * (kh - 1) - top), r.Int(0, dw * (kw - 1) - left));
        int outputChannels = KernelFamilies.Channels(r, 40), zeroPoint = r.ZeroPoint();
        return Create(r, g, new Nhwc(r.Int(1, 2), r.Int(1, 7), r.Int(1, 7), KernelFamilies.Channels(r, 24)), outputChannels, zeroPoint);
    }

    /// <summary>A case with the given window and shapes (e.g. windows that tile the output), random data.</summary>
    internal static TransposeConvCase Create(CaseRandom r, ConvGeometry g, Nhwc input, int outputChannels, int inputZeroPoint)
    {
        var c = new TransposeConvCase { _geometry = g, _outputChannels = outputChannels, _inputZeroPoint = inputZeroPoint, _input = input };
        c.DrawData(r, outputChannels, g.Taps * input.C);
        return c;
    }

    public override sbyte[] Run(KernelTable kernels, int parts)
    {
        PackedTransposeConv tc = TransposeConv.Pack(kernels, _weights, _outputChannels, _input.C, _geometry, _bias, _inputZeroPoint, _multipliers, _output);
        var y = new sbyte[tc.OutputShape(_input).Length];
        TransposeConv.Run(kernels, tc, _x, _input, y, new sbyte[TransposeConv.ScratchBytes(tc, _input)]);
        return y;
    }

    /// <summary>The definition: every input pixel scatters weight * (x - zp) to the outputs under its taps.</summary>
    public override sbyte[] RunOracle()
    {
        ConvGeometry g = _geometry;
        int oh = (_input.H - 1) * g.StrideH + g.DilationH * (g.KernelH - 1) + 1 - g.PadTop - g.PadBottom;
        int ow = (_input.W - 1) * g.StrideW + g.DilationW * (g.KernelW - 1) + 1 - g.PadLeft - g.PadRight;
        var acc = new int[_input.N * oh * ow * _outputChannels];
        for (int i = 0; i < acc.Length; i++) acc[i] = _bias[i % _outputChannels];
        for (int n = 0; n < _input.N; n++)
        for (int iy = 0; iy < _input.H; iy++)
        for (int ix = 0; ix < _input.W; ix++)
        for (int ky = 0; ky < g.KernelH; ky++)
        for (int kx = 0; kx < g.KernelW; kx++)
        {
            int oy = iy * g.StrideH - g.PadTop + ky * g.DilationH, ox = ix * g.StrideW - g.PadLeft + kx * g.DilationW;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            for (int o = 0; o < _outputChannels; o++)
            for (int i = 0; i < _input.C; i++)
            {
                acc[((n * oh + oy) * ow + ox) * _outputChannels + o] += _weights[((o * g.KernelH + ky) * g.KernelW + kx) * _input.C + i]
                    * (_x[((n * _input.H + iy) * _input.W + ix) * _input.C + i] - _inputZeroPoint);
            }
        }
        var y = new sbyte[acc.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = Requantization.FromAccumulator(acc[i], _multipliers[_multipliers.Length == 1 ? 0 : i % _outputChannels], _output);
        return y;
    }

    public override string ToString()
        => $"transposed conv in={_input} out={_outputChannels} {_geometry} {Quant}";
}
