using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Onnx.Proto;

namespace EdgeQ.Host.Quantization;

/// <summary>
/// The BatchNorm output of a layer before its activation, modelled per channel as N(Mean[c], Std[c]^2): BN's
/// beta and |gamma| (Nagel et al. 2019, section 4.2).
/// </summary>
public sealed record ChannelPrior(float[] Mean, float[] Std);

/// <summary>
/// Data-free bias correction (Nagel et al. 2019): rounding changes a layer's expected output by dW * E[x], and E[x]
/// follows from the BatchNorm that produced x: E[f(z)] with z ~ N(beta, gamma^2) and f the fused activation (the mean
/// of a clipped normal for ReLU / ReLU6). Padding taps and BN priors of reshaped or pooled inputs are approximations
/// (docs/bias-correction.md).
/// </summary>
public static class AnalyticBiasCorrection
{
    /// <summary>
    /// BN priors from an ONNX file, keyed by the name of the Conv / Gemm / ConvTranspose node each BatchNormalization
    /// directly follows (the IR keeps ONNX node names; BN folding drops beta and gamma, so they are read here).
    /// </summary>
    public static Dictionary<string, ChannelPrior> ReadPriors(string onnxPath)
    {
        ModelProto model;
        using (var stream = File.OpenRead(onnxPath)) model = ModelProto.Parser.ParseFrom(stream);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var producers = model.Graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node);
        var priors = new Dictionary<string, ChannelPrior>();
        foreach (var bn in model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            if (!producers.TryGetValue(bn.Input[0], out var layer) || layer.OpType is not ("Conv" or "Gemm" or "ConvTranspose")) continue;
            if (!initializers.TryGetValue(bn.Input[1], out var gamma) || !initializers.TryGetValue(bn.Input[2], out var beta)) continue;
            priors[layer.Name] = new ChannelPrior(TensorReader.Read(beta).Floats, TensorReader.Read(gamma).Floats.Select(MathF.Abs).ToArray());
        }
        return priors;
    }

    /// <summary>
    /// The priors of an equalized graph: a conv whose output channel i was divided by s_i now produces
    /// N(beta_i / s_i, (gamma_i / s_i)^2) before its (unchanged) activation.
    /// </summary>
    public static Dictionary<string, ChannelPrior> Rescale(IReadOnlyDictionary<string, ChannelPrior> priors, EqualizationResult equalization) =>
        priors.ToDictionary(kv => kv.Key, kv => equalization.OutputDivisors.TryGetValue(kv.Key, out var divisors)
            ? new ChannelPrior(kv.Value.Mean.Select((m, i) => (float)(m / divisors[i])).ToArray(), kv.Value.Std.Select((s, i) => (float)(s / divisors[i])).ToArray())
            : kv.Value);

    /// <summary>Adds round(-dW * E[x] / bias_scale) to every layer whose input mean the priors give; returns those layers.</summary>
    public static List<Node> Apply(QuantizationPlan plan, IReadOnlyDictionary<string, ChannelPrior> priors)
    {
        var corrected = new List<Node>();
        foreach (var (node, layer) in plan.Layers)
        {
            if (node is ConvTransposeNode || InputMeans(plan.Graph, node.Input, priors) is not { } inputMeans) continue;
            var (weights, _) = QuantizationPlan.FloatParameters(node);
            var shift = MeanShift(node, weights, layer.Weights.Dequantize(), inputMeans);
            for (int c = 0; c < shift.Length; c++)
                layer.Bias[c] = checked((int)(layer.Bias[c] + Math.Round(-shift[c] / layer.BiasScale(c), MidpointRounding.ToEven)));
            corrected.Add(node);
        }
        return corrected;
    }

    /// <summary>Per-channel E[x] of a layer input: the activated BN prior of the layer producing it, through spatial means and reshapes.</summary>
    private static double[]? InputMeans(Graph graph, Value input, IReadOnlyDictionary<string, ChannelPrior> priors)
    {
        switch (graph.Producer(input))
        {
            case Node producer and (ConvNode or FullyConnectedNode or ConvTransposeNode) when priors.TryGetValue(producer.Name, out var prior):
                var activation = ((IFusedActivation)producer).Activation;
                var (low, high) = activation switch
                {
                    { Kind: ActivationKind.None } => (double.NegativeInfinity, double.PositiveInfinity),
                    { Kind: ActivationKind.Relu } => (0, double.PositiveInfinity),
                    { Kind: ActivationKind.Clip } clip => (clip.Alpha, clip.Beta),
                    _ => (double.NaN, double.NaN),
                };
                if (double.IsNaN(low)) return null;   // no closed form for hard-swish & co.
                return prior.Mean.Zip(prior.Std).Select(p => ClippedNormalMean(p.First, p.Second, low, high)).ToArray();
            // A spatial mean or a reshape that keeps the channel axis last leaves each channel's mean unchanged.
            case ReduceNode { Kind: ReduceKind.Mean, Axes: [1, 2] } mean:
                return InputMeans(graph, mean.Input, priors);
            case ReshapeNode reshape when reshape.Input.Shape[^1] == reshape.Output.Shape[^1]:
                return InputMeans(graph, reshape.Input, priors);
            default:
                return null;
        }
    }

    /// <summary>Per output channel: sum over taps of (w_q - w) * E[x of the tap's input channel].</summary>
    internal static double[] MeanShift(Node node, TensorData weights, TensorData quantized, double[] inputMeans)
    {
        int[] s = weights.Shape;
        var channelOf = WeightQuantizer.ChannelIndexer(s, QuantizationPlan.WeightChannelAxis(node));
        Func<int, int, int> inputChannelOf = node switch
        {
            // 1HWC: output channel o reads input channel o / multiplier.
            ConvNode { IsDepthwise: true } dw => (_, o) => o / (dw.OutChannels / dw.InChannels),
            // OHWI with groups: the I index is within the output channel's group.
            ConvNode conv => (i, o) => o / (conv.OutChannels / conv.Group) * s[3] + i % s[3],
            _ => (i, _) => i % s[1],   // gemm OI
        };
        var w = weights.Floats;
        var q = quantized.Floats;
        var shift = new double[s[QuantizationPlan.WeightChannelAxis(node)]];
        for (int i = 0; i < w.Length; i++)
        {
            int o = channelOf(i);
            shift[o] += ((double)q[i] - w[i]) * inputMeans[inputChannelOf(i, o)];
        }
        return shift;
    }

    /// <summary>E[clamp(z, low, high)] for z ~ N(mean, std^2) (infinite bounds allowed).</summary>
    public static double ClippedNormalMean(double mean, double std, double low, double high)
    {
        if (std <= 0) return Math.Clamp(mean, low, high);
        double a = (low - mean) / std, b = (high - mean) / std;
        double below = NormalCdf(a), above = 1 - NormalCdf(b);
        double lowTerm = double.IsNegativeInfinity(low) ? 0 : low * below;
        double highTerm = double.IsPositiveInfinity(high) ? 0 : high * above;
        return lowTerm + highTerm + mean * (1 - below - above) + std * (NormalPdf(a) - NormalPdf(b));
    }

    private static double NormalPdf(double x) => double.IsInfinity(x) ? 0 : Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);

    private static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    /// <summary>Complementary error function, Chebyshev fit with fractional error below 1.2e-7 (Numerical Recipes erfcc).</summary>
    private static double Erfc(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
