using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Folds an Add of a per-output-channel constant (or a scalar) into the bias of the Conv/ConvTranspose/Gemm it follows:
/// exporters such as Paddle2ONNX write a ConvTranspose bias as a separate Add. Runs before BatchNorm folding, so a BN
/// after that Add still folds into the layer.
/// </summary>
public static class FoldBiasAdd
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var add in graph.Nodes.OfType<BinaryNode>().Where(b => b is { Kind: BinaryKind.Add, Activation.Kind: ActivationKind.None }).ToList())
        {
            if (add.Inputs.Count(v => v.IsConstant) != 1) continue;
            var (layerOutput, constant) = add.Inputs[0].IsConstant ? (add.Inputs[1], add.Inputs[0]) : (add.Inputs[0], add.Inputs[1]);
            var layer = graph.Producer(layerOutput);
            if (layer is not IFusedActivation { Activation.Kind: ActivationKind.None } || !graph.HasSingleUse(layerOutput)) continue;
            float[]? bias = layer switch { ConvNode c => c.Bias, ConvTransposeNode t => t.Bias, FullyConnectedNode f => f.Bias, _ => null };
            if (bias is null || !PerChannel(constant.Constant!.Shape, layerOutput.Rank, ChannelAxis(layer), bias.Length)) continue;
            var values = constant.Constant.Floats;
            for (int o = 0; o < bias.Length; o++) bias[o] += values.Length == 1 ? values[0] : values[o];
            graph.Bypass(add);
            folded++;
        }
        return folded;
    }

    private static int ChannelAxis(Node layer) => layer is SpatialNode { DataLayout: Layout.Plain } ? 1
        : layer is SpatialNode ? 3 : layer.Output.Rank - 1;

    /// <summary>A scalar, or a constant that broadcasts (right-aligned) to <paramref name="rank"/> with
    /// <paramref name="channels"/> values along <paramref name="axis"/> and 1 elsewhere: it changes nothing but the
    /// bias, and keeps the layer's output shape.</summary>
    private static bool PerChannel(int[] shape, int rank, int axis, int channels)
    {
        if (shape.Length > rank) return false;
        if (shape.All(d => d == 1)) return true;
        int offset = rank - shape.Length;
        return Enumerable.Range(0, shape.Length).All(i => shape[i] == (i + offset == axis ? channels : 1));
    }
}
