using EdgeQ.Host.Calibration;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

/// <summary>How to turn calibration statistics into int8 parameters.</summary>
public sealed record QuantizationSettings(
    WeightGranularity Granularity = WeightGranularity.PerChannel,
    int WeightBits = 8,
    CalibrationMethod Method = CalibrationMethod.Percentile,
    double Percentile = 99.99);

/// <summary>
/// The int8 parameters of a graph: a quantization for every stored activation, for the pre-activation tensors that
/// feed a lookup table, and int8 weights / int32 biases for every conv and gemm. Lowering writes it out unchanged;
/// bias correction edits the layers' biases.
/// </summary>
public sealed class QuantizationPlan
{
    internal QuantizationPlan(Graph graph, Dictionary<Value, AffineQuantization> activations,
        Dictionary<Node, AffineQuantization> preActivations, Dictionary<Node, QuantizedLayer> layers)
    {
        Graph = graph;
        Activations = activations;
        PreActivations = preActivations;
        Layers = layers;
    }

    public Graph Graph { get; }
    public IReadOnlyDictionary<Value, AffineQuantization> Activations { get; }
    public IReadOnlyDictionary<Node, AffineQuantization> PreActivations { get; }
    public IReadOnlyDictionary<Node, QuantizedLayer> Layers { get; }

    /// <summary>The output-channel axis of a layer's weights in the IR layout (conv OHWI, depthwise 1HWC, gemm OI, deconv IHWO).</summary>
    public static int WeightChannelAxis(Node layer) => layer switch
    {
        ConvNode { IsDepthwise: true } => 3,
        ConvNode or FullyConnectedNode => 0,
        ConvTransposeNode => 3,
        _ => throw new ArgumentException($"{layer} has no weights"),
    };

    public static (TensorData Weights, float[] Bias) FloatParameters(Node layer) => layer switch
    {
        ConvNode conv => (conv.Weights, conv.Bias),
        ConvTransposeNode deconv => (deconv.Weights, deconv.Bias),
        FullyConnectedNode fc => (fc.Weights, fc.Bias),
        _ => throw new ArgumentException($"{layer} has no weights"),
    };

    /// <summary>
    /// Derives the plan. <paramref name="inputRange"/> is the graph input's real range (fixed by the preprocessing,
    /// not calibrated). Tensors the runtime only moves (max pool, pad, concat, resize, reshape) share one quantization
    /// with their inputs, so they stay pure int8 copies; such a group takes the union of its members' ranges.
    /// </summary>
    public static QuantizationPlan Create(Graph graph, CalibrationStatistics statistics, QuantizationSettings settings, (double Low, double High) inputRange)
    {
        var groups = new ValueGroups();
        foreach (var node in graph.Nodes)
            if (node is PoolNode { Kind: PoolKind.Max } or PadNode or ConcatNode or ResizeNode or ReshapeNode)
                foreach (var v in node.Inputs.Where(v => !v.IsConstant)) groups.Union(v, node.Output);

        var ranges = new Dictionary<Value, (double Low, double High)>();
        void Widen(Value member, (double Low, double High) range)
        {
            var root = groups.Find(member);
            ranges[root] = ranges.TryGetValue(root, out var r) ? (Math.Min(r.Low, range.Low), Math.Max(r.High, range.High)) : range;
        }
        Widen(graph.Inputs[0], inputRange);
        foreach (var (value, stats) in statistics.Tensors) Widen(value, stats.Range(settings.Method, settings.Percentile));

        var activations = new Dictionary<Value, AffineQuantization>();
        foreach (var value in statistics.Tensors.Keys.Append(graph.Inputs[0]))
        {
            var root = groups.Find(value);
            var (low, high) = ranges[root];
            activations[value] = double.IsFinite(low) && double.IsFinite(high)
                ? AffineQuantization.FromRange(low, high)
                : throw new InvalidOperationException($"'{value.Name}' reached [{low}, {high}] during calibration: the float model overflows on these images");
        }
        var preActivations = statistics.PreActivations.ToDictionary(kv => kv.Key, kv => kv.Value.Quantization(settings.Method, settings.Percentile));

        var layers = new Dictionary<Node, QuantizedLayer>();
        foreach (var node in graph.Nodes.Where(n => n is ConvNode or ConvTransposeNode or FullyConnectedNode))
        {
            var (weights, bias) = FloatParameters(node);
            try
            {
                layers[node] = QuantizedLayer.Quantize(weights, WeightChannelAxis(node), bias, activations[node.Input],
                    settings.Granularity, settings.WeightBits);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"{node}: {e.Message}", e);
            }
        }
        return new QuantizationPlan(graph, activations, preActivations, layers);
    }

    /// <summary>Union-find over values.</summary>
    private sealed class ValueGroups
    {
        private readonly Dictionary<Value, Value> parent = [];

        public Value Find(Value v)
        {
            while (parent.TryGetValue(v, out var p) && p != v) v = p;
            return v;
        }

        public void Union(Value a, Value b)
        {
            Value ra = Find(a), rb = Find(b);
            if (ra != rb) parent[rb] = ra;
        }
    }
}
