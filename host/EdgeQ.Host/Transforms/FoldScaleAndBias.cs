using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Folds a Mul or an Add by a per-output-channel constant (or a scalar) into the Conv/ConvTranspose/Gemm it follows:
/// a Mul scales the layer's weights and bias (W'[o] = W[o]·s[o], b'[o] = b[o]·s[o]), an Add shifts its bias. Exporters
/// write such affine steps as separate ops: Paddle2ONNX a ConvTranspose bias as an Add, PP-LCNet (PaddleOCR det) its
/// learnable affine blocks as Conv -> Mul(scalar) -> Add(scalar) before the activation, which would otherwise run as
/// full int8 passes. Runs before BatchNorm folding, so a BN after them still folds into the layer.
/// </summary>
public static class FoldScaleAndBias
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var binary in graph.Nodes.OfType<BinaryNode>().Where(b => b is { Kind: BinaryKind.Add or BinaryKind.Mul, Activation.Kind: ActivationKind.None }).ToList())
        {
            if (binary.Inputs.Count(v => v.IsConstant) != 1) continue;
            var (layerOutput, constant) = binary.Inputs[0].IsConstant ? (binary.Inputs[1], binary.Inputs[0]) : (binary.Inputs[0], binary.Inputs[1]);
            var layer = graph.Producer(layerOutput);
            if (layer is not IFusedActivation { Activation.Kind: ActivationKind.None } || !graph.HasSingleUse(layerOutput)) continue;
            float[]? bias = layer switch { ConvNode c => c.Bias, ConvTransposeNode t => t.Bias, FullyConnectedNode f => f.Bias, _ => null };
            if (bias is null || !PerChannel(constant.Constant!.Shape, layerOutput.Rank, ChannelAxis(layer), bias.Length)) continue;
            var values = constant.Constant.Floats;
            var perChannel = values.Length == 1 ? Enumerable.Repeat(values[0], bias.Length).ToArray() : values;
            if (binary.Kind == BinaryKind.Mul)
            {
                if (!FoldBatchNormalization.ScaleOutputChannels(layer, perChannel)) continue;
                for (int o = 0; o < bias.Length; o++) bias[o] *= perChannel[o];
            }
            else
            {
                for (int o = 0; o < bias.Length; o++) bias[o] += perChannel[o];
            }
            if (binary.Inputs[0] != layerOutput) binary.Inputs.Reverse();   // Bypass passes Inputs[0] on; both ops commute
            graph.Bypass(binary);
            folded++;
        }
        return folded;
    }

    private static int ChannelAxis(Node layer) => layer is SpatialNode { DataLayout: Layout.Plain } ? 1
        : layer is SpatialNode ? 3 : layer.Output.Rank - 1;

    /// <summary>A scalar, or a constant that broadcasts (right-aligned) to <paramref name="rank"/> with
    /// <paramref name="channels"/> values along <paramref name="axis"/> and 1 elsewhere: it changes nothing but the
    /// layer's per-channel weights and bias, and keeps the layer's output shape.</summary>
    private static bool PerChannel(int[] shape, int rank, int axis, int channels)
    {
        if (shape.Length > rank) return false;
        if (shape.All(d => d == 1)) return true;
        int offset = rank - shape.Length;
        return Enumerable.Range(0, shape.Length).All(i => shape[i] == (i + offset == axis ? channels : 1));
    }
}
