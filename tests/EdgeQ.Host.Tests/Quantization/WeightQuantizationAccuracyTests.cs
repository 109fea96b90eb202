using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>
/// Weight quantization alone on the real MobileNetV1-0.25: weights are quantized, dequantized and run by the float
/// executor (activations stay float); logits are compared with the float model on 64 photos (top-1 agreement and
/// SQNR). Figures are printed; the asserts keep a margin below them.
/// </summary>
public sealed class WeightQuantizationAccuracyTests(MobileNetFixture mobileNet, ITestOutputHelper output) : IClassFixture<MobileNetFixture>
{
    private (double Agreement, double SqnrDb) Measure(string label, Graph graph)
    {
        var logits = mobileNet.Logits(graph);
        double agreement = mobileNet.Top1Agreement(logits);
        double signal = mobileNet.FloatLogits.Sum(l => l.Sum(v => (double)v * v));
        double noise = logits.Zip(mobileNet.FloatLogits).Sum(p => p.First.Zip(p.Second).Sum(v => Math.Pow(v.First - v.Second, 2)));
        double sqnr = Sqnr.Decibels(signal, noise);
        output.WriteLine($"{label}: top-1 agreement with float {agreement:P1}, logit SQNR {sqnr:F1} dB ({MobileNetFixture.EvaluationCount} photos)");
        return (agreement, sqnr);
    }

    private static void FakeQuantizeWeights(Graph graph, WeightGranularity granularity, int bits)
    {
        foreach (var conv in graph.Nodes.OfType<ConvNode>())
            conv.Weights = WeightQuantizer.Quantize(conv.Weights, QuantizationPlan.WeightChannelAxis(conv), granularity, bits).Dequantize();
    }

    /// <summary>
    /// Quantizes the weights of a fresh graph, optionally after equalization and optionally removing the mean shift
    /// rounding causes in each output channel, sum_k dW[c,k] E[x_k] (E[x] from the float model on the calibration
    /// photos, padding ignored): the shift the paper corrects, here computed in float without the int8 executor.
    /// </summary>
    private (double Agreement, double SqnrDb) Variant(WeightGranularity granularity, bool equalize, bool removeMeanShift)
    {
        var graph = MobileNetFixture.LoadGraph();
        string label = $"{granularity} W8";
        if (equalize)
        {
            var result = mobileNet.Equalize(graph);
            label += $" + equalize ({result.Pairs} pairs, {result.Sweeps} sweeps)";
        }
        var inputMeans = removeMeanShift ? ConvInputChannelMeans(graph) : null;
        var floatWeights = graph.Nodes.OfType<ConvNode>().ToDictionary(c => c, c => c.Weights);
        FakeQuantizeWeights(graph, granularity, 8);
        if (inputMeans is not null)
        {
            label += " + mean shift removed";
            foreach (var conv in graph.Nodes.OfType<ConvNode>())
            {
                var shift = AnalyticBiasCorrection.MeanShift(conv, floatWeights[conv], conv.Weights, inputMeans[conv]);
                conv.Bias = conv.Bias.Select((b, c) => (float)(b - shift[c])).ToArray();
            }
        }
        return Measure(label, graph);
    }

    [Fact]
    public void PerChannelEightBitWeightsLoseTop1OnlyThroughTheirBias()
    {
        var naive = Variant(WeightGranularity.PerChannel, equalize: false, removeMeanShift: false);
        // A per-channel constant repairs what the paper says it repairs; it would not repair a wrong quantizer.
        var corrected = Variant(WeightGranularity.PerChannel, equalize: false, removeMeanShift: true);
        Assert.True(naive.Agreement >= 0.65, $"per-channel W8 agreement {naive.Agreement:P1}");
        Assert.True(corrected.Agreement >= 0.88, $"mean-shift removal gave {corrected.Agreement:P1}");
        Assert.True(corrected.SqnrDb >= naive.SqnrDb + 8);
    }

