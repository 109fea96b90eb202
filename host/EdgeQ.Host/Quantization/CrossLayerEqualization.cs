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
/// ReLU6 (Clip(0, c)) is not homogeneous: scaled channel i would need its own clip point c / s_i, and the int8 clamp
/// is per tensor. Nagel et al. and AIMET replace ReLU6 by ReLU, but on MobileNetV1-0.25 that alone drops top-1
/// agreement with the float model to 9 % (the network relies on the clip). So a ReLU6 pair is equalized only where
/// calibration shows the clip never acts: a channel whose pre-activation maximum exceeded c keeps s_i = 1, and any
/// other channel gets s_i >= max_i / c, so its scaled values stay below c and the clip stays inactive. This is exact
/// on the calibration images (tested) and changes only samples that exceed a channel's calibrated maximum.
/// Without channel maxima, ReLU6 pairs are left alone.
/// </remarks>
public static class CrossLayerEqualization
{
    public const int MaxSweeps = 50;
    /// <summary>A sweep whose scales all lie within this factor of 1 ends the iteration.</summary>
    private const double Settled = 1e-4;

    /// <param name="preActivationMaxima">Per-channel pre-activation maxima of convs from calibration (float model).</param>
    public static EqualizationResult Run(Graph graph, IReadOnlyDictionary<Node, float[]>? preActivationMaxima = null)
    {
        var pairs = FindPairs(graph).Where(p => p.First.Activation.Kind != ActivationKind.Clip || preActivationMaxima?.ContainsKey(p.First) == true).ToList();
        // Maxima follow their conv's scaling: dividing channel i by s_i divides its maximum by s_i.
        var maxima = pairs.Where(p => p.First.Activation.Kind == ActivationKind.Clip)
            .ToDictionary(p => p.First, p => preActivationMaxima![p.First].Select(m => (double)m).ToArray());
        var divisors = pairs.ToDictionary(p => p.First.Name, p => Enumerable.Repeat(1.0, p.First.OutChannels).ToArray());
        int sweeps = 0;
        for (bool moved = pairs.Count > 0; moved && sweeps < MaxSweeps; sweeps++)
        {
            moved = false;
            foreach (var (first, second) in pairs) moved |= Equalize(first, second, maxima.GetValueOrDefault(first), divisors[first.Name]);
        }
        return new EqualizationResult(pairs.Count, sweeps, divisors);
    }

    /// <summary>conv -> (ReLU | ReLU6 | none) -> conv or depthwise (channel multiplier 1), the first read only by the second.</summary>
    public static List<(ConvNode First, ConvNode Second)> FindPairs(Graph graph)
    {
        var pairs = new List<(ConvNode, ConvNode)>();
        foreach (var first in graph.Nodes.OfType<ConvNode>())
        {
            if (!IsReluLike(first.Activation) || !graph.HasSingleUse(first.Output)) continue;
            if (graph.Consumers(first.Output) is [ConvNode second] && second.Input == first.Output
                && (second.Group == 1 || second.IsDepthwise && second.OutChannels == second.InChannels))
                pairs.Add((first, second));
        }
        return pairs;
    }

    private static bool IsReluLike(Activation a) =>
        a.Kind is ActivationKind.None or ActivationKind.Relu || a is { Kind: ActivationKind.Clip, Alpha: 0, Beta: > 0 };

    /// <summary>One equalization step for a pair; false when every scale was already within <see cref="Settled"/> of 1.</summary>
    private static bool Equalize(ConvNode first, ConvNode second, double[]? maxima, double[] divisors)
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
            double scale = r1[i] > 0 && r2[i] > 0 ? Math.Sqrt((double)r1[i] / r2[i]) : 1;
            if (maxima is not null)
            {
                double clip = first.Activation.Beta;
                scale = maxima[i] > clip ? 1 : Math.Max(scale, maxima[i] / clip);
            }
            scales[i] = (float)scale;
            moved |= Math.Abs(scale - 1) > Settled;
        }
        if (!moved) return false;
        first.Weights = ScaleChannels(first.Weights, firstAxis, scales, divide: true);
        first.Bias = first.Bias.Select((b, i) => b / scales[i]).ToArray();
        second.Weights = ScaleChannels(second.Weights, secondInputAxis, scales, divide: false);
        for (int i = 0; i < scales.Length; i++)
        {
            divisors[i] *= scales[i];
            if (maxima is not null) maxima[i] /= scales[i];
        }
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
/// <param name="OutputDivisors">Per first conv of a pair (by name): what each output channel (and its pre-activation) was divided by.</param>
public sealed record EqualizationResult(int Pairs, int Sweeps, IReadOnlyDictionary<string, double[]> OutputDivisors);
