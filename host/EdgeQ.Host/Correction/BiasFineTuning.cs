using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Training;
using EdgeQ.Runtime;

namespace EdgeQ.Host.Correction;

/// <summary>How bias fine-tuning trains (docs/bias-correction.md).</summary>
/// <param name="LearningRate">Adam's step, in output quantization steps of each layer.</param>
public sealed record FineTuningSettings(int Steps, double LearningRate, int BatchSize = FineTuningSettings.DefaultBatchSize, int Seed = 1)
{
    public const int DefaultBatchSize = 16;
}

/// <summary>What bias fine-tuning did.</summary>
/// <param name="FirstLoss">Training loss (fake-quantized network, mean squared output error) of the first batch.</param>
/// <param name="LastLoss">The same, averaged over the last tenth of the steps.</param>
/// <param name="HeldOutSqnrBefore">SQNR (dB) of the int8 runtime's first output against float on the held-out images
/// with the starting biases; null when too few images were given to hold any out.</param>
/// <param name="HeldOutSqnrAfter">The same with the fine-tuned biases.</param>
/// <param name="Accepted">False when the held-out SQNR got worse: every bias was then restored.</param>
/// <param name="ChangedLayers">Layers whose int32 bias fine-tuning changed (empty when rejected).</param>
public sealed record FineTuningResult(int Steps, int TrainingImages, int HeldOutImages, double FirstLoss, double LastLoss,
    double? HeldOutSqnrBefore, double? HeldOutSqnrAfter, bool Accepted, int ClampedChannels, IReadOnlyList<string> ChangedLayers);

