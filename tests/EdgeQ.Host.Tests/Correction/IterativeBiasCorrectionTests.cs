using System.Diagnostics;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Correction;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Tests.Quantization;
using EdgeQ.Runtime;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Correction;

public sealed class IterativeBiasCorrectionTests(MobileNetFixture mobileNet, ITestOutputHelper output) : IClassFixture<MobileNetFixture>
{
    /// <summary>Per channel of the output, the int8 runtime's mean minus the float mean over the correction images,
    /// in output quantization steps.</summary>
    private double[] OutputShiftInSteps(BiasCorrectionMethod correction)
    {
        // The last layer (1x1 conv, no activation) is the output, so the runtime's int8 output shows its mean up to the
        // requantization rounding (at most half a step); min/max calibration keeps the images unclipped.
        var graph = SmallModels.ConvChain("Relu6");
        var inputs = SmallModels.RandomInputs(40, 300);
        var options = new PackOptions
        {
            Preprocessing = PreprocessingPresets.ImageNetTorch, Calibration = CalibrationMethod.MinMax, WeightBits = 4, BiasCorrection = correction,
        };
        var floatOutputs = SmallModels.Run(graph, inputs);
        var result = ModelPacker.Pack(graph, new TensorCalibrationData(inputs), options);
        foreach (var c in result.Corrections) output.WriteLine(c.ToString());
        using var model = InferenceModel.Load(result.Model);
        var fit = Enumerable.Range(0, inputs.Length).Where(i => i % IterativeBiasCorrection.HoldOutEvery != IterativeBiasCorrection.HoldOutEvery - 1).ToList();
        var inputQuantization = result.Plan.Activations[graph.Inputs[0]];
        int channels = graph.Outputs[0].Shape[^1];
        var sums = new double[channels];
        var raw = new sbyte[model.OutputBytes];
        var values = new float[raw.Length];
        foreach (int i in fit)
        {
            model.Run(inputs[i].Floats.Select(x => (sbyte)inputQuantization.Quantize(x)).ToArray(), raw);
            model.Outputs[0].ToFloat(raw, values);
            for (int j = 0; j < values.Length; j++) sums[j % channels] += values[j] - floatOutputs[i][j];
        }
        var steps = sums.Select(s => s / (fit.Count * (values.Length / channels)) / model.Outputs[0].Tensor.Scale).ToArray();
        output.WriteLine($"{correction}: int8 - float output mean per channel, in steps: {string.Join(" ", steps.Select(s => s.ToString("F2")))}");
        return steps;
    }

    [Fact]
    public void CorrectedOutputMeanIsWithinHalfAStepOfFloatOnTheInt8Runtime()
    {
        Assert.Contains(OutputShiftInSteps(BiasCorrectionMethod.None), s => Math.Abs(s) > 1);
        Assert.All(OutputShiftInSteps(BiasCorrectionMethod.Iterative), s => Assert.True(Math.Abs(s) <= 0.5, $"{s} steps"));
    }

    private AccuracyReport PackAndEvaluate(string label, PackOptions options)
    {
        var graph = MobileNetFixture.LoadGraph();
        var clock = Stopwatch.StartNew();
        var result = ModelPacker.Pack(graph, mobileNet.Calibration, options);
        var packTime = clock.Elapsed;
        using var model = InferenceModel.Load(result.Model);
        var report = AccuracyEvaluator.Evaluate(MobileNetFixture.LoadGraph(), model, new TensorCalibrationData(mobileNet.Inputs));
        output.WriteLine($"{label}: top-1 agreement {report.Top1Agreement:P1}, SQNR {report.SqnrDb:F1} dB, pack {packTime.TotalSeconds:F1} s, " +
            $"{result.CorrectedLayers.Count} layers corrected, rejected: [{string.Join(", ", result.Corrections.Where(c => !c.Accepted).Select(c => c.Layer))}]");
        return report;
    }

    [Fact]
    public void IterativeCorrectionBeatsNaiveOnMobileNetV1()
    {
        var options = new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit };
        var naive = PackAndEvaluate("per-channel W8A8 naive", options with { BiasCorrection = BiasCorrectionMethod.None });
        var iterative = PackAndEvaluate("per-channel W8A8 iterative", options);
        Assert.True(iterative.Top1Agreement >= naive.Top1Agreement + 0.08, $"iterative {iterative.Top1Agreement:P1} vs naive {naive.Top1Agreement:P1}");
        Assert.True(iterative.SqnrDb >= naive.SqnrDb + 4, $"iterative {iterative.SqnrDb:F1} dB vs naive {naive.SqnrDb:F1} dB");
    }

    [Fact]
    public void IterativeCorrectionRecoversSixBitWeights()
    {
        var options = new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit, WeightBits = 6 };
        var naive = PackAndEvaluate("per-channel W6A8 naive", options with { BiasCorrection = BiasCorrectionMethod.None });
        var iterative = PackAndEvaluate("per-channel W6A8 iterative", options);
        Assert.True(iterative.Top1Agreement >= naive.Top1Agreement + 0.25, $"iterative {iterative.Top1Agreement:P1} vs naive {naive.Top1Agreement:P1}");
    }
}
