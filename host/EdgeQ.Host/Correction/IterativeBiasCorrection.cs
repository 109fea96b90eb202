using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Runtime;

namespace EdgeQ.Host.Correction;

/// <summary>Per-channel shift of a layer's pre-activation mean (quantized minus float, real units): its mean over
/// channels and its spread (standard deviation over channels).</summary>
public readonly record struct ShiftSummary(double Mean, double Spread)
{
    public static ShiftSummary Of(IReadOnlyList<double> shifts)
    {
        double mean = shifts.Average();
        return new(mean, Math.Sqrt(shifts.Average(s => (s - mean) * (s - mean))));
    }
}

/// <summary>What iterative correction did to one layer, measured on the correction images.</summary>
/// <param name="HeldOutErrorChange">Change of the layer's pre-activation mean squared error against float on the
/// held-out images (negative: better); null when too few images were given to hold any out.</param>
/// <param name="ClampedChannels">Channels whose corrected bias had to be clamped to keep the accumulator in int32.</param>
/// <param name="HeldOutOutputErrorChange">Change of the mean squared error against float, on the held-out images and
/// measured on the int8 runtime, of the tensor the correction is judged on
/// (the output of <see cref="IterativeBiasCorrection.JudgedNode"/>); null when it was not measured (nothing held out, or the
/// pre-activation check already rejected the correction).</param>
/// <param name="HeldOutNetworkErrorChange">The same for the network's output; null when it was not measured (as above,
/// or the judged tensor has an activation or is the network's output).</param>
public sealed record LayerCorrection(string Layer, int Channels, ShiftSummary Before, ShiftSummary After, double? HeldOutErrorChange,
    bool Accepted, int ClampedChannels, double? HeldOutOutputErrorChange = null, double? HeldOutNetworkErrorChange = null);

/// <summary>
/// Iterative bias correction (Finkelstein et al. 2019) measured on the int8 runtime (docs/bias-correction.md): in
/// topological order, each layer's int32 bias absorbs the difference between the float and the quantized per-channel
/// pre-activation means, with every earlier layer already corrected. The quantized mean is exact: the runtime gives
/// the layer's int8 input, and mean(acc[c]) = bias[c] + sum_k w[c,k] * mean(x_k - x_zp) over the layer's windows.
/// </summary>
public static class IterativeBiasCorrection
{
    /// <summary>Images 4, 9, 14, ... are held out to check each correction.</summary>
    public const int HoldOutEvery = 5;
    /// <summary>Below this many images nothing is held out and corrections are not checked.</summary>
    public const int MinimumForHoldOut = 10;

