using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Export;
using EdgeQ.Host.Ir;
using EdgeQ.Host.ModelZoo;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Onnx.Proto;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Tests.Quantization;
using EdgeQ.Host.Transforms;
using EdgeQ.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Export;

/// <summary>ONNX Runtime's int8 kernels on the QDQ export against EdgeQ's runtime on the .eqm, same inputs.</summary>
public sealed class QdqExportTests(ITestOutputHelper output)
{
    /// <summary>EDGEQ_EXPORT_IMAGES=1000 measures the whole sample folder (docs); 200 keeps the test short.</summary>
    private static int EvaluationImages =>
        int.TryParse(Environment.GetEnvironmentVariable("EDGEQ_EXPORT_IMAGES"), out int n) ? n : 200;

    [Fact]
    public void MobileNetV1ExportAgreesWithTheInt8RuntimeAndOrtFusesItIntoQLinearConv()
    {
        var graph = GraphOptimizer.Load(TestData.MobileNetV1);
        var calibration = new ImageCalibrationData(ImageCalibrationData.FindImages(TestData.ImageNetSamples, 32),
            PreprocessingPresets.SymmetricUnit, graph.Inputs[0].Shape);
        var model = ModelPacker.Pack(graph, calibration, new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit }).Model;
                // Two int8 engines compared, not accuracy measured: overlap with the calibration photos biases nothing.
        var evaluation = new ImageCalibrationData(ImageCalibrationData.FindImages(TestData.ImageNetSamples, EvaluationImages),
            PreprocessingPresets.SymmetricUnit, graph.Inputs[0].Shape);

        string path = ExportToTemporaryFile(model, out string optimized);
        using var ort = new QdqSession(path, optimized);
        var comparison = Compare(model, ort, Enumerable.Range(0, evaluation.Count).Select(evaluation.Load));
        output.WriteLine($"{evaluation.Count} ImageNet photos: {comparison}");
        var fused = OpCounts(optimized);

