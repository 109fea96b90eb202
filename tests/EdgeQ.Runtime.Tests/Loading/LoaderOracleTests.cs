using EdgeQ.Format;
using EdgeQ.Format.Tests;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;
using EdgeQ.Runtime.Loading;

namespace EdgeQ.Runtime.Tests.Loading;

/// <summary>The loader against the spec itself: a grouped, strided, padded convolution with a ReLU clamp, written as
/// a direct loop of docs/quantization.md (no runtime code), for per-channel and per-tensor weights, int8 and uint8.</summary>
public class LoaderOracleTests
{
    private static readonly Window2D Window = new(3, 3, 2, 2, Pads: new(1, 0, 1, 1));
    private const int Height = 7, Width = 6, InChannels = 3, OutChannels = 6, Groups = 3;

    private sealed record ConvCase(ElementType Type, float[] WeightScales, sbyte[] Weights, int[] Bias, int[] Input);

    private static ConvCase Case(ElementType type, bool perChannel)
    {
        var r = new CaseRandom(perChannel ? 11UL : 12UL);
        int patch = 9 * InChannels / Groups;
        int low = type == ElementType.UInt8 ? 0 : -128;
        return new ConvCase(type,
            perChannel ? Enumerable.Range(0, OutChannels).Select(_ => (float)r.LogUniform(0.002, 0.02)).ToArray() : [0.007f],
            r.Bytes(OutChannels * patch, -127, 127),
            Enumerable.Range(0, OutChannels).Select(_ => r.Int(-3000, 3000)).ToArray(),
            Enumerable.Range(0, Height * Width * InChannels).Select(_ => r.Int(low, low + 255)).ToArray());
    }

    // Quantization of input and output in the stored type's range (uint8: the int8 values shifted by 128).
    private static (float Scale, int ZeroPoint, int Clamp) InputQ(ElementType t) => (0.03f, ModelLoader.DomainShift(t) - 3, 0);
    private static (float Scale, int ZeroPoint) OutputQ(ElementType t) => (0.05f, ModelLoader.DomainShift(t) - 20);

    private static EqmModel Model(ConvCase c)
    {
        var b = new EqmModelBuilder(new EqmMetadata("conv", "tests", "", []));
        var (si, zi, _) = InputQ(c.Type);
        var (so, zo) = OutputQ(c.Type);
        int x = b.SetInput("x", c.Type, [1, Height, Width, InChannels], EqmQuantization.PerTensor(si, zi),
            new ImagePreprocessing(ColorOrder.Rgb, ResizeMode.Stretch, 1f, [0f, 0f, 0f], [1f, 1f, 1f]));
        EqmQuantization wq = c.WeightScales.Length == 1 ? EqmQuantization.PerTensor(c.WeightScales[0], 0) : EqmQuantization.PerChannel(0, c.WeightScales);
        int w = b.AddWeights("w", [OutChannels, 3, 3, InChannels / Groups], wq, c.Weights);
        int bias = b.AddBias("b", c.Bias);
        int y = b.AddOperator(new Conv2DParams(Window, Groups, new OutputClamp(zo, ModelLoader.DomainShift(c.Type) + 127)), [x, w, bias], "y", c.Type,
            EqmQuantization.PerTensor(so, zo));
        b.AddOutput(y);
        return b.Build();
    }

    /// <summary>docs/quantization.md, literally: int32 accumulation of w * (x - zp) over in-bounds taps, multiplier in
    /// double rounded once to float32, one float32 multiply, clamp, round half to even, add the zero point.</summary>
    private static int[] Oracle(ConvCase c)
    {
        var (si, zi, _) = InputQ(c.Type);
        var (so, zo) = OutputQ(c.Type);
        int oh = (Height + 2 - 3) / 2 + 1, ow = (Width + 1 - 3) / 2 + 1, groupIn = InChannels / Groups, groupOut = OutChannels / Groups;
        var result = new int[oh * ow * OutChannels];
        for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
        for (int o = 0; o < OutChannels; o++)
        {
            int acc = c.Bias[o], g = o / groupOut;
            for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
            {
                int iy = y * 2 - 1 + ky, ix = x * 2 - 0 + kx;
                if (iy < 0 || iy >= Height || ix < 0 || ix >= Width) continue;
                for (int i = 0; i < groupIn; i++)
                    acc += c.Weights[((o * 3 + ky) * 3 + kx) * groupIn + i] * (c.Input[(iy * Width + ix) * InChannels + g * groupIn + i] - zi);
            }
            float m = (float)((double)si * c.WeightScales[c.WeightScales.Length == 1 ? 0 : o] / so);
            float v = Math.Clamp(acc * m, 0f, ModelLoader.DomainShift(c.Type) + 127 - zo);   // ReLU: lo = zo - zo
            result[(y * ow + x) * OutChannels + o] = (int)MathF.Round(v) + zo;
        }
        return result;
    }

    public static TheoryData<ElementType, bool, string> Cases()
    {
        var data = new TheoryData<ElementType, bool, string>();
        foreach (ElementType type in new[] { ElementType.Int8, ElementType.UInt8 })
        foreach (bool perChannel in new[] { true, false })
        foreach (KernelVariant variant in KernelVariants.Supported)
            data.Add(type, perChannel, variant.Name());
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_loaded_convolution_matches_the_spec_loop(ElementType type, bool perChannel, string variantName)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        ConvCase c = Case(type, perChannel);
        using InferenceModel model = InferenceModel.Load(Model(c), new InferenceOptions(1, variant));
        var input = c.Input.Select(v => unchecked((sbyte)v)).ToArray();
        var output = new sbyte[model.OutputBytes];
        model.Run(input, output);
        int[] actual = output.Select(v => type == ElementType.UInt8 ? (byte)v : (int)v).ToArray();
        int[] expected = Oracle(c);
        Assert.Equal(expected, actual);
        Assert.True(expected.Distinct().Count() > 10, "the case should exercise many output values");
    }

    [Fact]
    public void An_op_the_runtime_cannot_run_is_named_with_its_index_kind_and_reason()
    {
        var b = new EqmModelBuilder(new EqmMetadata("concat-h", "tests", "", []));
        var q = TestModels.Act(0.1f, 0);
        int x = b.SetInput("x", ElementType.Int8, [1, 4, 4, 3], q, TestModels.ImageNet);
        int table = b.AddTable("t", new sbyte[256]);
        int lut = b.AddOperator(new LutParams(), [x, table], "lut", ElementType.Int8, q);
        int rows = b.AddOperator(new ConcatParams(1), [x, lut], "rows", ElementType.Int8, q);
        b.AddOutput(rows);
        var e = Assert.Throws<UnsupportedModelException>(() => InferenceModel.Load(b.Build()));
        Assert.Equal("op 1 (Concat 'rows'): concat along axis 1: only the last (channel) axis is supported", e.Message);
    }
}
