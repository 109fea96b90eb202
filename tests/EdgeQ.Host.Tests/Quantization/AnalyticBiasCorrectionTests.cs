using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class AnalyticBiasCorrectionTests(MobileNetFixture mobileNet, ITestOutputHelper output) : IClassFixture<MobileNetFixture>
{
    [Theory]
    [InlineData(0.5, 2.0, double.NegativeInfinity, double.PositiveInfinity)]   // no activation
    [InlineData(0.5, 2.0, 0, double.PositiveInfinity)]                         // ReLU
    [InlineData(3.0, 4.0, 0, 6)]                                               // ReLU6, both ends clip often
    [InlineData(-2.0, 0.5, 0, 6)]                                              // mostly dead
    public void ClippedNormalMeanMatchesSampling(double mean, double std, double low, double high)
    {
        double sampled = RangeEstimatorTests.Normal(400_000, 11).Average(z => Math.Clamp(mean + std * z, low, high));
        Assert.Equal(sampled, AnalyticBiasCorrection.ClippedNormalMean(mean, std, low, high), 0.01);
    }

    [Fact]
    public void PriorsAreReadForEveryConvFollowedByBatchNorm()
    {
        var priors = AnalyticBiasCorrection.ReadPriors(TestData.MobileNetV1);
        var convs = MobileNetFixture.LoadGraph().Nodes.OfType<ConvNode>().ToList();
        Assert.Equal(convs.SkipLast(1).Select(c => c.Name).Order(), priors.Keys.Order());
        Assert.All(convs.SkipLast(1), c => Assert.Equal(c.OutChannels, priors[c.Name].Mean.Length));
        Assert.All(priors.Values, p => Assert.All(p.Std, s => Assert.True(s >= 0)));
    }

    /// <summary>Packs W8 and runs the float executor with the plan's dequantized weights and biases.</summary>
    private double SimulatedAgreement(WeightGranularity granularity, bool equalize, BiasCorrectionMethod correction)
    {
        var graph = MobileNetFixture.LoadGraph();
        var options = new PackOptions
        {
            Preprocessing = PreprocessingPresets.SymmetricUnit, Weights = granularity, Equalize = equalize, BiasCorrection = correction,
        };
        var priors = correction == BiasCorrectionMethod.Analytic ? AnalyticBiasCorrection.ReadPriors(TestData.MobileNetV1) : null;
        var result = ModelPacker.Pack(graph, mobileNet.Calibration, options, batchNormPriors: priors);
        foreach (var (node, layer) in result.Plan.Layers)
        {
            var conv = (ConvNode)node;
            conv.Weights = layer.Weights.Dequantize();
            conv.Bias = layer.DequantizedBias();
        }
        double agreement = mobileNet.Top1Agreement(mobileNet.Logits(graph));
        output.WriteLine($"{granularity} W8{(equalize ? " + equalize" : "")}, bias correction {correction} ({result.CorrectedLayers.Count} layers), " +
            $"int8 weights and int32 biases simulated in float: top-1 agreement {agreement:P1} ({MobileNetFixture.EvaluationCount} photos)");
        return agreement;
    }

    [Fact]
    public void AnalyticCorrectionRecoversMostOfThePerChannelWeightQuantizationLoss()
    {
        double none = SimulatedAgreement(WeightGranularity.PerChannel, equalize: false, BiasCorrectionMethod.None);
        double analytic = SimulatedAgreement(WeightGranularity.PerChannel, equalize: false, BiasCorrectionMethod.Analytic);
        Assert.True(analytic >= none + 0.08, $"analytic {analytic:P1} vs none {none:P1}");
        Assert.True(analytic >= 0.85);
    }

    [Fact]
    public void AnalyticCorrectionUsesTheEqualizedPriorsForPerTensorWeights()
    {
        double none = SimulatedAgreement(WeightGranularity.PerTensor, equalize: true, BiasCorrectionMethod.None);
        double analytic = SimulatedAgreement(WeightGranularity.PerTensor, equalize: true, BiasCorrectionMethod.Analytic);
        Assert.True(analytic >= none + 0.2, $"analytic {analytic:P1} vs none {none:P1}");
    }

    [Fact]
    public void AnalyticCorrectionNeedsThePriors()
    {
        var data = new Calibration.TensorCalibrationData(SmallModels.RandomInputs(2, 100));
        var options = new PackOptions { Preprocessing = PreprocessingPresets.ImageNetTorch, BiasCorrection = BiasCorrectionMethod.Analytic };
        Assert.Contains("priors", Assert.Throws<ArgumentException>(() => ModelPacker.Pack(SmallModels.ConvChain("Relu"), data, options)).Message);
    }
}
