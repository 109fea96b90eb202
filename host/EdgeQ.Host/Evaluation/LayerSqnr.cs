using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Runtime;

namespace EdgeQ.Host.Evaluation;

/// <summary>A layer's output SQNR: its float output (after its fused activation) against the int8 runtime's
/// dequantized output of the same layer, summed over all images as <see cref="AccuracyReport.SqnrDb"/> is.</summary>
public sealed record LayerSqnr(string Layer, double SqnrDb);

/// <summary>Per-layer SQNR on <paramref name="Images"/> images, of the plan before bias correction (null when none
/// was applied) and of the packed plan.</summary>
public sealed record LayerSqnrComparison(int Images, IReadOnlyList<LayerSqnr>? Before, IReadOnlyList<LayerSqnr> After);

/// <summary>
/// Per-layer SQNR of a quantization plan: the int8 network lowered with every layer's output as a model output (the
/// prefix lowering iterative correction uses), run once per image on the device's kernels, beside the float executor.
/// </summary>
public static class LayerSqnrMeasurement
{
    /// <summary>
    /// The packed plan's per-layer SQNR and, when a correction changed its biases, the uncorrected plan's: the same
    /// calibration statistics quantized again (so no second calibration; equalization already rewrote the graph).
    /// </summary>
    public static LayerSqnrComparison BeforeAndAfter(PackResult result, PackOptions options, ICalibrationData images,
        IProgress<PackProgress>? progress = null)
    {
        var after = Measure(result.Plan, images, options.Preprocessing, f => progress?.Report(new PackProgress("layer sqnr", f)));
        if (options.BiasCorrection == BiasCorrectionMethod.None) return new(images.Count, null, after);
        var uncorrected = QuantizationPlan.Create(result.Plan.Graph, result.Statistics, options.Quantization, ModelPacker.InputRange(options.Preprocessing));
        var before = Measure(uncorrected, images, options.Preprocessing, f => progress?.Report(new PackProgress("naive sqnr", f)));
        return new(images.Count, before, after);
    }

    /// <summary>One entry per layer with weights (conv, deconv, gemm), in topological order.</summary>
    public static IReadOnlyList<LayerSqnr> Measure(QuantizationPlan plan, ICalibrationData images, ImagePreprocessing preprocessing,
        Action<double>? reportFraction = null)
    {
        var graph = plan.Graph;
        var layers = graph.Nodes.Where(plan.Layers.ContainsKey).ToList();
        var layerIndex = layers.Select((node, i) => (node, i)).ToDictionary(p => p.node, p => p.i);
        var metadata = new EqmMetadata("layer-sqnr", ModelPacker.Producer, "");
        using var model = InferenceModel.Load(EqmLowering.LowerPrefix(plan, [.. layers.Select(n => n.Output)], metadata, preprocessing));
        var input = new AffineQuantization(model.Input.Scale, model.Input.ZeroPoint);
        var executor = new FloatExecutor(graph);
        // Per layer and image, written by the float executor's threads (one cell each).
        var signal = new double[layers.Count, images.Count];
        var noise = new double[layers.Count, images.Count];
        for (int start = 0; start < images.Count; start += ActivationCalibrator.BatchSize)
        {
            int count = Math.Min(ActivationCalibrator.BatchSize, images.Count - start), first = start;
            var batch = Enumerable.Range(start, count).AsParallel().AsOrdered().Select(images.Load).ToList();
            var int8Outputs = batch.Select(sample =>
            {
                var raw = new sbyte[model.OutputBytes];
                model.Run(input.QuantizeToInt8(sample.Floats), raw);
                return raw;
            }).ToList();
            void Observe(in TensorObservation o)
            {
                if (o.PreActivation || o.Value != o.Node.Output || !layerIndex.TryGetValue(o.Node, out int l)) return;
                var spec = model.Outputs[l];
                var dequantized = new float[spec.Tensor.Bytes];
                spec.ToFloat(int8Outputs[o.Sample].AsSpan(spec.Offset, spec.Tensor.Bytes), dequantized);
                double s = 0, n = 0;
                Sqnr.Accumulate(o.Tensor.Floats, dequantized, ref s, ref n);
                signal[l, first + o.Sample] = s;
                noise[l, first + o.Sample] = n;
            }
            executor.RunBatch(batch,
                Observe);
            reportFraction?.Invoke((start + count) / (double)images.Count);
        }
        double Sum(double[,] values, int l) => Enumerable.Range(0, images.Count).Sum(i => values[l, i]);
        return layers.Select((node, l) => new LayerSqnr(node.Name, Sqnr.Decibels(Sum(signal, l), Sum(noise, l)))).ToList();
    }
}