    [Fact]
    public void PerTensorWeightsCollapseAndNeedEqualizationBeforeBiasCorrection()
    {
        var naive = Variant(WeightGranularity.PerTensor, equalize: false, removeMeanShift: false);
        var corrected = Variant(WeightGranularity.PerTensor, equalize: false, removeMeanShift: true);
        var equalizedCorrected = Variant(WeightGranularity.PerTensor, equalize: true, removeMeanShift: true);
        Assert.True(naive.Agreement <= 0.1, $"per-tensor W8 agreement {naive.Agreement:P1}: expected the depthwise ranges to ruin it");
        Assert.True(equalizedCorrected.Agreement >= corrected.Agreement + 0.25,
            $"equalization should repair per-tensor W8 under bias correction: {corrected.Agreement:P1} -> {equalizedCorrected.Agreement:P1}");
        Assert.True(equalizedCorrected.SqnrDb >= corrected.SqnrDb + 5);
    }

    [Fact]
    public void EqualizationLeavesTheFloatModelAndRaisesEveryDepthwiseLayersAloneSqnr()
    {
        var graph = MobileNetFixture.LoadGraph();
        mobileNet.Equalize(graph);
        var equalizedFloat = Measure("float after equalization", graph);
        Assert.True(equalizedFloat.Agreement >= 0.95, "equalization must leave the float network (nearly) unchanged");
        Assert.True(equalizedFloat.SqnrDb >= 25);
        // The worst depthwise layer, quantized per tensor alone, before and after equalization.
        double before = WorstDepthwiseAlone(MobileNetFixture.LoadGraph(), "");
        double after = WorstDepthwiseAlone(graph, " after equalization");
        Assert.True(after >= before + 3, $"worst depthwise layer alone: {before:F1} -> {after:F1} dB");
    }

    private double WorstDepthwiseAlone(Graph graph, string label) => graph.Nodes.OfType<ConvNode>().Where(c => c.IsDepthwise).ToList().Min(conv =>
    {
        var floatWeights = conv.Weights;
        conv.Weights = WeightQuantizer.Quantize(floatWeights, 3, WeightGranularity.PerTensor, 8).Dequantize();
        double sqnr = Measure($"{conv.Name} alone per-tensor{label}", graph).SqnrDb;
        conv.Weights = floatWeights;
        return sqnr;
    });

    /// <summary>Per-input-channel means of every conv's input in the float model, on the calibration photos.</summary>
    private Dictionary<ConvNode, double[]> ConvInputChannelMeans(Graph graph)
    {
        var convs = graph.Nodes.OfType<ConvNode>().ToList();
        var sums = convs.ToDictionary(c => c.Input, c => new double[c.InChannels]);
        var gate = new Lock();
        void Observe(in TensorObservation o)
        {
            if (o.PreActivation || !sums.TryGetValue(o.Value, out var sum)) return;
            var local = new double[sum.Length];
            var values = o.Tensor.Floats;
            for (int i = 0; i < values.Length; i++) local[i % local.Length] += values[i];
            lock (gate) for (int c = 0; c < sum.Length; c++) sum[c] += local[c];
        }
        var executor = new FloatExecutor(graph);
        var samples = Enumerable.Range(0, mobileNet.Calibration.Count).Select(i =>
            (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { ["input"] = mobileNet.Calibration.Load(i) }).ToList();
        executor.RunBatch(samples, Observe);
        // The graph input is never an observed node output: its channel means come from the samples themselves.
        var input = graph.Inputs[0];
        foreach (var x in samples.Select(s => s["input"].Floats))
            for (int i = 0; i < x.Length; i++) sums[input][i % 3] += x[i];
        return convs.ToDictionary(c => c, c =>
        {
            long positions = (long)samples.Count * Shapes.Size(c.Input.Shape) / c.InChannels;
            return sums[c.Input].Select(s => s / positions).ToArray();
        });
    }
}