        Assert.True(comparison.Top1Agreement >= 0.99, comparison.ToString());
        // ORT's int8 kernels round a few values one unit apart from EdgeQ's; at the logits that measured at most 2 units.
        Assert.True(comparison.MaxDifference <= 2, comparison.ToString());
        AssertOrtRunsEveryConvInInt8(model, fused);
        File.Delete(path);
        File.Delete(optimized);
    }

    /// <summary>Per-tensor and per-channel weights, ReLU6 clamps and a hard-swish lookup table on a small conv chain.</summary>
    [Theory]
    [InlineData("Relu6", WeightGranularity.PerTensor)]
    [InlineData("HardSwish", WeightGranularity.PerTensor)]
    [InlineData("Relu6", WeightGranularity.PerChannel)]
    public void ConvChainRoundTripsThroughOnnxRuntime(string activation, WeightGranularity weights)
    {
        var graph = SmallModels.ConvChain(activation);
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(SmallModels.RandomInputs(8, seed: 1)), new PackOptions
        {
            Preprocessing = PreprocessingPresets.SymmetricUnit, Weights = weights,
        }).Model;
        Assert.All(model.Tensors.Where(t => t.ElementType == Format.ElementType.Int8 && t.IsConstant && t.Shape.Count == 4),
            t => Assert.Equal(weights == WeightGranularity.PerChannel, t.Quantization!.IsPerChannel));
        if (activation == "HardSwish") Assert.Contains(model.Operators, o => o.Kind == OpKind.Lut);

        string path = ExportToTemporaryFile(model, out string optimized);
        using var ort = new QdqSession(path, optimized);
        var comparison = Compare(model, ort, SmallModels.RandomInputs(16, seed: 100));
        output.WriteLine(comparison.ToString());
        // ORT's int8 kernels round a few values one unit apart from EdgeQ's; at the logits that measured at most 2 units.
        Assert.True(comparison.MaxDifference <= 2, comparison.ToString());
        Assert.True(comparison.ExactShare >= 0.9, comparison.ToString());
        File.Delete(path);
        File.Delete(optimized);
    }

    /// <summary>
    /// MobileNetV3-Large (ModelZoo, seeded weights): hard-swish tables, squeeze-excite Mul/Add with broadcasting, a
    /// fully connected head, and node output names (Gemm_0_out) that the exporter's own generated names must avoid.
    /// </summary>
    [Fact]
    public void MobileNetV3ArchitectureExportRunsInOnnxRuntimeAndAgrees()
    {
        var graph = GraphOptimizer.Run(OnnxImporter.Load(new MemoryStream(ArchitectureModels.MobileNetV3Large(seed: 1))));
        var inputs = Enumerable.Range(0, 3).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToArray();
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(inputs[..2]), new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch }).Model;
        Assert.Contains(model.Operators, o => o.Kind == OpKind.Lut);
        Assert.Contains(model.Operators, o => o.Kind == OpKind.Mul);

        string path = ExportToTemporaryFile(model, out string optimized);
        using var ort = new QdqSession(path, optimized);
        var comparison = Compare(model, ort, inputs);
        output.WriteLine(comparison.ToString());
        var fused = OpCounts(optimized);
        // Random weights over 60-odd layers: one-unit rounding differences spread (measured: max 3 units, 62 % identical).
        Assert.Equal(1.0, comparison.Top1Agreement);
        Assert.True(comparison.MaxDifference <= 6, comparison.ToString());
        // With int8 activations ORT left 43 of the 62 convolutions in float.
        AssertOrtRunsEveryConvInInt8(model, fused);
        File.Delete(path);
        File.Delete(optimized);
    }

    /// <summary>
    /// ResNet18's pattern, small: a stem conv whose output both a basic block's first conv and its residual Add read,
    /// then a downsampling block with a strided 1x1 conv on the shortcut. With int8 activations ORT on x86 ran every conv
    /// reading such a shared tensor as a float Conv (12 of ResNet18's 22).
    /// </summary>
    [Fact]
    public void ResidualBlocksExportAgreesAndOrtRunsEveryConvAndAddInInt8()
    {
        var graph = SmallModels.Load(ResidualBlocks());
        var inputs = Enumerable.Range(0, 10).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToArray();
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(inputs[..4]), new PackOptions
        {
            Preprocessing = PreprocessingPresets.SymmetricUnit, Weights = WeightGranularity.PerChannel,
        }).Model;
        Assert.Equal(2, model.Operators.Count(o => o.Kind == OpKind.Add));

        string path = ExportToTemporaryFile(model, out string optimized);
        using var ort = new QdqSession(path, optimized);
        var comparison = Compare(model, ort, inputs[4..]);
        output.WriteLine(comparison.ToString());
        var fused = OpCounts(optimized);
        // Measured bit for bit (0 units); the bound is the conv chains' one.
        Assert.True(comparison.MaxDifference <= 2, comparison.ToString());
        Assert.True(comparison.ExactShare >= 0.9, comparison.ToString());
        AssertOrtRunsEveryConvInInt8(model, fused);
        Assert.Equal(2, fused.GetValueOrDefault("QLinearAdd"));
        Assert.False(fused.ContainsKey("Add"));
        File.Delete(path);
        File.Delete(optimized);
    }

    /// <summary>
    /// stem conv 3x3 (3 -> 8) + ReLU -> s; block 1: conv 3x3 + ReLU, conv 3x3, + s, ReLU -> r; block 2: conv 3x3 stride 2
    /// (8 -> 16) + ReLU, conv 3x3, + conv 1x1 stride 2 of r, ReLU.
    /// </summary>
    private static OnnxModelBuilder ResidualBlocks()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 16, 16);
        string Conv(string x, string name, int inChannels, int outChannels, int kernel, int stride) =>
            b.Node("Conv", [x, b.Random($"{name}_w", [outChannels, inChannels, kernel, kernel], 0.4f), b.Random($"{name}_b", [outChannels], 0.1f)],
                ("pads", Enumerable.Repeat(kernel / 2, 4).ToArray()), ("strides", new[] { stride, stride }));
        string stem = b.Node("Relu", [Conv("x", "stem", 3, 8, 3, 1)]);
        string block1 = Conv(b.Node("Relu", [Conv(stem, "b1c1", 8, 8, 3, 1)]), "b1c2", 8, 8, 3, 1);
        string residual = b.Node("Relu", [b.Node("Add", [block1, stem])]);
        string block2 = Conv(b.Node("Relu", [Conv(residual, "b2c1", 8, 16, 3, 2)]), "b2c2", 16, 16, 3, 1);
        return b.Output(b.Node("Relu", [b.Node("Add", [block2, Conv(residual, "b2down", 8, 16, 1, 2)])]));
    }

    [Fact]
    public void WriteFileLeavesTheModelAndNoTemporaryFile()
    {
        var graph = SmallModels.ConvChain("Relu");
        var model = ModelPacker.Pack(graph, new TensorCalibrationData(SmallModels.RandomInputs(2, seed: 1)),
            new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit }).Model;
        var directory = Directory.CreateTempSubdirectory("edgeq-export-");
        string target = Path.Combine(directory.FullName, "model.onnx");
        QdqExporter.WriteFile(model, target);
        Assert.Equal(QdqExporter.Export(model), File.ReadAllBytes(target));
        Assert.Single(directory.GetFiles());   // no temporary left beside it
        directory.Delete(recursive: true);
    }

    private static string ExportToTemporaryFile(EqmModel model, out string optimized)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeq-qdq-{Guid.NewGuid():N}.onnx");
        QdqExporter.WriteFile(model, path);
        optimized = Path.ChangeExtension(path, ".optimized.onnx");
        return path;
    }

    /// <summary>Every convolution of the .eqm (conv, depthwise, 1x1) runs as ORT's int8 QLinearConv, no float Conv left.</summary>
    private static void AssertOrtRunsEveryConvInInt8(EqmModel model, Dictionary<string, int> ortOpCounts)
    {
        Assert.Equal(model.Operators.Count(o => o.Kind is OpKind.Conv2D or OpKind.DepthwiseConv2D), ortOpCounts.GetValueOrDefault("QLinearConv"));
        Assert.False(ortOpCounts.ContainsKey("Conv"));
    }

    /// <summary>Op types of ONNX Runtime's optimized graph, with counts (printed: docs/benchmarks.md quotes them).</summary>
    private Dictionary<string, int> OpCounts(string onnxPath)
    {
        var counts = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("ONNX Runtime's optimized graph: " + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")));
        return counts;
    }

    /// <summary>
    /// Runs both engines on NHWC float inputs: EdgeQ on the input quantized as the device does, ONNX Runtime on those
    /// int8 values dequantized (NCHW), so both start from the same int8 input. Why not the raw floats: with mean = std =
    /// 127.5 and input scale ~2/255 every pixel lands on a rounding tie, which float32 (ORT) and double (EdgeQ) break
    /// differently. Returns the differences of the first output in its quantized units.
    /// </summary>
    private static Agreement Compare(EqmModel model, QdqSession ort, IEnumerable<TensorData> inputs)
    {
        using var edgeq = InferenceModel.Load(model, new InferenceOptions(Threads: 1));
        var inputQuantization = new AffineQuantization(edgeq.Input.Scale, edgeq.Input.ZeroPoint);
        var outputSpec = edgeq.Outputs[0].Tensor;
        var quantized = new sbyte[edgeq.Input.Bytes];
        var edgeqOutput = new sbyte[edgeq.OutputBytes];
        int samples = 0, sameTop1 = 0, maxDifference = 0;
        long values = 0, exact = 0;
        foreach (var input in inputs)
        {
            var onGrid = new float[quantized.Length];
            for (int i = 0; i < quantized.Length; i++)
            {
                quantized[i] = (sbyte)inputQuantization.Quantize(input.Floats[i]);
                onGrid[i] = inputQuantization.Dequantize(quantized[i]);
            }
            edgeq.Run(quantized, edgeqOutput);
            var expected = edgeqOutput.AsSpan(0, outputSpec.Bytes);
            var actual = ort.Run(TensorData.FromFloats(input.Shape, onGrid).Transpose(Nhwc.ToNchw)).Floats.Select(v => (int)MathF.Round(v / outputSpec.Scale) + outputSpec.ZeroPoint).ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                int difference = Math.Abs(actual[i] - expected[i]);
                maxDifference = Math.Max(maxDifference, difference);
                exact += difference == 0 ? 1 : 0;
            }
            values += expected.Length;
            samples++;
            sameTop1 += ArgMax(actual) == ArgMax(expected.ToArray().Select(v => (int)v).ToArray()) ? 1 : 0;
        }
        return new Agreement(samples, sameTop1 / (double)samples, maxDifference, exact / (double)values);
    }

    private static int ArgMax(int[] values) => Array.IndexOf(values, values.Max());

    private sealed record Agreement(int Samples, double Top1Agreement, int MaxDifference, double ExactShare)
    {
        public override string ToString() =>
            $"top-1 agreement {Top1Agreement:P1} over {Samples} inputs, max difference {MaxDifference} quantized units, {ExactShare:P2} of output values identical";
    }

    /// <summary>ONNX Runtime with all graph optimizations (the QDQ fusions), one thread, saving the optimized graph.</summary>
    private sealed class QdqSession : IDisposable
    {
        private readonly InferenceSession session;

        public QdqSession(string modelPath, string optimizedPath)
        {
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, OptimizedModelFilePath = optimizedPath,
            };
            session = new InferenceSession(modelPath, options);
        }

        /// <summary>The first output, rank-4 ones back in NHWC to compare with EdgeQ's.</summary>
        public TensorData Run(TensorData nchw)
        {
            var feed = NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new DenseTensor<float>(nchw.Floats, nchw.Shape));
            using var results = session.Run([feed]);
            var tensor = results[0].AsTensor<float>();
            var output = TensorData.FromFloats(tensor.Dimensions.ToArray(), tensor.ToArray());
            return output.Rank == 4 ? output.Transpose(Nhwc.FromNchw) : output;
        }

        public void Dispose() => session.Dispose();
    }
}
