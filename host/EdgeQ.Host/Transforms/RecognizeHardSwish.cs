using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Replaces hard-swish written out in primitive ops by one HardSwish activation, so it can be fused:
/// x * Clip(x + 3, 0, 6) / 6 (PaddlePaddle and opset &lt; 14 exporters) and x * HardSigmoid(x; 1/6, 1/2).
/// Runs before activation fusion (which would otherwise fuse the Clip into the Add).
/// </summary>
public static class RecognizeHardSwish
{
    public static int Run(Graph graph)
    {
        int recognized = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!graph.Nodes.Contains(node)) continue;
            var (x, last) = Match(graph, node);
            if (x is null || last is null) continue;
            var hardSwish = new ActivationNode(last.Name) { Activation = new Activation(ActivationKind.HardSwish) };
            hardSwish.Inputs.Add(x);
            hardSwish.Outputs.Add(last.Output);
            graph.Nodes[graph.Nodes.IndexOf(last)] = hardSwish;
            recognized++;
        }
        graph.RemoveDeadNodes();
        return recognized;
    }

    /// <summary>The input x and the node whose output is hard-swish(x), when `node` ends one of the patterns.</summary>
    private static (Value? X, Node? Last) Match(Graph graph, Node node)
    {
        if (node is BinaryNode { Kind: BinaryKind.Div, Activation.Kind: ActivationKind.None } div && IsScalar(div.Inputs[1], 6)
            && graph.Producer(div.Input) is BinaryNode { Kind: BinaryKind.Mul } mul && graph.HasSingleUse(mul.Output))
        {
            foreach (var (x, gate) in Operands(mul))
                if (graph.Producer(gate) is ActivationNode { Activation: { Kind: ActivationKind.Clip, Alpha: 0, Beta: 6 } } clip
                    && graph.Producer(clip.Input) is BinaryNode { Kind: BinaryKind.Add, Activation.Kind: ActivationKind.None } add
                    && Operands(add).Any(o => o.A == x && IsScalar(o.B, 3)))
                    return (x, div);
        }
        if (node is BinaryNode { Kind: BinaryKind.Mul, Activation.Kind: ActivationKind.None } product)
        {
            foreach (var (x, gate) in Operands(product))
                if (graph.Producer(gate) is ActivationNode { Activation.Kind: ActivationKind.HardSigmoid } sigmoid && sigmoid.Input == x
                    && Math.Abs(sigmoid.Activation.Alpha - 1f / 6) < 1e-6f && sigmoid.Activation.Beta == 0.5f)
                    return (x, product);
        }
        return (null, null);
    }

    private static IEnumerable<(Value A, Value B)> Operands(Node binary) =>
        [(binary.Inputs[0], binary.Inputs[1]), (binary.Inputs[1], binary.Inputs[0])];

    private static bool IsScalar(Value value, float expected) =>
        value.Constant is { Type: ElementType.Float32, Length: 1 } c && c.Floats[0] == expected;
}
