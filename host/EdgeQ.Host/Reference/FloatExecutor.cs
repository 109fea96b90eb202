using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>One tensor the executor produced, handed to an observer before it is released.</summary>
/// <param name="Sample">Index of the sample in a batch run (0 for <see cref="FloatExecutor.Run"/>).</param>
/// <param name="PreActivation">True for the output of a node with a fused activation, before the activation.</param>
public readonly record struct TensorObservation(int Sample, Node Node, Value Value, bool PreActivation, TensorData Tensor);

/// <summary>Receives intermediate tensors. In batch runs it is called from several threads at once.</summary>
public delegate void TensorObserver(in TensorObservation observation);

/// <summary>
/// Float32 reference executor for an NHWC IR graph: the numbers calibration and bias correction compare against.
/// Kernels are prepared once per graph; runs are independent, so batches run samples in parallel.
/// </summary>
public sealed class FloatExecutor
{
    private readonly Graph graph;
    private readonly NodeKernel[] kernels;
    private readonly Value[][] releaseAfter;

    public FloatExecutor(Graph graph)
    {
        this.graph = graph;
        kernels = graph.Nodes.Select(NodeKernels.Prepare).ToArray();
        // Index of the last node reading each value, so intermediates are released as soon as possible.
        var last = new Dictionary<Value, int>();
        for (int i = 0; i < graph.Nodes.Count; i++)
            foreach (var v in graph.Nodes[i].Inputs) last[v] = i;
        releaseAfter = graph.Nodes.Select((n, i) => last.Where(kv => kv.Value == i && !kv.Key.IsConstant && !graph.IsGraphOutput(kv.Key))
            .Select(kv => kv.Key).ToArray()).ToArray();
    }

    public Graph Graph => graph;

    /// <summary>Runs one sample. Inputs are keyed by graph input name, in the value's layout (NHWC for 4-D images).</summary>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs, TensorObserver? observer = null, int sample = 0)
    {
        var values = new Dictionary<Value, TensorData>();
        foreach (var input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var tensor)) throw new ArgumentException($"missing input '{input.Name}'");
            if (!tensor.Shape.SequenceEqual(input.Shape))
                throw new ArgumentException($"input '{input.Name}' has shape {Shapes.Format(tensor.Shape)}, the graph expects {Shapes.Format(input.Shape)} ({input.Layout})");
            values[input] = tensor;
        }
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            var args = node.Inputs.Select(v => v.Constant ?? values[v]).ToArray();
            var results = kernels[i](args);
            var activation = NodeKernels.FusedActivation(node);
            if (activation.Kind != ActivationKind.None)
            {
                observer?.Invoke(new TensorObservation(sample, node, node.Output, true, results[0]));
                // Pre-activation results are fresh buffers, so the activation may run in place.
                if (observer is not null) results[0] = TensorData.FromFloats(results[0].Shape, (float[])results[0].Floats.Clone());
                activation.Apply(results[0].Floats);
            }
            for (int k = 0; k < results.Length; k++)
            {
                values[node.Outputs[k]] = results[k];
                observer?.Invoke(new TensorObservation(sample, node, node.Outputs[k], false, results[k]));
            }
            foreach (var v in releaseAfter[i]) values.Remove(v);
        }
        return graph.Outputs.ToDictionary(v => v.Name, v => v.Constant ?? values[v]);
    }

    /// <summary>Runs a batch of samples, in parallel across cores; results are in sample order.</summary>
    public Dictionary<string, TensorData>[] RunBatch(IReadOnlyList<IReadOnlyDictionary<string, TensorData>> samples, TensorObserver? observer = null)
    {
        var results = new Dictionary<string, TensorData>[samples.Count];
        Parallel.For(0, samples.Count, i => results[i] = Run(samples[i], observer, i));
        return results;
    }

    /// <summary><see cref="RunBatch(IReadOnlyList{IReadOnlyDictionary{string, TensorData}}, TensorObserver?)"/> for
    /// a graph's first input, one tensor per sample.</summary>
    public Dictionary<string, TensorData>[] RunBatch(IReadOnlyList<TensorData> firstInputs, TensorObserver? observer = null) =>
        RunBatch(firstInputs.Select(x => (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { [graph.Inputs[0].Name] = x }).ToList(),
            observer);
}
