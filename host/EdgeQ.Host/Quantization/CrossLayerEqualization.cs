using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

/// <summary>
/// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight Equalization and Bias
/// Correction"): for consecutive convs y = W2 f(W1 x + b1) with f positively homogeneous (ReLU, or none),
/// f(x / s) = f(x) / s, so dividing output channel i of W1 and b1 by s_i and multiplying input channel i of W2 by
/// s_i leaves the network unchanged. s_i = sqrt(r1_i / r2_i) makes both channel ranges sqrt(r1_i * r2_i), which evens
/// out per-channel ranges before per-tensor weight quantization. Chains (conv -> depthwise -> pointwise -> ...) are
/// swept until the scales settle.
/// </summary>
/// <remarks>
/// ReLU6 (Clip(0, c)) is not homogeneous: after scaling, channel i would need its own clip point c / s_i, and the
/// int8 clamp is per tensor. Like Nagel et al. (section 5, MobileNetV2) and Qualcomm AIMET, an equalized pair's
/// ReLU6 becomes ReLU: the float network changes slightly (values above c are no longer clipped), measured in
/// tests/EdgeQ.Host.Tests/Quantization/EqualizationTests.cs and reported in <see cref="EqualizationResult"/>.
/// </remarks>
public static class CrossLayerEqualization
{
    public const int MaxSweeps = 50;
    /// <summary>A sweep whose scales all lie within this factor of 1 ends the iteration.</summary>
    private const double Settled = 1e-4;

    public static EqualizationResult Run(Graph graph)
    {
        var pairs = FindPairs(graph);
        int sweeps = 0;
        for (bool moved = pairs.Count > 0; moved && sweeps < MaxSweeps; sweeps++)
        {
            moved = false;
            foreach (var (first, second) in pairs) moved |= Equalize(first, second);
        }
        var clipped = pairs.Select(p => p.First).Where(c => c.Activation.Kind == ActivationKind.Clip).ToList();
        foreach (var conv in clipped) conv.Activation = Activation.Relu;
        return new EqualizationResult(pairs.Count, sweeps, clipped.Select(c => c.Name).ToList());
    }

    /// <summary>conv -> (ReLU | ReLU6 | none) -> conv or depthwise (channel multiplier 1), the first read only by the second.</summary>
    public static List<(ConvNode First, ConvNode Second)> FindPairs(Graph graph)
    {
        var pairs = new List<(ConvNode, ConvNode)>();
        foreach (var first in graph.Nodes.OfType<ConvNode>())
        {
            if (!IsHomogeneousOrRelu6(first.Activation) || !graph.HasSingleUse(first.Output)) continue;
            if (graph.Consumers(first.Output) is [ConvNode second] && second.Input == first.Output
                && (second.Group == 1 || second.IsDepthwise && second.OutChannels == second.InChannels))
                pairs.Add((first, second));
        }
        return pairs;
    }

    private static bool IsHomogeneousOrRelu6(Activation a) =>
        a.Kind is ActivationKind.None or ActivationKind.Relu || a is { Kind: ActivationKind.Clip, Alpha: 0, Beta: > 0 };

    /// <summary>One equalization step for a pair; false when every scale was already within <see cref="Settled"/> of 1.</summary>
    private static bool Equalize(ConvNode first, ConvNode second)
    {
        // Output channel i of the first conv is input channel i of the second: axis 3 of both OHWI and 1HWC weights.
        const int secondInputAxis = 3;
        int firstAxis = QuantizationPlan.WeightChannelAxis(first);
        var r1 = WeightQuantizer.ChannelMaxAbs(first.Weights, firstAxis);
        var r2 = WeightQuantizer.ChannelMaxAbs(second.Weights, secondInputAxis);
        var scales = new float[r1.Length];
        bool moved = false;
        for (int i = 0; i < scales.Length; i++)
        {
            scales[i] = r1[i] > 0 && r2[i] > 0 ? (float)Math.Sqrt((double)r1[i] / r2[i]) : 1f;
            moved |= Math.Abs(scales[i] - 1) > Settled;
        }
        if (!moved) return false;
        first.Weights = ScaleChannels(first.Weights, firstAxis, scales, divide: true);
        first.Bias = first.Bias.Select((b, i) => b / scales[i]).ToArray();
        second.Weights = ScaleChannels(second.Weights, secondInputAxis, scales, divide: false);
        return true;
    }

    private static TensorData ScaleChannels(TensorData weights, int axis, float[] scales, bool divide)
    {
        var channelOf = WeightQuantizer.ChannelIndexer(weights.Shape, axis);
        var w = weights.Floats;
        var result = new float[w.Length];
        for (int i = 0; i < w.Length; i++) result[i] = divide ? w[i] / scales[channelOf(i)] : w[i] * scales[channelOf(i)];
        return TensorData.FromFloats(weights.Shape, result);
    }
}

/// <param name="Pairs">Conv pairs equalized.</param>
/// <param name="Sweeps">Passes over all pairs until the scales settled (at most <see cref="CrossLayerEqualization.MaxSweeps"/>).</param>
/// <param name="Relu6Replaced">Convs whose fused ReLU6 became ReLU (see the remarks on <see cref="CrossLayerEqualization"/>).</param>
public sealed record EqualizationResult(int Pairs, int Sweeps, IReadOnlyList<string> Relu6Replaced);
