using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Tests.Quantization;
using EdgeQ.Host.Transforms;
using EdgeQ.Runtime;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Training;

/// <summary>
/// Bias fine-tuning on the bundled Fashion-MNIST MobileNetV2, measured on the int8 runtime as edgeq pack does:
/// calibrate on images 0..999, evaluate on 500 of images 1000..1999.
/// </summary>
public sealed class FineTuningFixtureTests(ITestOutputHelper output)
{
    private static readonly string Model = Path.Combine(TestData.RepoRoot, "models", "fmnist_mobilenetv2.onnx");
    private static readonly string Images = Path.Combine(TestData.RepoRoot, "data", "fmnist-test-2000-images-idx3-ubyte");
    /// <summary>The CLI's fmnist preset: grey replicated to 3 channels, mean 72.94, std 90.02.</summary>
    private static readonly ImagePreprocessing FashionMnist = new(ColorOrder.Rgb, ResizeMode.Stretch, 1f,
        [72.94f, 72.94f, 72.94f], [90.02f, 90.02f, 90.02f]);

    private AccuracyReport PackAndEvaluate(string label, PackOptions options)
    {
        var graph = GraphOptimizer.Load(Model);
        var calibration = ImageSource.Open(Images, FashionMnist, graph.Inputs[0].Shape, options.CalibrationImages, ..1000).Data;
        var result = ModelPacker.Pack(graph, calibration, options);
        using var model = InferenceModel.Load(result.Model);
        var evaluation = ImageSource.Open(Images, FashionMnist, graph.Inputs[0].Shape, 500, 1000..).Data;
        var report = AccuracyEvaluator.Evaluate(GraphOptimizer.Load(Model), model, evaluation);
        output.WriteLine($"{label}: agreement {report.Top1Agreement:P1}, SQNR {report.SqnrDb:F1} dB" + (result.FineTuning is { } t
            ? $"; fine-tuning loss {t.FirstLoss:G3} -> {t.LastLoss:G3}, held-out int8 SQNR {t.HeldOutSqnrBefore:F1} -> {t.HeldOutSqnrAfter:F1} dB, accepted {t.Accepted}"
            : ""));
        return report;
    }

    /// <summary>Fewer steps and images than the pack defaults keep the test short; the gains below hold with them.</summary>
    private static PackOptions Options(int bits) => new()
    {
        Preprocessing = FashionMnist, WeightBits = bits, CalibrationImages = 128, CorrectionImages = 64, FineTuneSteps = 80,
    };

    [Fact]
    public void FineTuningThroughALookupTableLowersTheLossAndIsReproducible()
    {
        // Hard-swish layers are lowered to a table: the simulation rounds onto the pre-activation grid, applies the
        // activation, and rounds again onto the output grid.
        var inputs = new TensorCalibrationData(SmallModels.RandomInputs(40, 300));
        var options = new PackOptions
        {
            Preprocessing = PreprocessingPresets.ImageNetTorch, WeightBits = 4, BiasCorrection = BiasCorrectionMethod.FineTune, FineTuneSteps = 40,
        };
        var first = ModelPacker.Pack(SmallModels.ConvChain("HardSwish"), inputs, options);
        var second = ModelPacker.Pack(SmallModels.ConvChain("HardSwish"), inputs, options);
        var tuning = first.FineTuning!;
        output.WriteLine(tuning.ToString());
        Assert.True(tuning.LastLoss < tuning.FirstLoss, $"loss {tuning.FirstLoss:G3} -> {tuning.LastLoss:G3}");
        Assert.Equal(first.Plan.Layers.Values.Select(l => l.Bias), second.Plan.Layers.Values.Select(l => l.Bias));
    }

    [Fact]
    public void FineTuningTrainsThroughTheHardSwishSqueezeExciteAndSoftmaxOfARealModel()
    {
        // PaddleOCR's text direction classifier: hard-swish decomposed into Add/Clip, Mul and a division by 6,
        // squeeze-excite gates, and a softmax output (the loss is on the probabilities the runtime outputs).
        string path = TestData.FetchedModel(Path.Combine("ocr-models", "assets", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));
        var graph = GraphOptimizer.Load(path, new ImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [1, 3, 48, 192] } });
        var samples = Enumerable.Range(0, 20).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToList();
        var result = ModelPacker.Pack(graph, new TensorCalibrationData(samples), new PackOptions
        {
            Preprocessing = PreprocessingPresets.PaddleOcr, WeightBits = 4, BiasCorrection = BiasCorrectionMethod.FineTune, FineTuneSteps = 30,
        });
        var tuning = result.FineTuning!;
        output.WriteLine(tuning.ToString());
        Assert.True(tuning.LastLoss < tuning.FirstLoss, $"loss {tuning.FirstLoss:G3} -> {tuning.LastLoss:G3}");
        // 16 random images overfit: whichever way the held-out check went, the decision follows the measured SQNR.
        Assert.Equal(tuning.HeldOutSqnrAfter >= tuning.HeldOutSqnrBefore, tuning.Accepted);
        Assert.Equal(tuning.Accepted, tuning.ChangedLayers.Count > 0);
    }

    [Fact]
    public void AnOpWithoutAGradientFailsNamingItBeforeAnyCorrection()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 4, 4);
        b.Output(b.Node("ConvTranspose", ["x", b.Random("w", [3, 5, 2, 2]), b.Random("bias", [5])], ("strides", new[] { 2, 2 })));
        var samples = Enumerable.Range(0, 2).Select(i => TestData.RandomTensor([1, 4, 4, 3], 80 + i)).ToList();
        var progress = new List<string>();
        var error = Assert.Throws<NotSupportedException>(() => ModelPacker.Pack(SmallModels.Load(b), new TensorCalibrationData(samples),
            new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch, BiasCorrection = BiasCorrectionMethod.FineTune },
            new Progress(p => progress.Add(p.Stage))));
        Assert.Contains("ConvTranspose", error.Message);
        Assert.DoesNotContain("correct", progress);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Progress(Action<PackProgress> report) : IProgress<PackProgress>
    {
        public void Report(PackProgress value) => report(value);
    }

    [Fact]
    public void FineTuningIsAtLeastAsGoodAsNaiveAtEightBits()
    {
        var naive = PackAndEvaluate("W8 naive", Options(8) with { BiasCorrection = BiasCorrectionMethod.None });
        var tuned = PackAndEvaluate("W8 finetune", Options(8) with { BiasCorrection = BiasCorrectionMethod.FineTune });
        Assert.True(tuned.SqnrDb >= naive.SqnrDb + 0.5, $"finetune {tuned.SqnrDb:F1} dB vs naive {naive.SqnrDb:F1} dB");
        Assert.True(tuned.Top1Agreement >= naive.Top1Agreement - 0.004, $"finetune {tuned.Top1Agreement:P1} vs naive {naive.Top1Agreement:P1}");
    }

    [Fact]
    public void FineTuningRecoversFourBitWeights()
    {
        var naive = PackAndEvaluate("W4 naive", Options(4) with { BiasCorrection = BiasCorrectionMethod.None });
        var tuned = PackAndEvaluate("W4 finetune", Options(4) with { BiasCorrection = BiasCorrectionMethod.FineTune });
        Assert.True(tuned.SqnrDb >= naive.SqnrDb + 6, $"finetune {tuned.SqnrDb:F1} dB vs naive {naive.SqnrDb:F1} dB");
        Assert.True(tuned.Top1Agreement >= naive.Top1Agreement + 0.05, $"finetune {tuned.Top1Agreement:P1} vs naive {naive.Top1Agreement:P1}");
    }
}
