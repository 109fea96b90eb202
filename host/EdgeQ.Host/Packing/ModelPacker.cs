using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Correction;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Training;

namespace EdgeQ.Host.Packing;

/// <summary>Progress of a pack: the stage running, how far it is (0..1) and, where there is one, a figure to show
/// beside it (fine-tuning: step and loss).</summary>
public readonly record struct PackProgress(string Stage, double Fraction, string? Detail = null);

/// <summary>What a pack produced: the model, and the intermediate results reports and bias correction read.</summary>
/// <param name="CorrectedLayers">Names of the layers whose bias the correction changed.</param>
/// <param name="Corrections">Per layer, what iterative correction measured and did (empty for other methods;
/// fine-tuning starts from it).</param>
/// <param name="FineTuning">What bias fine-tuning did (null for other methods).</param>
public sealed record PackResult(EqmModel Model, QuantizationPlan Plan, CalibrationStatistics Statistics, EqualizationResult? Equalization,
    IReadOnlyList<string> CorrectedLayers, IReadOnlyList<LayerCorrection> Corrections, FineTuningResult? FineTuning = null);

/// <summary>
/// The host pipeline after import: (equalize) -> calibrate -> quantize -> lower to .eqm. The graph is the optimized
/// NHWC graph (GraphOptimizer); equalization rewrites its weights in place.
/// </summary>
public static class ModelPacker
{
    public const string Producer = "edgeq 0.1.0";

    /// <param name="batchNormPriors">For analytic bias correction: <see cref="AnalyticBiasCorrection.ReadPriors"/> of the ONNX file.</param>
    public static PackResult Pack(Graph graph, ICalibrationData calibration, PackOptions options, IProgress<PackProgress>? progress = null,
        IReadOnlyDictionary<string, ChannelPrior>? batchNormPriors = null)
    {
        options.Validate();
        if (options.BiasCorrection == BiasCorrectionMethod.Analytic && batchNormPriors is null)
            throw new ArgumentException("analytic bias correction needs the BatchNorm priors of the ONNX file (AnalyticBiasCorrection.ReadPriors)");
        var equalization = options.Equalize ? Equalize(graph, calibration, progress) : null;
        var statistics = ActivationCalibrator.Run(graph, calibration, options.Calibration,
            f => progress?.Report(new PackProgress("calibrate", f)));
        var plan = QuantizationPlan.Create(graph, statistics, options.Quantization, InputRange(options.Preprocessing));
        var metadata = new EqmMetadata(options.Name ?? graph.Name, Producer, options.Board, [.. options.MetadataOptions(calibration.Count)]);
        // Lowered once before correcting so that an op without an int8 form fails before the slow part.
        var model = EqmLowering.Lower(plan, metadata, options.Preprocessing, options.Labels);
        // Likewise, an op fine-tuning has no gradient for fails before the iterative pass it starts from.
        if (options.BiasCorrection == BiasCorrectionMethod.FineTune) TrainableGraph.FakeQuantized(plan);
        var correctionImages = CorrectionImages(calibration, options.CorrectionImages);
        // Fine-tuning starts from the iteratively corrected biases (docs/bias-correction.md: it ends better than from naive ones).
        IReadOnlyList<LayerCorrection> corrections = options.BiasCorrection is BiasCorrectionMethod.Iterative or BiasCorrectionMethod.FineTune
            ? IterativeBiasCorrection.Apply(plan, correctionImages, options.Preprocessing, f => progress?.Report(new PackProgress("correct", f)))
            : [];
        var fineTuning = options.BiasCorrection == BiasCorrectionMethod.FineTune
            ? BiasFineTuning.Apply(plan, correctionImages, options.Preprocessing, new FineTuningSettings(options.FineTuneSteps, options.FineTuneLearningRate),
                (step, loss) => progress?.Report(new PackProgress("finetune", step / (double)options.FineTuneSteps, $"step {step}/{options.FineTuneSteps} loss {loss:G3}")))
            : null;
        var corrected = options.BiasCorrection switch
        {
            BiasCorrectionMethod.Analytic => AnalyticBiasCorrection.Apply(plan,
                equalization is null ? batchNormPriors! : AnalyticBiasCorrection.Rescale(batchNormPriors!, equalization)).Select(n => n.Name).ToList(),
            BiasCorrectionMethod.Iterative => corrections.Where(c => c.Accepted).Select(c => c.Layer).ToList(),
            BiasCorrectionMethod.FineTune => corrections.Where(c => c.Accepted).Select(c => c.Layer).Union(fineTuning!.ChangedLayers).ToList(),
            _ => [],
        };
        if (corrected.Count > 0) model = EqmLowering.Lower(plan, metadata, options.Preprocessing, options.Labels);
        return new PackResult(model, plan, statistics, equalization, corrected, corrections, fineTuning);
    }

    /// <summary><paramref name="count"/> of the calibration images, spread evenly over them.</summary>
    private static ICalibrationData CorrectionImages(ICalibrationData calibration, int count) => count >= calibration.Count
        ? calibration
        : new SubsetCalibrationData(calibration, Enumerable.Range(0, count).Select(i => (int)((long)i * calibration.Count / count)).ToList());

    /// <summary>Equalization through ReLU6 needs the float model's per-channel maxima: one min/max calibration pass first.</summary>
    private static EqualizationResult Equalize(Graph graph, ICalibrationData calibration, IProgress<PackProgress>? progress)
    {
        var before = ActivationCalibrator.Run(graph, calibration, CalibrationMethod.MinMax,
            f => progress?.Report(new PackProgress("equalize", f)));
        return CrossLayerEqualization.Run(graph, before.Channels.ToDictionary(kv => kv.Key, kv => kv.Value.Maxima));
    }

    /// <summary>
    /// The real values the input can take: (pixel - mean) / std over pixels 0..255 and all channels. Known exactly
    /// from the preprocessing, so the input is not calibrated.
    /// </summary>
    public static (double Low, double High) InputRange(ImagePreprocessing preprocessing)
    {
        var ends = preprocessing.Mean.Zip(preprocessing.Std).SelectMany(c => (double[])[(0 - c.First) / c.Second, (255 - c.First) / c.Second]).ToList();
        return (ends.Min(), ends.Max());
    }
}
