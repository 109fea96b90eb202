using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Fuses Relu, Clip (Relu6), HardSwish, HardSigmoid and Sigmoid into the Conv, ConvTranspose, Gemm or Add producing
/// their input, as the int8 runtime applies them inside those kernels.
/// </summary>
public static class FuseActivations
{
    public static int Run(Graph graph)
    {
        int fused = 0;
        foreach (var act in graph.Nodes.OfType<ActivationNode>().ToList())
        {
            if (!act.Activation.IsFusable || !graph.HasSingleUse(act.Input)) continue;
            var producer = graph.Producer(act.Input);
            if (producer is not IFusedActivation { Activation.Kind: ActivationKind.None } target) continue;
            if (producer is BinaryNode { Kind: not BinaryKind.Add }) continue;
            if (!graph.Bypass(act)) continue;
            target.Activation = act.Activation;
            fused++;
        }
        return fused;
    }
}
