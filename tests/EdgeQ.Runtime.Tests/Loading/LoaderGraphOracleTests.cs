using EdgeQ.Format;
using EdgeQ.Format.Tests;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests.Loading;

/// <summary>A small graph through the loader against direct loops of docs/quantization.md: a lookup table, average
/// pooling with padding excluded from the count, max pooling whose output has its own quantization (the loader's move
/// + requantize pair), and a residual Add of the two.</summary>
public class LoaderGraphOracleTests
{
    private const int Size = 6, Channels = 3;
    private static readonly (float S, int Z) In = (0.04f, -7), Lut = (0.03f, 5), Avg = (0.025f, -3), Max = (0.05f, 10), Out = (0.06f, 2);

    private static EqmModel Model(sbyte[] table)
    {
        var b = new EqmModelBuilder(new EqmMetadata("graph", "tests", "", []));
        int x = b.SetInput("x", ElementType.Int8, [1, Size, Size, Channels], TestModels.Act(In.S, In.Z), TestModels.ImageNet);
        int t = b.AddTable("table", table);
        int lut = b.AddOperator(new LutParams(), [x, t], "lut", ElementType.Int8, TestModels.Act(Lut.S, Lut.Z));
        int avg = b.AddOperator(new AveragePool2DParams(new Window2D(3, 3, Pads: new(1, 1, 1, 1)), false, OutputClamp.FullInt8), [lut], "avg",
            ElementType.Int8, TestModels.Act(Avg.S, Avg.Z));
        int max = b.AddOperator(new MaxPool2DParams(new Window2D(2, 2, Pads: new(0, 0, 1, 1))), [x], "max", ElementType.Int8, TestModels.Act(Max.S, Max.Z));
        int sum = b.AddOperator(new AddParams(new OutputClamp(-100, 120)), [avg, max], "sum", ElementType.Int8, TestModels.Act(Out.S, Out.Z));
        b.AddOutput(sum);
        return b.Build();
    }

    private static int Quantize(float v, int zeroPoint, int qmin = -128, int qmax = 127) =>
        (int)MathF.Round(Math.Clamp(v, qmin - zeroPoint, qmax - zeroPoint)) + zeroPoint;

    private static int[] Oracle(sbyte[] x, sbyte[] table)
    {
        int At(int y, int xx, int c) => (y * Size + xx) * Channels + c;
        int[] lut = x.Select(v => (int)table[v + 128]).ToArray();
        var result = new int[x.Length];
        for (int y = 0; y < Size; y++)
        for (int xx = 0; xx < Size; xx++)
        for (int c = 0; c < Channels; c++)
        {
            int sum = 0, count = 0, max = int.MinValue;
            for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if (y + dy is >= 0 and < Size && xx + dx is >= 0 and < Size)
                {
                    sum += lut[At(y + dy, xx + dx, c)] - Lut.Z;
                    count++;
                }
            for (int dy = 0; dy <= 1; dy++)
            for (int dx = 0; dx <= 1; dx++)
                if (y + dy < Size && xx + dx < Size) max = Math.Max(max, x[At(y + dy, xx + dx, c)]);
            int avg = Quantize(sum * (float)((double)Lut.S / ((double)Avg.S * count)), Avg.Z);
            int maxRequantized = Quantize((max - In.Z) * (float)((double)In.S / Max.S), Max.Z);
            float a = avg - Avg.Z, b = maxRequantized - Max.Z;
            result[At(y, xx, c)] = Quantize(a * (float)((double)Avg.S / Out.S) + b * (float)((double)Max.S / Out.S), Out.Z, -100, 120);
        }
        return result;
    }

    public static TheoryData<string> Variants() => new(KernelVariants.Supported.Select(v => v.Name()));

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_loaded_graph_matches_the_spec_loops(string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        var r = new CaseRandom(99);
        sbyte[] table = r.Bytes(256), input = r.Bytes(Size * Size * Channels);
        using InferenceModel model = InferenceModel.Load(Model(table), new InferenceOptions(2, variant));
        var output = new sbyte[model.OutputBytes];
        model.Run(input, output);
        int[] expected = Oracle(input, table);
        Assert.Equal(expected, output.Select(v => (int)v));
        Assert.True(expected.Distinct().Count() > 20);
    }
}
