using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;

namespace EdgeQ.Host.Training;

/// <summary>
/// A graph whose conv and gemm biases are trainable: a forward pass that keeps what the backward pass needs, and
/// a backward pass that gives the gradient of a squared-error loss on the first output with respect to every bias.
/// Weights stay fixed. <see cref="FakeQuantized"/> simulates the int8 network in float (quantized weights, every
/// requantization rounded onto its int8 grid, straight-through estimator); <see cref="Float"/> is the float model
/// itself (for gradient checks). One sample per call; calls may run in parallel between bias updates.
/// </summary>
public sealed class TrainableGraph
{
    private readonly Graph graph;
    private readonly TrainableOp[] ops;
    private readonly OutputStage?[] stages;
    private readonly OutputStage? inputStage;
    private readonly int[] layerOf;
    /// <summary>Values whose gradient is needed: those computed from a trainable bias.</summary>
    private readonly HashSet<Value> dependsOnBias = [];

    private TrainableGraph(Graph graph, List<Node> layers, IReadOnlyList<TensorData> weights, IReadOnlyList<float[]> biases,
        Func<Node, OutputStage?> stageOf, OutputStage? inputStage, Func<Value, TensorData> constant)
    {
        if (graph.Inputs.Count != 1) throw new NotSupportedException($"bias fine-tuning needs a graph with one input, not {graph.Inputs.Count}");
        this.graph = graph;
        this.inputStage = inputStage;
        Layers = layers;
        Biases = biases;
        layerOf = graph.Nodes.Select(n => layers.IndexOf(n)).ToArray();
        ops = graph.Nodes.Select((n, i) => n.Outputs.Count != 1
            ? throw new NotSupportedException($"{n}: bias fine-tuning has no gradient for ops with several outputs")
            : TrainableOp.For(n, layerOf[i] >= 0 ? weights[layerOf[i]] : null, layerOf[i] >= 0 ? biases[layerOf[i]] : null, constant)).ToArray();
        stages = graph.Nodes.Select(stageOf).ToArray();
        foreach (var (node, i) in graph.Nodes.Select((n, i) => (n, i)))
            if (layerOf[i] >= 0 || node.Inputs.Any(dependsOnBias.Contains)) dependsOnBias.Add(node.Output);
    }

    /// <summary>The conv and gemm layers, in graph order.</summary>
    public IReadOnlyList<Node> Layers { get; }
    /// <summary>Per layer, its bias in real units; training updates these arrays in place.</summary>
    public IReadOnlyList<float[]> Biases { get; }

    /// <summary>The float model with its own weights; biases start as copies of the graph's.</summary>
    public static TrainableGraph Float(Graph graph)
    {
        var layers = LayersOf(graph);
        return new TrainableGraph(graph, layers, layers.Select(l => QuantizationPlan.FloatParameters(l).Weights).ToList(),
            layers.Select(l => (float[])QuantizationPlan.FloatParameters(l).Bias.Clone()).ToList(),
            node => (node is ActivationNode act ? act.Activation : NodeKernels.FusedActivation(node)) is { Kind: not ActivationKind.None } a
                ? OutputStage.Float(a) : null,
            null, v => v.Constant!);
    }

    /// <summary>
    /// The int8 network of <paramref name="plan"/> simulated in float: weights at their quantized values, biases
    /// starting at the plan's int32 biases in real units, and every tensor the runtime requantizes rounded onto its
    /// int8 grid as <c>EqmLowering</c> lowers it (constant operands quantized per tensor over their own range).
    /// </summary>
    public static TrainableGraph FakeQuantized(QuantizationPlan plan)
    {
        var graph = plan.Graph;
        var layers = LayersOf(graph);
        foreach (var layer in layers)
            if (!plan.Layers.ContainsKey(layer)) throw new ArgumentException($"{layer} is not in the quantization plan");
        return new TrainableGraph(graph, layers, layers.Select(l => plan.Layers[l].Weights.Dequantize()).ToList(),
            layers.Select(l => plan.Layers[l].DequantizedBias()).ToList(), node => QuantizedStage(plan, node),
            new OutputStage(null, Activation.None, Int8Grid.Full(plan.Activations[graph.Inputs[0]])), QuantizedConstant);
    }

    private static List<Node> LayersOf(Graph graph)
    {
        if (graph.Nodes.OfType<ConvTransposeNode>().FirstOrDefault() is { } deconv)
            throw new NotSupportedException($"{deconv}: bias fine-tuning has no gradient for ConvTranspose");
        return graph.Nodes.Where(n => n is ConvNode or FullyConnectedNode).ToList();
    }

