using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Folds a BatchNormalization into the Conv/ConvTranspose/Gemm producing its input: W'[o] = W[o] * s[o],
/// b'[o] = b[o] * s[o] + t[o]. A 4-D channel BatchNormalization with no such producer (after a Concat, a Resize, an
/// activation) becomes its per-channel affine y = s[c] * x + t[c] as a 1x1 depthwise convolution, an op the int8
/// runtime has. Runs before activation fusion (Conv -> BN -> Relu, BN -> Relu).
/// </summary>
public static class FoldBatchNormalization
{
    public static int Run(Graph graph)
    {
        int folded = 0;
        foreach (var bn in graph.Nodes.OfType<BatchNormalizationNode>().ToList())
        {
            var producer = graph.Producer(bn.Input);
            if (producer is not IFusedActivation { Activation.Kind: ActivationKind.None } || !graph.HasSingleUse(bn.Input)
                || bn.Axis != OutputChannelAxis(producer) || !ScaleOutputChannels(producer, bn.Scale))
            {
                if (bn is { Axis: 1, Input.Rank: 4 }) graph.Nodes[graph.Nodes.IndexOf(bn)] = AsDepthwiseConvolution(bn);
                continue;
            }
            float[] bias = producer switch { ConvNode c => c.Bias, ConvTransposeNode t => t.Bias, FullyConnectedNode f => f.Bias, _ => [] };
            for (int o = 0; o < bias.Length; o++) bias[o] = bias[o] * bn.Scale[o] + bn.Shift[o];
            graph.Bypass(bn);
            folded++;
        }
        return folded;
    }

    /// <summary>The BatchNormalization (NCHW, channel axis 1) as y[c] = s[c] * x[c] + t[c]: a 1x1 depthwise conv.</summary>
    private static ConvNode AsDepthwiseConvolution(BatchNormalizationNode bn)
    {
        int channels = bn.Scale.Length;
        var conv = new ConvNode(bn.Name)
        {
            // Depthwise [1,KH,KW,C] with KH = KW = 1 (for one channel, OHWI [1,1,1,1]: the same numbers).
            Weights = TensorData.FromFloats([1, 1, 1, channels], (float[])bn.Scale.Clone()),
            Bias = (float[])bn.Shift.Clone(),
            Window = new Window(1, 1),
            Group = channels,
        };
        conv.Inputs.Add(bn.Input);
        conv.Outputs.Add(bn.Output);
        return conv;
    }

    private static int OutputChannelAxis(Node producer) => producer switch
    {
        SpatialNode spatial => spatial.DataLayout == Layout.Nhwc ? 3 : 1,
        _ => producer.Output.Rank - 1,
    };

    /// <summary>Multiplies the weights of output channel o by scale[o]; false for a layer kind without weights.</summary>
    internal static bool ScaleOutputChannels(Node producer, float[] scale)
    {
        switch (producer)
        {
            case ConvNode conv:
                conv.Weights = Scaled(conv.Weights, i => conv.IsDepthwise
                    ? i % conv.OutChannels                              // [1,KH,KW,C]: channel innermost
                    : i / (conv.Weights.Length / conv.OutChannels), scale); // [O,KH,KW,I]: channel outermost
                return true;
            case ConvTransposeNode deconv:
            {
                int perGroupOut = deconv.OutChannels / deconv.Group, cinPerGroup = deconv.Weights.Shape[0] / deconv.Group;
                int rowSize = deconv.Weights.Length / deconv.Weights.Shape[0];
                // [I,KH,KW,Og]: input channel i belongs to group i / (I/G); element -> output channel g*Og + o.
                deconv.Weights = Scaled(deconv.Weights, i => i / rowSize / cinPerGroup * perGroupOut + i % perGroupOut, scale);
                return true;
            }
            case FullyConnectedNode fc:
                fc.Weights = Scaled(fc.Weights, i => i / fc.InFeatures, scale); // [M,K]
                return true;
            default:
                return false;
        }
    }

    private static TensorData Scaled(TensorData weights, Func<int, int> channelOf, float[] scale)
    {
        var src = weights.Floats;
        var dst = new float[src.Length];
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] * scale[channelOf(i)];
        return TensorData.FromFloats(weights.Shape, dst);
    }
}
