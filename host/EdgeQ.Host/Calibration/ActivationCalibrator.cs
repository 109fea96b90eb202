using System.Numerics.Tensors;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;

namespace EdgeQ.Host.Calibration;

/// <summary>What calibration saw of one tensor: its extremes and, for histogram methods, its distribution.</summary>
public sealed class TensorStatistics
{
    private readonly Lock gate = new();
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public Histogram? Histogram { get; private set; }

    internal void AddExtremes(ReadOnlySpan<float> values)
    {
        float min = TensorPrimitives.Min(values), max = TensorPrimitives.Max(values);
        lock (gate)
        {
            Min = Math.Min(Min, min);
            Max = Math.Max(Max, max);
        }
    }

    /// <summary>Bins over the observed range widened to 0 (quantized ranges contain 0); none for a constant-zero tensor.</summary>
    internal void StartHistogram()
    {
        double low = Math.Min(Min, 0), high = Math.Max(Max, 0);
        Histogram = high > low ? new Histogram(low, high) : null;
    }

    internal void AddToHistogram(ReadOnlySpan<float> values)
    {
        if (Histogram is null) return;
        var local = new Histogram(Histogram.Min, Histogram.Max, Histogram.Bins);
        local.Add(values);
        lock (gate) Histogram.Merge(local);
    }

    /// <summary>The clipping range the method picks (before 0 is added to it).</summary>
    public (double Low, double High) Range(CalibrationMethod method, double percentile) => method switch
    {
        _ when Histogram is null => (Min, Max),
        CalibrationMethod.MinMax => (Min, Max),
        CalibrationMethod.Percentile => RangeEstimators.Percentile(Histogram, percentile),
        CalibrationMethod.Mse => RangeEstimators.MinimumMse(Histogram),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public AffineQuantization Quantization(CalibrationMethod method, double percentile)
    {
        var (low, high) = Range(method, percentile);
        return AffineQuantization.FromRange(low, high);
    }
}

/// <summary>Per-channel mean and maximum of a layer's output before its activation (NHWC: the last axis is the channel).</summary>
public sealed class ChannelStatistics
{
    private readonly Lock gate = new();
    private readonly double[] sums;
    private readonly float[] maxima;
    private long count;

    public ChannelStatistics(int channels)
    {
        sums = new double[channels];
        maxima = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
    }

    public int Channels => sums.Length;
    public long Count => count;
    public double[] Means => sums.Select(s => count == 0 ? 0 : s / count).ToArray();
    public float[] Maxima => (float[])maxima.Clone();

    internal void Add(ReadOnlySpan<float> values)
    {
        int channels = sums.Length;
        var localSums = new double[channels];
        var localMaxima = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            localSums[i % channels] += values[i];
            localMaxima[i % channels] = Math.Max(localMaxima[i % channels], values[i]);
        }
        lock (gate)
        {
            for (int c = 0; c < channels; c++)
            {
                sums[c] += localSums[c];
                maxima[c] = Math.Max(maxima[c], localMaxima[c]);
            }
            count += values.Length / channels;
        }
    }
}

/// <summary>Everything calibration measured, keyed by IR value (stored activations) or node (pre-activation).</summary>
public sealed class CalibrationStatistics
{
    /// <summary>Every float tensor the int8 runtime stores: node outputs after their fused activation.</summary>
    public Dictionary<Value, TensorStatistics> Tensors { get; } = [];
    /// <summary>
    /// Pre-activation outputs of nodes whose fused activation becomes a lookup table (hard-swish, sigmoid, ...): the
    /// runtime stores that tensor too, between the layer and its LUT.
    /// </summary>
    public Dictionary<Node, TensorStatistics> PreActivations { get; } = [];
    /// <summary>Per-channel pre-activation means and maxima of the layers with a bias (conv, transposed conv, gemm).</summary>
    public Dictionary<Node, ChannelStatistics> Channels { get; } = [];
    public int Samples { get; internal set; }
}

/// <summary>
/// Runs the float executor over calibration samples and records activation statistics: a first pass for extremes
/// and channel statistics, a second for histograms when the method needs them (their bins span the first pass's range).
/// </summary>
public static class ActivationCalibrator
{
    public const int BatchSize = 8;

    public static CalibrationStatistics Run(Graph graph, ICalibrationData data, CalibrationMethod method, Action<double>? reportFraction = null)
    {
        if (graph.Inputs.Count != 1) throw new NotSupportedException($"calibration needs a graph with one input, this one has {graph.Inputs.Count}");
        if (data.Count == 0) throw new ArgumentException("no calibration samples");
        var stats = new CalibrationStatistics { Samples = data.Count };
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs.Where(v => v.Type == ElementType.Float32)) stats.Tensors[output] = new TensorStatistics();
            if (!AffineQuantization.IsClamp(NodeKernels.FusedActivation(node))) stats.PreActivations[node] = new TensorStatistics();
            if (node is ConvNode or ConvTransposeNode or FullyConnectedNode) stats.Channels[node] = new ChannelStatistics(node.Output.Shape[^1]);
        }
        var executor = new FloatExecutor(graph);
        bool histograms = method != CalibrationMethod.MinMax;
        double passes = histograms ? 2 : 1;

        TensorStatistics? Target(in TensorObservation o) =>
            o.PreActivation ? stats.PreActivations.GetValueOrDefault(o.Node) : stats.Tensors.GetValueOrDefault(o.Value);
        void FirstPass(in TensorObservation o)
        {
            var values = o.Tensor.Floats.AsSpan();
            bool preActivation = o.PreActivation || NodeKernels.FusedActivation(o.Node).Kind == ActivationKind.None;
            if (preActivation && o.Value == o.Node.Output && stats.Channels.TryGetValue(o.Node, out var channels)) channels.Add(values);
            Target(o)?.AddExtremes(values);
        }
        void SecondPass(in TensorObservation o) => Target(o)?.AddToHistogram(o.Tensor.Floats);

        RunAll(executor, data, FirstPass, done => reportFraction?.Invoke(done / passes));
        if (histograms)
        {
            foreach (var s in stats.Tensors.Values.Concat(stats.PreActivations.Values)) s.StartHistogram();
            RunAll(executor, data, SecondPass, done => reportFraction?.Invoke((1 + done) / passes));
        }
        return stats;
    }

    private static void RunAll(FloatExecutor executor, ICalibrationData data, TensorObserver observer, Action<double> reportFraction)
    {
        string input = executor.Graph.Inputs[0].Name;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, data.Count - start);
            var batch = Enumerable.Range(start, count).AsParallel().AsOrdered()
                .Select(i => (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { [input] = data.Load(i) })
                .ToList();
            executor.RunBatch(batch, observer);
            reportFraction((start + count) / (double)data.Count);
        }
    }
}
