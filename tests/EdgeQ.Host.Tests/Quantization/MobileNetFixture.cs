using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>
/// The real MobileNetV1-0.25 with 64 evaluation photos (even positions in the sorted sample folder) and 32 disjoint
/// calibration photos (odd positions), both spread over the classes; loaded once per test class.
/// </summary>
public sealed class MobileNetFixture
{
    public const int EvaluationCount = 64, CalibrationCount = 32;
    public static readonly int[] InputShape = [1, 224, 224, 3];

    public MobileNetFixture()
    {
        var all = ImageCalibrationData.FindImages(TestData.ImageNetSamples);
        var evaluation = Enumerable.Range(0, EvaluationCount).Select(i => all[i * all.Count / EvaluationCount & ~1]).ToList();
        var calibration = Enumerable.Range(0, CalibrationCount).Select(i => all[i * all.Count / CalibrationCount | 1]).ToList();
        Calibration = new ImageCalibrationData(calibration, PreprocessingPresets.SymmetricUnit, InputShape);
        var evaluationImages = new ImageCalibrationData(evaluation, PreprocessingPresets.SymmetricUnit, InputShape);
        Inputs = Enumerable.Range(0, evaluation.Count).AsParallel().AsOrdered().Select(evaluationImages.Load).ToArray();
        FloatLogits = Logits(LoadGraph());
    }

    public ImageCalibrationData Calibration { get; }
    public TensorData[] Inputs { get; }
    public float[][] FloatLogits { get; }

    /// <summary>A fresh optimized graph (passes such as equalization rewrite weights in place).</summary>
    public static Graph LoadGraph() => GraphOptimizer.Load(TestData.MobileNetV1);

    public float[][] Logits(Graph graph)
    {
        var executor = new FloatExecutor(graph);
        var samples = Inputs.Select(x => (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { ["input"] = x }).ToList();
        return executor.RunBatch(samples).Select(r => r["logits"].Floats).ToArray();
    }

    /// <summary>Fraction of evaluation photos whose arg-max equals the float model's.</summary>
    public double Top1Agreement(float[][] logits) =>
        logits.Zip(FloatLogits).Count(p => MobileNetV1Tests.ArgMax(p.First) == MobileNetV1Tests.ArgMax(p.Second)) / (double)logits.Length;

    /// <summary>Equalizes with ReLU6 maxima from a min/max calibration of the float graph, as the packer does.</summary>
    public EqualizationResult Equalize(Graph graph)
    {
        var statistics = ActivationCalibrator.Run(graph, Calibration, CalibrationMethod.MinMax);
        return CrossLayerEqualization.Run(graph, statistics.Channels.ToDictionary(kv => kv.Key, kv => kv.Value.Maxima));
    }
}