    public static IReadOnlyList<LayerCorrection> Apply(QuantizationPlan plan, ICalibrationData images, ImagePreprocessing preprocessing,
        Action<double>? reportFraction = null)
    {
        var graph = plan.Graph;
        var layers = graph.Nodes.Where(plan.Layers.ContainsKey).ToList();
        bool[] heldOut = Enumerable.Range(0, images.Count).Select(i => images.Count >= MinimumForHoldOut && i % HoldOutEvery == HoldOutEvery - 1).ToArray();
        var judged = layers.Select(n => JudgedNode(graph, n).Output).Append(graph.Outputs[0]).ToHashSet();
        var (floatMeans, inputs, judgedFloats) = RunFloat(plan, images, layers, heldOut, judged, f => reportFraction?.Invoke(f / (layers.Count + 1)));
        var heldOutInputs = inputs.Where((_, i) => heldOut[i]).ToArray();
        var metadata = new EqmMetadata("bias-correction", ModelPacker.Producer, "");
        var corrections = new List<LayerCorrection>();
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var sums = WindowSums.For(layer, plan.Activations[layer.Input].ZeroPoint);
            if (sums is null) continue;
            void Progress(int done) => reportFraction?.Invoke((l + 1 + done / (double)inputs.Length) / (layers.Count + 1));
            if (layer.Input == graph.Inputs[0])
                for (int i = 0; i < inputs.Length; i++) { sums.Add(inputs[i], heldOut[i]); Progress(i + 1); }
            else
            {
                using var model = InferenceModel.Load(EqmLowering.LowerPrefix(plan, layer.Input, metadata, preprocessing));
                var observed = new sbyte[model.OutputBytes];
                for (int i = 0; i < inputs.Length; i++)
                {
                    model.Run(inputs[i], observed);
                    sums.Add(observed, heldOut[i]);
                    Progress(i + 1);
                }
            }
            var previous = (int[])plan.Layers[layer].Bias.Clone();
            var correction = Correct(layer, plan.Layers[layer], sums, floatMeans[layer]);
            if (correction is { Accepted: true, HeldOutErrorChange: not null } && !previous.SequenceEqual(plan.Layers[layer].Bias))
                correction = Judge(plan, layer, correction, previous, heldOutInputs, judgedFloats, metadata, preprocessing);
            corrections.Add(correction);
        }
        return corrections;
    }

    /// <summary>
    /// The node whose output a layer's correction is judged on: the layer itself (its output after the fused
    /// activation), or, when its only consumer is an Add (a residual join), that Add (after its own activation). A mean
    /// correction always lowers the pre-activation error on images that share the fitted shift, but a ReLU or a
    /// residual Add after it can turn the same constant into a larger error (docs/bias-correction.md, "Checks").
    /// </summary>
    public static Node JudgedNode(Graph graph, Node layer) =>
        graph.Consumers(layer.Output) is [BinaryNode { Kind: BinaryKind.Add } add] ? add : layer;

    /// <summary>
    /// Keeps the corrected bias only if it also lowers the judged tensor's error against float on the held-out images,
    /// both measured on the int8 runtime (corrected bias, then the previous one). When the judged tensor has no
    /// activation (a linear projection, a residual Add without ReLU) it is what the mean fit already minimizes, so the
    /// network's output must not get worse either: on MobileNetV2 such corrections lowered their own error and the
    /// logits' SQNR (docs/accuracy.md, fixture).
    /// </summary>
    private static LayerCorrection Judge(QuantizationPlan plan, Node layer, LayerCorrection correction, int[] previous,
        sbyte[][] heldOutInputs, Dictionary<Value, List<float[]>> floats, EqmMetadata metadata, ImagePreprocessing preprocessing)
    {
        var bias = plan.Layers[layer].Bias;
        var corrected = (int[])bias.Clone();
        var judgedNode = JudgedNode(plan.Graph, layer);
        var judged = judgedNode.Output;
        var network = plan.Graph.Outputs[0];
        bool linear = NodeKernels.FusedActivation(judgedNode).Kind == ActivationKind.None;
        double ErrorChange(Value tensor)
        {
            corrected.CopyTo(bias, 0);
            double correctedError = OutputError(plan, tensor, heldOutInputs, floats[tensor], metadata, preprocessing);
            previous.CopyTo(bias, 0);
            return correctedError - OutputError(plan, tensor, heldOutInputs, floats[tensor], metadata, preprocessing);
        }
        double judgedChange = ErrorChange(judged);
        double? networkChange = judgedChange <= 0 && linear && judged != network ? ErrorChange(network) : null;
        bool accepted = judgedChange <= 0 && networkChange is null or <= 0;
        if (accepted) corrected.CopyTo(bias, 0);
        return correction with { Accepted = accepted, After = accepted ? correction.After : correction.Before,
            HeldOutOutputErrorChange = judgedChange, HeldOutNetworkErrorChange = networkChange };
    }

    /// <summary>Mean squared error of the int8 runtime's <paramref name="tensor"/> against float, real units.</summary>
    private static double OutputError(QuantizationPlan plan, Value tensor, sbyte[][] inputs, List<float[]> floats, EqmMetadata metadata,
        ImagePreprocessing preprocessing)
    {
        using var model = InferenceModel.Load(EqmLowering.LowerPrefix(plan, tensor, metadata, preprocessing));
        var spec = model.Outputs[0];
        var raw = new sbyte[model.OutputBytes];
        var dequantized = new float[spec.Tensor.Bytes];
        double error = 0, count = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            model.Run(inputs[i], raw);
            spec.ToFloat(raw.AsSpan(spec.Offset, spec.Tensor.Bytes), dequantized);
            for (int j = 0; j < dequantized.Length; j++)
            {
                double e = dequantized[j] - floats[i][j];
                error += e * e;
            }
            count += dequantized.Length;
        }
        return error / count;
    }

    private static LayerCorrection Correct(Node layer, QuantizedLayer quantized, WindowSums sums, (double[] Fit, double[] HeldOut) floatMeans)
    {
        var weights = quantized.Weights;
        var channelSums = weights.ChannelSums();
        int channels = quantized.Bias.Length, clamped = 0;
        var oldBias = (int[])quantized.Bias.Clone();
        var before = new double[channels];
        var after = new double[channels];
        double errorChange = 0;
        for (int c = 0; c < channels; c++)
        {
            double scale = quantized.BiasScale(c);
            double fitMean = oldBias[c] + sums.WeightedMean(weights, c, heldOut: false);
            long corrected = oldBias[c] + (long)Math.Round(floatMeans.Fit[c] / scale - fitMean, MidpointRounding.ToEven);
            long limited = AccumulatorGuard.Limit(corrected, sums.ZeroPoint, channelSums[c]);
            if (limited != corrected) clamped++;
            quantized.Bias[c] = (int)limited;
            double delta = (limited - oldBias[c]) * scale;
            before[c] = fitMean * scale - floatMeans.Fit[c];
            after[c] = before[c] + delta;
            if (sums.HasHeldOut)
            {
                // Adding delta to every position changes the squared error by delta^2 + 2 * delta * (mean error).
                double heldOutShift = (oldBias[c] + sums.WeightedMean(weights, c, heldOut: true)) * scale - floatMeans.HeldOut[c];
                errorChange += (delta * delta + 2 * delta * heldOutShift) / channels;
            }
        }
        bool accepted = !sums.HasHeldOut || errorChange <= 0;
        if (!accepted) oldBias.CopyTo(quantized.Bias, 0);
        return new LayerCorrection(layer.Name, channels, ShiftSummary.Of(before), ShiftSummary.Of(accepted ? after : before),
            sums.HasHeldOut ? errorChange : null, accepted, clamped);
    }

    /// <summary>
    /// One float pass: every layer's per-channel pre-activation mean on the correction and on the held-out images,
    /// the images quantized as the int8 model's input, and the judged tensors on the held-out images (in image order).
    /// </summary>
    private static (Dictionary<Node, (double[] Fit, double[] HeldOut)> Means, sbyte[][] Inputs, Dictionary<Value, List<float[]>> Judged)
        RunFloat(QuantizationPlan plan, ICalibrationData images, IReadOnlyList<Node> layers, bool[] heldOut, IReadOnlySet<Value> judged,
            Action<double> reportFraction)
    {
        var heldOutIndex = new int[images.Count];
        for (int i = 0, h = 0; i < images.Count; i++) heldOutIndex[i] = heldOut[i] ? h++ : -1;
        int heldOutCount = heldOut.Count(h => h);
        var judgedFloats = judged.ToDictionary(v => v, _ => Enumerable.Repeat(Array.Empty<float>(), heldOutCount).ToList());
        var graph = plan.Graph;
        var executor = new FloatExecutor(graph);
        var fit = layers.ToDictionary(n => n, n => new ChannelStatistics(n.Output.Shape[^1]));
        var held = layers.ToDictionary(n => n, n => new ChannelStatistics(n.Output.Shape[^1]));
        var inputQuantization = plan.Activations[graph.Inputs[0]];
        var inputs = new sbyte[images.Count][];
        for (int start = 0; start < images.Count; start += ActivationCalibrator.BatchSize)
        {
            int count = Math.Min(ActivationCalibrator.BatchSize, images.Count - start), first = start;
            var batch = Enumerable.Range(start, count).AsParallel().AsOrdered().Select(images.Load).ToList();
            for (int i = 0; i < count; i++) inputs[start + i] = inputQuantization.QuantizeToInt8(batch[i].Floats);
            void Observe(in TensorObservation o)
            {
                bool preActivation = o.PreActivation || NodeKernels.FusedActivation(o.Node).Kind == ActivationKind.None;
                if (preActivation && o.Value == o.Node.Output && fit.ContainsKey(o.Node))
                    (heldOut[first + o.Sample] ? held : fit)[o.Node].Add(o.Tensor.Floats);
                if (!o.PreActivation && heldOut[first + o.Sample] && judgedFloats.TryGetValue(o.Value, out var stored))
                    lock (stored) stored[heldOutIndex[first + o.Sample]] = o.Tensor.Floats.ToArray();
            }
            executor.RunBatch(batch,
                Observe);
            reportFraction((start + count) / (double)images.Count);
        }
        return (layers.ToDictionary(n => n, n => (fit[n].Means, held[n].Means)), inputs, judgedFloats);
    }
}
