using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Resolves shape-only ops that are layout no-ops: a Transpose that only moves size-1 axes becomes a Reshape,
/// consecutive Transposes compose (and vanish when they cancel), consecutive Reshapes merge, and a Reshape to the
/// shape it already has is removed. Reshapes never move data in the executor or the runtime.
/// </summary>
public static class SimplifyLayout
{
    public static int Run(Graph graph)
    {
        int total = 0, changed;
        do
        {
            changed = 0;
            foreach (var node in graph.Nodes.ToList())
            {
                if (!graph.Nodes.Contains(node)) continue;
                if (Simplify(graph, node)) changed++;
            }
            total += changed;
        } while (changed > 0);
        return total;
    }

    private static bool Simplify(Graph graph, Node node)
    {
        switch (node)
        {
            case TransposeNode transpose when Shapes.IsLayoutNoOp(transpose.Input.Shape, transpose.Perm):
                Replace(graph, transpose, new ReshapeNode(transpose.Name) { TargetShape = transpose.Output.Shape });
                return true;
            case TransposeNode second when graph.Producer(second.Input) is TransposeNode first && graph.HasSingleUse(first.Output):
                second.Perm = second.Perm.Select(p => first.Perm[p]).ToArray();
                second.Inputs[0] = first.Input;
                graph.Nodes.Remove(first);
                if (second.Perm.Select((p, i) => p == i).All(x => x)) graph.Bypass(second);
                return true;
            case ReshapeNode second when graph.Producer(second.Input) is ReshapeNode first && graph.HasSingleUse(first.Output):
                second.Inputs[0] = first.Input;
                graph.Nodes.Remove(first);
                return true;
            case ReshapeNode reshape when reshape.Input.Shape.SequenceEqual(reshape.TargetShape):
                return graph.Bypass(reshape);
            default:
                return false;
        }
    }

    private static void Replace(Graph graph, Node old, Node replacement)
    {
        replacement.Inputs.AddRange(old.Inputs);
        replacement.Outputs.AddRange(old.Outputs);
        graph.Nodes[graph.Nodes.IndexOf(old)] = replacement;
    }
}
