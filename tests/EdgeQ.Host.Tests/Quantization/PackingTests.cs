using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Runtime;
using Xunit.Abstractions;
using FormatType = EdgeQ.Format.ElementType;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>Packing the real MobileNetV1-0.25 (calibrated on 32 ImageNet photos) and small models to .eqm.</summary>
public sealed class PackingTests(MobileNetFixture mobileNet, ITestOutputHelper output) : IClassFixture<MobileNetFixture>
{
    public static TheoryData<WeightGranularity, int, CalibrationMethod, bool> Configurations => new()
    {
        { WeightGranularity.PerChannel, 8, CalibrationMethod.Percentile, false },
        { WeightGranularity.PerChannel, 6, CalibrationMethod.MinMax, false },
        { WeightGranularity.PerTensor, 4, CalibrationMethod.Mse, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MobileNetPacksToAValidModelThatRoundTrips(WeightGranularity granularity, int bits, CalibrationMethod method, bool equalize)
    {
        var labels = Enumerable.Range(0, 1000).Select(i => $"class {i}").ToArray();
        var options = new PackOptions
        {
            Weights = granularity, WeightBits = bits, Calibration = method, Equalize = equalize,
            Preprocessing = PreprocessingPresets.SymmetricUnit, Labels = labels, Board = "pi5", Name = "mobilenet_v1_0.25",
        };
        var time = Stopwatch.StartNew();
        var result = ModelPacker.Pack(MobileNetFixture.LoadGraph(), mobileNet.Calibration, options);
        var model = result.Model;
        byte[] bytes = EqmWriter.ToBytes(model);
        output.WriteLine($"{granularity} W{bits} {method}{(equalize ? " equalize" : "")}: packed in {time.Elapsed.TotalSeconds:F1} s " +
            $"({MobileNetFixture.CalibrationCount} calibration images), {bytes.Length} bytes, {model.Operators.Count} ops");
        Assert.Equal(model, EqmReader.Read(bytes));

        // Graph: conv, 13 x (depthwise, pointwise), global average pool, the 1x1 classifier conv, flatten.
        OpKind[] expected = [OpKind.Conv2D, .. Enumerable.Repeat<OpKind[]>([OpKind.DepthwiseConv2D, OpKind.Conv2D], 13).SelectMany(k => k),
            OpKind.GlobalAveragePool, OpKind.Conv2D, OpKind.Reshape];
        Assert.Equal(expected, model.Operators.Select(o => o.Kind));
        Assert.Equal("edgeq 0.1.0", model.Metadata.Producer);
        Assert.Equal("pi5", model.Metadata.Board);
        Assert.Contains(new MetadataOption("wbits", bits.ToString()), model.Metadata.Options);
        Assert.Equal(labels, model.Outputs[0].Labels);
        Assert.Equal(PreprocessingPresets.SymmetricUnit, model.Input.Preprocessing);
        Assert.Equal(AffineQuantization.FromRange(-1, 1).ToEqm(), model.Tensors[model.Input.Tensor].Quantization);

        int qmax = WeightQuantizer.GridMax(bits);
        foreach (var op in model.Operators)
        {
            var y = model.Tensors[op.Output];
            Assert.True(y.Quantization is { Scales: [var s], ZeroPoints: [var zp] } && s > 0 && float.IsFinite(s) && zp is >= -128 and <= 127, $"{y}: {y.Quantization}");
            if (op.Kind is not (OpKind.Conv2D or OpKind.DepthwiseConv2D)) continue;
            var w = model.Tensors[op.Inputs[1]];
            var q = w.Quantization!;
            int channels = op.Kind == OpKind.Conv2D ? w.Shape[0] : w.Shape[3];
            Assert.Equal(granularity == WeightGranularity.PerChannel ? channels : 1, q.Scales.Count);
            Assert.All(q.Scales, s => Assert.True(s > 0 && float.IsFinite(s)));
            Assert.All(q.ZeroPoints, zp => Assert.Equal(0, zp));
            Assert.All(w.Data.ToArray(), b => Assert.InRange((sbyte)b, -qmax, qmax));
            Assert.Equal(qmax, w.Data.ToArray().Max(b => Math.Abs((int)(sbyte)b)));
            Assert.Equal(channels, model.Tensors[op.Inputs[2]].Shape[0]);
            // Every conv but the classifier carries ReLU6 as its clamp (quantization.md).
            var clamp = ((IClampedOp)op.Params).Clamp;
            int outZp = y.Quantization.ZeroPoints[0];
            if (op.Output != model.Operators[^2].Output)
                Assert.Equal(new OutputClamp(outZp, Math.Min(127, outZp + (int)Math.Round(6 / y.Quantization.Scales[0], MidpointRounding.ToEven))), clamp);
            else Assert.Equal(OutputClamp.FullInt8, clamp);
        }
    }

    [Fact]
    public void BiasesAreTheFloatBiasesAtInputTimesWeightScale()
    {
        var options = new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit, BiasCorrection = BiasCorrectionMethod.None };
        var graph = MobileNetFixture.LoadGraph();
        var result = ModelPacker.Pack(graph, mobileNet.Calibration, options);
        foreach (var (node, layer) in result.Plan.Layers)
        {
            var (weights, bias) = QuantizationPlan.FloatParameters(node);
            var restored = layer.DequantizedBias();
            if (layer.WidenedChannels > 0)
                output.WriteLine($"{node}: overflow guard widened {layer.WidenedChannels} channel(s); smallest channel max|w| " +
                    $"{WeightQuantizer.ChannelMaxAbs(weights, QuantizationPlan.WeightChannelAxis(node)).Min():G3}");
            for (int c = 0; c < bias.Length; c++)
                Assert.True(Math.Abs(restored[c] - bias[c]) <= layer.BiasScale(c) / 2 * 1.0001 + 1e-12, $"{node} channel {c}");
            // The int32 written to the file is the plan's.
            var written = result.Model.Tensors.Single(t => t.Name == node.Name + ":bias").Data.ToArray();
            Assert.Equal(layer.Bias, Enumerable.Range(0, bias.Length).Select(c => BinaryPrimitives.ReadInt32LittleEndian(written.AsSpan(c * 4))));
        }
        // Calibration recorded the pre-activation channel means bias correction will need, for every layer.
        Assert.Equal(result.Plan.Layers.Keys.ToHashSet(), result.Statistics.Channels.Keys.ToHashSet());
        foreach (var (node, channels) in result.Statistics.Channels)
            Assert.Equal((long)MobileNetFixture.CalibrationCount * Ir.Shapes.Size(node.Output.Shape) / node.Output.Shape[^1], channels.Count);
    }

    [Fact]
    public void HardSwishFusedIntoAConvBecomesALookupTableAfterIt()
    {
        var graph = SmallModels.ConvChain("HardSwish");
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch, Calibration = CalibrationMethod.MinMax };
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(SmallModels.RandomInputs(4, 30)), options).Model;
        Assert.Equal([OpKind.Conv2D, OpKind.Lut, OpKind.DepthwiseConv2D, OpKind.Lut, OpKind.Conv2D], model.Operators.Select(o => o.Kind));
        var lut = model.Operators[1];
        var x = model.Tensors[lut.Inputs[0]];
        var table = model.Tensors[lut.Inputs[1]];
        var y = model.Tensors[lut.Output];
        Assert.Equal(FormatType.Int8, table.ElementType);
        var input = new AffineQuantization(x.Quantization!.Scales[0], x.Quantization.ZeroPoints[0]);
        var outputQ = new AffineQuantization(y.Quantization!.Scales[0], y.Quantization.ZeroPoints[0]);
        Assert.Equal(LookupTables.Build(new Activation(ActivationKind.HardSwish), input, outputQ), table.Data.ToArray().Select(b => (sbyte)b));
        Assert.True(input.Min < -1, "the pre-activation tensor keeps its negative range");
    }

    [Fact]
    public void UnsupportedOpFailsNamingTheOp()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        string a = b.Node("Conv", ["x", b.Random("wa", [4, 3, 1, 1])]);
        string c = b.Node("Conv", ["x", b.Random("wc", [4, 3, 1, 1])]);
        b.Output(b.Node("Sub", [a, c]));
        var graph = SmallModels.Load(b);
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch };
        var error = Assert.Throws<NotSupportedException>(() => ModelPacker.Pack(graph, new TensorCalibrationData(SmallModels.RandomInputs(2, 40)), options));
        output.WriteLine(error.Message);
        Assert.Contains("op Sub", error.Message);
    }

    [Fact]
    public void DividingAndSubtractingAScalarAfterAnActivationBecomeOneTable()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        string conv = b.Node("Relu", [b.Node("Conv", ["x", b.Random("w", [4, 3, 1, 1])])]);
        string divided = b.Node("Div", [conv, b.Initializer("six", [], [6f])]);
        b.Output(b.Node("Sub", [divided, b.Initializer("half", [], [0.5f])]));
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch };
        var model = ModelPacker.Pack(SmallModels.Load(b), new TensorCalibrationData(SmallModels.RandomInputs(2, 60)), options).Model;
        Assert.Equal([OpKind.Conv2D, OpKind.Lut], model.Operators.Select(o => o.Kind));
        var (x, y) = (model.Tensors[model.Operators[1].Inputs[0]].Quantization!, model.Tensors[model.Operators[1].Output].Quantization!);
        var table = model.Tensors[model.Operators[1].Inputs[1]].Data.Span;
        for (int q = x.ZeroPoints[0]; q <= 127; q++)   // the Relu output's range
        {
            float expected = x.Scales[0] * (q - x.ZeroPoints[0]) / 6 - 0.5f;
            float actual = y.Scales[0] * ((sbyte)table[q + 128] - y.ZeroPoints[0]);
            // Two int8 roundings (after / 6, after - 0.5), each at most half a unit of its tensor.
            Assert.True(Math.Abs(actual - expected) <= y.Scales[0] + x.Scales[0] / 6, $"q {q}: {actual} vs {expected}");
        }
    }

    /// <summary>
    /// Conv -> Relu -> Mul(scalar) -> Add(scalar) with hard-swish -> Mul(scalar): the three ops after the conv compose
    /// into one Lut whose bytes are exactly those of the separate int8 ops (kept apart by asking for their outputs).
    /// </summary>
    [Fact]
    public void ScalarAddAndMulChainsComposeIntoOneTableWithTheSeparateOpsBytes()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        string conv = b.Node("Relu", [b.Node("Conv", ["x", b.Random("w", [4, 3, 3, 3]), b.Random("bias", [4])], ("pads", new[] { 1, 1, 1, 1 }))]);
        string scaled = b.Node("Mul", [conv, b.Initializer("scale", [1], [1.3f])]);
        string shifted = b.Node("HardSwish", [b.Node("Add", [scaled, b.Initializer("shift", [1], [-1.1f])])]);
        b.Output(b.Node("Mul", [b.Initializer("gain", [1], [0.7f]), shifted]));
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch };
        var packed = ModelPacker.Pack(SmallModels.Load(b), new TensorCalibrationData(SmallModels.RandomInputs(4, 61)), options);
        Assert.Equal([OpKind.Conv2D, OpKind.Lut], packed.Model.Operators.Select(o => o.Kind));

        var graph = packed.Plan.Graph;
        var stages = graph.Nodes.Skip(1).Select(n => n.Output).ToList();   // the Mul, the Add (+ hard-swish), the last Mul
        var separate = EqmLowering.LowerPrefix(packed.Plan, stages, packed.Model.Metadata, packed.Model.Input.Preprocessing);
        Assert.Contains(separate.Operators, o => o.Kind == OpKind.Lut);
        Assert.True(separate.Operators.Count > packed.Model.Operators.Count);
        using var composed = InferenceModel.Load(packed.Model);
        using var apart = InferenceModel.Load(separate);
        var input = new sbyte[composed.Input.Bytes];
        var composedOutput = new sbyte[composed.OutputBytes];
        var apartOutput = new sbyte[apart.OutputBytes];
        var random = new Random(5);
        for (int trial = 0; trial < 8; trial++)
        {
            random.NextBytes(MemoryMarshal.AsBytes(input.AsSpan()));
            composed.Run(input, composedOutput);
            apart.Run(input, apartOutput);
            Assert.Equal(apartOutput[^composedOutput.Length..], composedOutput);   // the last prefix output is the model's
        }
    }

    [Fact]
    public void ConcatAndMaxPoolShareOneQuantizationSoTheyOnlyMoveBytes()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        string small = b.Node("Conv", ["x", b.Random("ws", [2, 3, 1, 1], 0.1f)]);
        string large = b.Node("Conv", ["x", b.Random("wl", [2, 3, 1, 1], 2f)]);
        string joined = b.Node("Concat", [small, large], ("axis", 1));
        b.Output(b.Node("MaxPool", [joined], ("kernel_shape", new[] { 3, 3 }), ("strides", new[] { 2, 2 }), ("ceil_mode", 1)));
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch, Calibration = CalibrationMethod.MinMax };
        var model = ModelPacker.Pack(SmallModels.Load(b), new TensorCalibrationData(SmallModels.RandomInputs(2, 70)), options).Model;
        Assert.Equal([OpKind.Conv2D, OpKind.Conv2D, OpKind.Concat, OpKind.MaxPool2D], model.Operators.Select(o => o.Kind));
        var shared = model.Tensors[model.Operators[0].Output].Quantization;
        Assert.All(model.Operators, op => Assert.Equal(shared, model.Tensors[op.Output].Quantization));
        // ceil_mode: 8 -> 4 windows (floor would give 3), by extra end padding the window never reads.
        Assert.Equal([1, 4, 4, 4], model.Tensors[model.Operators[^1].Output].Shape.ToArray());
        Assert.Equal(new Padding2D(0, 0, 1, 1), ((MaxPool2DParams)model.Operators[^1].Params).Window.Pads);
    }

    [Fact]
    public void TransposedConvWeightsArePermutedToOhwi()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 4, 4);
        b.Output(b.Node("ConvTranspose", ["x", b.Random("w", [3, 5, 2, 2]), b.Random("bias", [5])], ("strides", new[] { 2, 2 })));
        var graph = SmallModels.Load(b);
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch };
        var samples = Enumerable.Range(0, 2).Select(i => TestData.RandomTensor([1, 4, 4, 3], 80 + i)).ToList();
        var result = ModelPacker.Pack(graph, new TensorCalibrationData(samples), options);
        var op = Assert.Single(result.Model.Operators);
        Assert.Equal(OpKind.TransposeConv2D, op.Kind);
        var weights = result.Model.Tensors[op.Inputs[1]];
        Assert.Equal([5, 2, 2, 3], weights.Shape.ToArray());
        var ir = result.Plan.Layers.Values.Single().Weights;   // I-KH-KW-O
        for (int o = 0; o < 5; o++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++)
                    for (int i = 0; i < 3; i++)
                        Assert.Equal(ir.Values[((i * 2 + y) * 2 + x) * 5 + o], (sbyte)weights.Data.Span[((o * 2 + y) * 2 + x) * 3 + i]);
        Assert.Equal(result.Plan.Layers.Values.Single().Weights.Scales, weights.Quantization!.Scales.ToArray());
        Assert.Equal(0, weights.Quantization.Axis);
    }

    [Fact]
    public void GemmOverMoreThanTwoAxesIsFlattenedAroundTheRuntimesTwoDimensionalGemm()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 1, 1);
        string conv = b.Node("Conv", ["x", b.Random("w", [8, 3, 1, 1])]);
        string rows = b.Node("Reshape", [conv, b.Initializer("shape", [1L, 1, 8])]);
        b.Output(b.Node("MatMul", [rows, b.Random("m", [8, 5])]));
        var graph = SmallModels.Load(b);
        var samples = Enumerable.Range(0, 2).Select(i => TestData.RandomTensor([1, 1, 1, 3], 90 + i)).ToList();
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(samples), new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch }).Model;
        output.WriteLine(string.Join(" ", model.Operators.Select(o => $"{o.Kind}{model.Tensors[o.Output].Shape}")));
        Assert.Equal([OpKind.Conv2D, OpKind.Reshape, OpKind.Reshape, OpKind.FullyConnected, OpKind.Reshape], model.Operators.Select(o => o.Kind));
        Assert.Equal([1, 1, 5], model.Tensors[model.Outputs[0].Tensor].Shape.ToArray());
    }

    [Fact]
    public void OptionsRejectBadValues()
    {
        var graph = SmallModels.ConvChain("Relu");
        var data = new TensorCalibrationData(SmallModels.RandomInputs(2, 50));
        PackOptions Options() => new() { Preprocessing = PreprocessingPresets.ImageNetTorch };
        Assert.Throws<ArgumentException>(() => ModelPacker.Pack(graph, data, Options() with { WeightBits = 5 }));
        Assert.Throws<ArgumentException>(() => ModelPacker.Pack(graph, data, Options() with { Percentile = 40 }));
        Assert.Contains("--std", Assert.Throws<ArgumentException>(() => ModelPacker.Pack(graph, data,
            Options() with { Preprocessing = PreprocessingPresets.ImageNetTorch with { Std = [1f, 0f, 1f] } })).Message);
        Assert.Contains("fine-tuning steps", Assert.Throws<ArgumentException>(() => ModelPacker.Pack(graph, data,
            Options() with { BiasCorrection = BiasCorrectionMethod.FineTune, FineTuneSteps = 0 })).Message);
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => ModelPacker.Pack(graph, data,
            Options() with { Labels = ["a", "b"] })).Message);
    }

    [Fact]
    public void CalibrationImagesArePreprocessedAsTheInputSpecSays()
    {
        // The symmetric-unit preset is the model README's pixel / 127.5 - 1 with a 256 -> 224 centre crop.
        string path = ImageCalibrationData.FindImages(TestData.ImageNetSamples, 1)[0];
        var expected = new ImagePreprocessor().Load(path, Layout.Nhwc);
        var actual = new ImageCalibrationData([path], PreprocessingPresets.SymmetricUnit, MobileNetFixture.InputShape).Load(0);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(Difference.Of(actual.Floats, expected.Floats).MaxAbs < 1e-6);
        // BGR swaps the first and last channel before normalising.
        var bgr = new ImageCalibrationData([path], PreprocessingPresets.SymmetricUnit with { ColorOrder = ColorOrder.Bgr }, MobileNetFixture.InputShape).Load(0);
        Assert.Equal(expected.Floats[2], bgr.Floats[0], 1e-6);
        Assert.Equal(expected.Floats[0], bgr.Floats[2], 1e-6);
    }

    [Fact]
    public void FindImagesSpreadsALimitOverTheSortedFolder()
    {
        var all = ImageCalibrationData.FindImages(TestData.ImageNetSamples);
        Assert.Equal(1000, all.Count);
        var four = ImageCalibrationData.FindImages(TestData.ImageNetSamples, 4);
        Assert.Equal([all[0], all[250], all[500], all[750]], four);
        string list = Path.Combine(Path.GetTempPath(), $"edgeq-list-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(list, [all[3], "", all[7]]);
        try { Assert.Equal([all[3], all[7]], ImageCalibrationData.FindImages(list)); }
        finally { File.Delete(list); }
        Assert.Throws<FileNotFoundException>(() => ImageCalibrationData.FindImages("/nonexistent/images"));
    }
}
