using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Evaluates nodes whose inputs are all constant (and Shape nodes, whose input shapes are static) with the float
/// executor's own kernels, so Shape/Gather/Concat/Unsqueeze chains become the static shapes Reshape needs.
/// The importer applies it node by node as it reads the graph; <see cref="Run"/> applies it to a whole graph.
/// </summary>
public static class ConstantFolding
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var node in graph.Nodes.ToList())
            if (TryFold(graph, node) is not null) folded++;
        return folded;
    }

    /// <summary>Folds one node; returns the constants that replaced its outputs, or null when it is not foldable.</summary>
    public static Value[]? TryFold(Graph graph, Node node)
    {
        // Spatial kernels run NHWC only, and constant images do not occur in CNN graphs.
        if (node is SpatialNode) return null;
        if (node is not ShapeNode && (node.Inputs.Count == 0 || !node.Inputs.All(v => v.IsConstant))) return null;
        var results = NodeKernels.Prepare(node)(node.Inputs.Select(v => v.Constant!).ToArray());
        var activation = NodeKernels.FusedActivation(node);
        if (activation.Kind != ActivationKind.None) activation.Apply(results[0].Floats);
        graph.Nodes.Remove(node);
        var constants = new Value[results.Length];
        for (int k = 0; k < results.Length; k++)
        {
            var output = node.Outputs[k];
            constants[k] = Value.FromConstant(output.Name, results[k]);
            graph.ReplaceUses(output, constants[k]);
            int outputIndex = graph.Outputs.IndexOf(output);
            if (outputIndex >= 0) graph.Outputs[outputIndex] = constants[k];
        }
        return constants;
    }
}