    /// <summary>The int8 lowering's requantizations: ops that compute new values requantize, data movement does not.</summary>
    private static OutputStage? QuantizedStage(QuantizationPlan plan, Node node)
    {
        var output = plan.Activations[node.Output];
        if (node is ActivationNode act) return new OutputStage(null, act.Activation, Int8Grid.Full(output));
        if (node is not (ConvNode or FullyConnectedNode or BinaryNode or ReduceNode or PoolNode { Kind: PoolKind.Average })) return null;
        var activation = NodeKernels.FusedActivation(node);
        if (AffineQuantization.IsClamp(activation))
        {
            var clamp = output.ClampFor(activation);
            return new OutputStage(null, Activation.None, new Int8Grid(output, clamp.Min, clamp.Max));
        }
        return new OutputStage(Int8Grid.Full(plan.PreActivations[node]), activation, Int8Grid.Full(output));
    }

    /// <summary>A constant Add/Mul operand as the lowering stores it: int8 per tensor over its own range.</summary>
    private static TensorData QuantizedConstant(Value value)
    {
        var values = value.Constant!.Floats;
        var q = AffineQuantization.FromRange(values.Min(), values.Max());
        return TensorData.FromFloats(value.Shape, values.Select(x => q.Dequantize(q.Quantize(x))).ToArray());
    }

    /// <summary>
    /// Mean squared error of the first output against <paramref name="target"/> for one sample; adds its gradient
    /// with respect to every bias into <paramref name="biasGradients"/> (one array per layer, as <see cref="Biases"/>).
    /// </summary>
    public double SquaredError(TensorData input, float[] target, float[][] biasGradients)
    {
        var tape = Forward(input);
        var output = tape.Values[graph.Outputs[0]].Floats;
        if (output.Length != target.Length) throw new ArgumentException($"target has {target.Length} values, the output {output.Length}");
        var outputGradient = new float[output.Length];
        double loss = 0;
        for (int i = 0; i < output.Length; i++)
        {
            float error = output[i] - target[i];
            loss += error * error;
            outputGradient[i] = 2 * error / output.Length;
        }
        Backward(tape, TensorData.FromFloats(graph.Outputs[0].Shape, outputGradient), biasGradients);
        return loss / output.Length;
    }

    /// <summary>Every value of one forward pass and, per node with an output stage, dy/dz of that stage.</summary>
    private sealed record Tape(Dictionary<Value, TensorData> Values, float[]?[] StageDerivatives);

    private Tape Forward(TensorData input)
    {
        var values = new Dictionary<Value, TensorData>();
        var derivatives = new float[]?[ops.Length];
        var image = TensorData.FromFloats(input.Shape, (float[])input.Floats.Clone());
        inputStage?.Apply(image.Floats, new float[image.Length]);
        values[graph.Inputs[0]] = image;
        for (int i = 0; i < ops.Length; i++)
        {
            var node = graph.Nodes[i];
            var result = ops[i].Forward(node.Inputs.Select(v => v.Constant ?? values[v]).ToArray());
            if (stages[i] is { } stage)
            {
                derivatives[i] = new float[result.Length];
                stage.Apply(result.Floats, derivatives[i]);
            }
            values[node.Output] = result;
        }
        return new Tape(values, derivatives);
    }

    private void Backward(Tape tape, TensorData outputGradient, float[][] biasGradients)
    {
        var gradients = new Dictionary<Value, TensorData> { [graph.Outputs[0]] = outputGradient };
        for (int i = ops.Length - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (!gradients.Remove(node.Output, out var gradient)) continue;
            if (tape.StageDerivatives[i] is { } derivative)
            {
                var through = new float[gradient.Length];
                for (int k = 0; k < through.Length; k++) through[k] = gradient.Floats[k] * derivative[k];
                gradient = TensorData.FromFloats(gradient.Shape, through);
            }
            if (layerOf[i] >= 0) AddChannelSums(gradient.Floats, biasGradients[layerOf[i]]);
            var inputs = node.Inputs.Select(v => v.Constant ?? tape.Values[v]).ToArray();
            var needed = node.Inputs.Select(dependsOnBias.Contains).ToArray();
            if (!needed.Contains(true)) continue;
            var inputGradients = ops[i].Backward(inputs, tape.Values[node.Output], gradient, needed);
            for (int k = 0; k < inputGradients.Length; k++)
            {
                if (!needed[k] || inputGradients[k] is not { } g) continue;
                var value = node.Inputs[k];
                gradients[value] = gradients.TryGetValue(value, out var sum) ? Elementwise.Binary(BinaryKind.Add, sum, g) : g;
            }
        }
    }

    /// <summary>dL/db[c] = sum over all positions of dL/dz[..., c] (channels are the last, contiguous axis).</summary>
    private static void AddChannelSums(float[] gradient, float[] channelSums)
    {
        int channels = channelSums.Length;
        for (int p = 0; p < gradient.Length; p += channels)
            System.Numerics.Tensors.TensorPrimitives.Add(channelSums, gradient.AsSpan(p, channels), channelSums);
    }
}
