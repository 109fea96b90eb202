using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Diagnostics;

/// <summary>One randomly drawn kernel invocation: its inputs, and how to run it through a kernel table.</summary>
public abstract class KernelCase
{
    /// <summary>Output bytes of this case computed by <paramref name="kernels"/>.</summary>
    public abstract sbyte[] Run(KernelTable kernels);

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
        new("dwconv 3x3 s1", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 3, 1)),
        new("dwconv 3x3 s2", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 3, 2)),
        new("dwconv 5x5 s1", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 5, 1)),
        new("dwconv 5x5 s2", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 5, 2)),
        new("dwconv KxK", k => k.DepthwiseVariant, r => DepthwiseCase.Generate(r, 0, 0)),
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

    public override sbyte[] Run(KernelTable kernels)
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

internal sealed class ConvCase : KernelCase
{
    private Nhwc _input;
    private ConvGeometry _geometry;
    private int _outputChannels, _groups, _inputZeroPoint;
    private sbyte[] _x = [], _weights = [];
    private int[] _bias = [];
    private float[] _multipliers = [];
    private OutputQuant _output;

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
        int patch = g.Taps * groupIn;
        c._x = r.Bytes(c._input.Length);
        c._weights = r.Bytes(c._outputChannels * patch, -127, 127);
        c._bias = KernelFamilies.Bias(r, c._outputChannels);
        c._multipliers = KernelFamilies.Multipliers(r, c._outputChannels, patch);
        c._output = KernelFamilies.Output(r);
        return c;
    }

    /// <summary>A window with the given kernel size (square or not), stride and dilation and random asymmetric padding.</summary>
    internal static ConvGeometry RandomWindow(CaseRandom r, int kernel, int stride, int dilation)
    {
        int kw = r.Chance(20) ? r.Int(1, 5) : kernel;
        return new ConvGeometry(kernel, kw, stride, r.Chance(20) ? r.Int(1, 3) : stride, dilation, dilation,
            r.Int(0, kernel - 1), r.Int(0, kw - 1), r.Int(0, kernel - 1), r.Int(0, kw - 1));
    }

    /// <summary>An input extent the window fits: 1..16, at least the dilated kernel minus the padding.</summary>
    internal static int FitSize(CaseRandom r, int kernel, int dilation, int pads)
        => Math.Max(r.Chance(20) ? 1 : r.Int(1, 16), dilation * (kernel - 1) + 1 - pads);

    public override sbyte[] Run(KernelTable kernels)
    {
        PackedConv conv = Conv.Pack(kernels, _weights, _outputChannels, _input.C, _groups, _geometry, _bias, _inputZeroPoint, _multipliers, _output);
        var y = new sbyte[_geometry.OutputShape(_input, _outputChannels).Length];
        Conv.Run(kernels, conv, _x, _input, y, new sbyte[Conv.ScratchBytes(conv)]);
        return y;
    }

    public override sbyte[] RunOracle()
    {
        var y = new sbyte[_geometry.OutputShape(_input, _outputChannels).Length];
        ConvReference.Run(_x, _input, _weights, _outputChannels, _groups, _geometry, _bias, _inputZeroPoint, _multipliers, _output, y);
        return y;
    }

    public override string ToString()
        => $"conv in={_input} out={_outputChannels} groups={_groups} {_geometry} {KernelFamilies.Quant(_inputZeroPoint, _multipliers, _output)}";
}

internal sealed class DepthwiseCase : KernelCase
{
    private Nhwc _input;
    private ConvGeometry _geometry;
    private int _inputZeroPoint;
    private sbyte[] _x = [], _weights = [];
    private int[] _bias = [];
    private float[] _multipliers = [];
    private OutputQuant _output;

    /// <param name="kernel">3 or 5 for square kernels with <paramref name="stride"/>; 0: random kernel, stride and dilation.</param>
    public static DepthwiseCase Generate(CaseRandom r, int kernel, int stride)
    {
        ConvGeometry g = kernel == 0
            ? ConvCase.RandomWindow(r, r.Int(1, 7), r.Int(1, 3), r.Int(1, 2))
            : new ConvGeometry(kernel, kernel, stride, stride, 1, 1, r.Int(0, kernel / 2 + 1), r.Int(0, kernel / 2 + 1),
                r.Int(0, kernel / 2), r.Int(0, kernel / 2));
        var c = new DepthwiseCase
        {
            _geometry = g, _inputZeroPoint = r.ZeroPoint(),
            _input = new Nhwc(r.Int(1, 2), ConvCase.FitSize(r, g.KernelH, g.DilationH, g.PadTop + g.PadBottom),
                ConvCase.FitSize(r, g.KernelW, g.DilationW, g.PadLeft + g.PadRight), KernelFamilies.Channels(r)),
        };
        c._x = r.Bytes(c._input.Length);
        c._weights = r.Bytes(c._input.C * g.Taps, -127, 127);
        c._bias = KernelFamilies.Bias(r, c._input.C);
        c._multipliers = KernelFamilies.Multipliers(r, c._input.C, g.Taps);
        c._output = KernelFamilies.Output(r);
        return c;
    }

    public override sbyte[] Run(KernelTable kernels)
    {
        PackedDepthwise dw = Depthwise.Pack(_weights, _input.C, _geometry, _bias, _inputZeroPoint, _multipliers, _output);
        var y = new sbyte[_geometry.OutputShape(_input, _input.C).Length];
        Depthwise.Run(kernels, dw, _x, _input, y);
        return y;
    }

    // A depthwise convolution is a grouped convolution with one channel per group; O-H-W is O-H-W-I with I = 1.
    public override sbyte[] RunOracle()
    {
        var y = new sbyte[_geometry.OutputShape(_input, _input.C).Length];
        ConvReference.Run(_x, _input, _weights, _input.C, _input.C, _geometry, _bias, _inputZeroPoint, _multipliers, _output, y);
        return y;
    }

    public override string ToString()
        => $"dwconv in={_input} {_geometry} {KernelFamilies.Quant(_inputZeroPoint, _multipliers, _output)}";
}