/// <summary>
/// Bias fine-tuning (Finkelstein et al. 2019): a short training phase on unlabeled images that trains only the
/// biases of the quantized network so that its output matches the float network's. The forward is the int8 network
/// simulated in float (<see cref="TrainableGraph.FakeQuantized"/>); the trained biases are rounded into the int32
/// bias domain, and the result is checked on held-out images with the int8 runtime itself.
/// </summary>
public static class BiasFineTuning
{
    public static FineTuningResult Apply(QuantizationPlan plan, ICalibrationData images, ImagePreprocessing preprocessing,
        FineTuningSettings settings, Action<int, double>? reportStep = null)
    {
        var graph = plan.Graph;
        var network = TrainableGraph.FakeQuantized(plan);
        var inputs = Enumerable.Range(0, images.Count).AsParallel().AsOrdered().Select(images.Load).ToArray();
        var targets = FloatOutputs(graph, inputs);
        bool holdOut = images.Count >= IterativeBiasCorrection.MinimumForHoldOut;
        var heldOut = Enumerable.Range(0, images.Count).Where(i => holdOut && i % IterativeBiasCorrection.HoldOutEvery == IterativeBiasCorrection.HoldOutEvery - 1).ToList();
        var training = Enumerable.Range(0, images.Count).Except(heldOut).ToList();
        var startingBiases = network.Layers.Select(l => (int[])plan.Layers[l].Bias.Clone()).ToList();
        var heldOutImages = heldOut.Select(i => inputs[i]).ToList();
        double? before = HeldOutSqnr(plan, preprocessing, heldOutImages);

        // Each layer's bias moves in units of its own output step (the pre-activation step where a lookup table follows).
        var units = network.Layers.Select(l => (double)(plan.PreActivations.TryGetValue(l, out var pre) ? pre : plan.Activations[l.Output]).Scale).ToList();
        var adam = new Adam(network.Biases, units);
        var order = new BatchOrder(training, settings.Seed);
        var losses = new double[settings.Steps];
        for (int step = 0; step < settings.Steps; step++)
        {
            var batch = order.Next(settings.BatchSize);
            var sampleGradients = batch.Select(_ => network.Biases.Select(b => new float[b.Length]).ToArray()).ToArray();
            var sampleLosses = new double[batch.Count];
            Parallel.For(0, batch.Count, s => sampleLosses[s] = network.SquaredError(inputs[batch[s]], targets[batch[s]], sampleGradients[s]));
            // Summed in sample order, so the result does not depend on thread timing.
            var gradients = network.Biases.Select(b => new float[b.Length]).ToArray();
            foreach (var sample in sampleGradients)
                for (int l = 0; l < gradients.Length; l++)
                    for (int c = 0; c < gradients[l].Length; c++) gradients[l][c] += sample[l][c] / batch.Count;
            // Cosine decay to 0: Adam moves every bias by about the rate each step, so a constant rate would leave
            // the biases jittering by that much around their optimum.
            adam.Step(gradients, settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / settings.Steps)));
            losses[step] = sampleLosses.Average();
            reportStep?.Invoke(step + 1, losses[step]);
        }

        var (clamped, changed) = WriteBiases(plan, network, startingBiases);
        double? after = HeldOutSqnr(plan, preprocessing, heldOutImages);
        bool accepted = !(after < before);
        if (!accepted)
            for (int l = 0; l < network.Layers.Count; l++) startingBiases[l].CopyTo(plan.Layers[network.Layers[l]].Bias, 0);
        int tail = Math.Max(1, settings.Steps / 10);
        return new FineTuningResult(settings.Steps, training.Count, heldOut.Count, losses.FirstOrDefault(), losses.TakeLast(tail).DefaultIfEmpty().Average(),
            before, after, accepted, clamped, accepted ? changed : []);
    }

    /// <summary>
    /// The trained biases into the plan's int32 bias domain, within the accumulator's int32 range. Returns the channels
    /// that had to be clamped and the layers whose bias changed.
    /// </summary>
    private static (int Clamped, List<string> Changed) WriteBiases(QuantizationPlan plan, TrainableGraph network, List<int[]> startingBiases)
    {
        int clamped = 0;
        var changed = new List<string>();
        for (int l = 0; l < network.Layers.Count; l++)
        {
            var layer = plan.Layers[network.Layers[l]];
            var channelSums = layer.Weights.ChannelSums();
            for (int c = 0; c < layer.Bias.Length; c++)
            {
                long rounded = (long)Math.Round(network.Biases[l][c] / layer.BiasScale(c), MidpointRounding.ToEven);
                long limited = AccumulatorGuard.Limit(rounded, layer.Input.ZeroPoint, channelSums[c]);
                if (limited != rounded) clamped++;
                layer.Bias[c] = (int)limited;
            }
            if (!layer.Bias.AsSpan().SequenceEqual(startingBiases[l])) changed.Add(network.Layers[l].Name);
        }
        return (clamped, changed);
    }

    /// <summary>The float model's first output for every image (the training targets).</summary>
    private static float[][] FloatOutputs(Graph graph, TensorData[] inputs)
    {
        var executor = new FloatExecutor(graph);
        return executor.RunBatch(inputs)
            .Select(r => r[graph.Outputs[0].Name].Floats).ToArray();
    }

    /// <summary>Output SQNR of the int8 runtime against float on the held-out images (null when none are held out).</summary>
    private static double? HeldOutSqnr(QuantizationPlan plan, ImagePreprocessing preprocessing, IReadOnlyList<TensorData> heldOut)
    {
        if (heldOut.Count == 0) return null;
        var metadata = new EqmMetadata("bias-fine-tuning", ModelPacker.Producer, "");
        using var model = InferenceModel.Load(EqmLowering.Lower(plan, metadata, preprocessing, []));
        return AccuracyEvaluator.Evaluate(plan.Graph, model, new TensorCalibrationData(heldOut)).SqnrDb;
    }

    /// <summary>Batches drawn without replacement from a seeded shuffle of the training images, reshuffled each epoch.</summary>
    private sealed class BatchOrder(IReadOnlyList<int> images, int seed)
    {
        private readonly Random random = new(seed);
        private readonly List<int> remaining = [];

        public List<int> Next(int size)
        {
            var batch = new List<int>(size);
            while (batch.Count < Math.Min(size, images.Count))
            {
                if (remaining.Count == 0)
                {
                    var shuffled = images.ToArray();
                    random.Shuffle(shuffled);
                    remaining.AddRange(shuffled);
                }
                batch.Add(remaining[^1]);
                remaining.RemoveAt(remaining.Count - 1);
            }
            return batch;
        }
    }
}
