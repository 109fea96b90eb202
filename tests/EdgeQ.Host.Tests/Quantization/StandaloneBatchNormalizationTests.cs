using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using EdgeQ.Runtime;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>
/// A BatchNormalization with no conv to fold into becomes a 1x1 depthwise conv (FoldBatchNormalization), and a bias
/// written as a separate Add folds into its layer (FoldScaleAndBias), so PaddleOCR det (ConvTranspose -> Add -> BN) packs
/// and runs on the int8 runtime.
/// </summary>
public sealed class StandaloneBatchNormalizationTests(ITestOutputHelper output)
{
    private static readonly string DetModel = Path.Combine("ocr-models", "assets", "ch_PP-OCRv4_det_infer.onnx");

    private static PackOptions Options(ImagePreprocessing preprocessing) => new() { Preprocessing = preprocessing };

    /// <summary>Conv -> Relu -> Concat -> BN -> Relu: the BN reads a Concat, so no conv takes it.</summary>
    private static Graph BatchNormAfterConcat()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 12, 12);
        string left = b.Node("Relu", [b.Node("Conv", ["x", b.Random("w1", [4, 3, 3, 3]), b.Random("b1", [4])], ("pads", new[] { 1, 1, 1, 1 }))]);
        string right = b.Node("Relu", [b.Node("Conv", ["x", b.Random("w2", [4, 3, 1, 1]), b.Random("b2", [4])])]);
        string concat = b.Node("Concat", [left, right], ("axis", 1));
        string bn = b.Node("BatchNormalization", [concat, b.Random("scale", [8], 0.5f, 1f), b.Random("shift", [8]),
            b.Random("mean", [8], 0.2f, 0.3f), b.Random("var", [8], 0.2f, 0.5f)], ("epsilon", 1e-5f));
        b.Output(b.Node("Relu", [bn]));
        return GraphOptimizer.Run(OnnxImporter.Load(new MemoryStream(b.Build())));
    }

    [Fact]
    public void A_batch_normalization_after_a_concat_becomes_a_depthwise_conv_whose_int8_output_matches_float()
    {
        var graph = BatchNormAfterConcat();
        Assert.DoesNotContain(graph.Nodes, n => n is BatchNormalizationNode);
        var affine = Assert.Single(graph.Nodes.OfType<ConvNode>(), c => c.Name.StartsWith("batchnormalization", StringComparison.Ordinal));
        Assert.True(affine.IsDepthwise);
        Assert.Equal(ActivationKind.Relu, affine.Activation.Kind);   // the Relu after the BN fused into it

        var images = new TensorCalibrationData(Enumerable.Range(0, 32).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToList());
        var preprocessing = PreprocessingPresets.ImageNetTorch;
        var model = ModelPacker.Pack(graph, images, Options(preprocessing)).Model;
        Assert.Contains(model.Operators, o => o.Kind == OpKind.DepthwiseConv2D);
        using var int8 = InferenceModel.Load(model);
        var held = new TensorCalibrationData(Enumerable.Range(100, 16).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToList());
        var accuracy = AccuracyEvaluator.Evaluate(BatchNormAfterConcat(), int8, held);
        output.WriteLine($"int8 vs float: {accuracy.SqnrDb:F1} dB SQNR, cosine {accuracy.Cosine:F4}");
        // Three int8 layers deep: tens of dB; a wrong affine (scale and shift swapped, channels permuted) is near 0 dB.
        Assert.True(accuracy.SqnrDb > 25, $"SQNR {accuracy.SqnrDb:F1} dB");
    }

    [Fact]
    public void A_bias_written_as_an_add_after_a_conv_transpose_folds_so_the_batch_norm_and_sigmoid_join_the_layer()
    {
        // ConvTranspose -> Add(bias [1,C,1,1]) -> BN -> Sigmoid, as Paddle2ONNX writes the PaddleOCR det head.
        var b = new OnnxModelBuilder().Input("x", 1, 4, 6, 6);
        string deconv = b.Node("ConvTranspose", ["x", b.Random("w", [4, 3, 2, 2])], ("strides", new[] { 2, 2 }));
        string biased = b.Node("Add", [deconv, b.Random("bias", [1, 3, 1, 1])]);
        string bn = b.Node("BatchNormalization", [biased, b.Random("scale", [3], 0.5f, 1f), b.Random("shift", [3]),
            b.Random("mean", [3], 0.2f), b.Random("var", [3], 0.2f, 0.5f)], ("epsilon", 1e-5f));
        b.Output(b.Node("Sigmoid", [bn]));
        string path = b.Save();
        try
        {
            var graph = GraphOptimizer.Load(path);
            var layer = Assert.IsType<ConvTransposeNode>(Assert.Single(graph.Nodes));
            Assert.Equal(ActivationKind.Sigmoid, layer.Activation.Kind);
            var inputs = new Dictionary<string, TensorData> { ["x"] = TestData.RandomTensor([1, 4, 6, 6], 3) };
            using var ort = new OrtOracle(path);
            var expected = ort.Run(inputs).Values.Single().Floats;
            var actual = OnnxLayout.Run(new FloatExecutor(graph), inputs).Values.Single().Floats;
            Assert.True(Difference.Of(actual, expected).MaxAbs < 1e-5, $"{Difference.Of(actual, expected)}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The real det model at the benchmark's 640x640, calibrated on 8 ImageNet photos, evaluated on a synthetic page of
    /// text (photos barely excite a text detector). Measured: 5.97 dB SQNR, cosine 0.866 (docs/accuracy.md).
    /// </summary>
    [Fact]
    public void PaddleOcr_detection_packs_and_its_int8_probability_map_follows_float_on_a_page_of_text()
    {
        string path = TestData.FetchedModel(DetModel);
        const int size = 640;
        Graph Load() => GraphOptimizer.Load(path, new ImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [1, 3, size, size] } });
        var photos = Directory.GetFiles(TestData.ImageNetSamples, "*.jpg").Order(StringComparer.Ordinal).Where((_, i) => i % 2 == 0).Take(8).ToList();
        var preprocessing = PreprocessingPresets.PaddleOcr;
        var graph = Load();
        var calibration = new ImageCalibrationData(photos, preprocessing, graph.Inputs[0].Shape);
        var model = ModelPacker.Pack(graph, calibration, Options(preprocessing) with { BiasCorrection = BiasCorrectionMethod.None }).Model;
        Assert.Contains(model.Operators, o => o.Kind == OpKind.TransposeConv2D);
        Assert.Contains(model.Operators, o => o.Kind == OpKind.Resize);
        using var int8 = InferenceModel.Load(model);
        var page = RealModelTests.TextPage(size, size).Transpose(Nhwc.FromNchw);
        var accuracy = AccuracyEvaluator.Evaluate(Load(), int8, new TensorCalibrationData([page]));
        output.WriteLine($"PP-OCRv4 det {size}x{size}, 8 calibration photos, text page: SQNR {accuracy.SqnrDb:F2} dB, cosine {accuracy.Cosine:F4}");
        // An output quantized for photos alone (no text response) or a broken head gives about 0 dB and no text.
        Assert.True(accuracy.SqnrDb > 3, $"SQNR {accuracy.SqnrDb:F1} dB");
        Assert.True(accuracy.Cosine > 0.75, $"cosine {accuracy.Cosine:F3}");
    }
}
