using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

/// <summary>
/// A conv / transposed conv / fully-connected layer in int8: weights in the IR layout and an int32 bias whose scale
/// is input_scale * weight_scale[c] (docs/quantization.md). Bias correction adjusts <see cref="Bias"/> in place.
/// </summary>
public sealed class QuantizedLayer
{
    /// <summary>
    /// The pack-time bound on |bias'| + 128 * sum|w|: half the int32 range, so bias correction has room to move the
    /// bias without overflowing the accumulator.
    /// </summary>
    public const long AccumulatorBudget = 1L << 30;

    private QuantizedLayer(QuantizedWeights weights, int[] bias, AffineQuantization input, int widenedChannels)
    {
        Weights = weights;
        Bias = bias;
        Input = input;
        WidenedChannels = widenedChannels;
    }

    public QuantizedWeights Weights { get; }
    public int[] Bias { get; }
    public AffineQuantization Input { get; }
    /// <summary>Channels whose weight scale the overflow guard had to raise so that the bias fits.</summary>
    public int WidenedChannels { get; }

    public double BiasScale(int channel) => (double)Input.Scale * Weights.ScaleOf(channel);

    public float[] DequantizedBias() => Bias.Select((b, c) => (float)(b * BiasScale(c))).ToArray();

    /// <summary>
    /// Quantizes weights (max-abs scale) and bias. Overflow guard: where round(bias / (s_in * s_w)) would push a
    /// channel's accumulator bound past <see cref="AccumulatorBudget"/>, that channel's weight scale is raised just
    /// enough (coarser weights beat a wrapped accumulator); per-tensor weights raise the one scale.
    /// </summary>
    public static QuantizedLayer Quantize(TensorData weights, int axis, float[] bias, AffineQuantization input,
        WeightGranularity granularity, int bits)
    {
        var quantized = WeightQuantizer.Quantize(weights, axis, granularity, bits);
        var sums = quantized.ChannelSums();
        var required = new double[quantized.Channels];
        for (int c = 0; c < required.Length; c++)
        {
            double budget = AccumulatorBudget - (Math.Abs(input.ZeroPoint) + 128.0) * sums[c].AbsSum;
            required[c] = Math.Abs(bias[c]) / (input.Scale * budget);
        }
        var tooNarrow = Enumerable.Range(0, required.Length).Where(c => required[c] > quantized.ScaleOf(c)).ToList();
        int widened = 0;
        if (tooNarrow.Count > 0)
        {
            // A hair above the bound, so the float32 scale cannot round back below it.
            const float margin = 1.0001f;
            float[] scales = quantized.Scales.Length == 1
                ? [(float)required.Max() * margin]
                : quantized.Scales.Select((s, c) => required[c] > s ? (float)required[c] * margin : s).ToArray();
            widened = quantized.Scales.Length == 1 ? quantized.Channels : tooNarrow.Count;
            quantized = WeightQuantizer.WithScales(weights, axis, scales, quantized.QMax);
            sums = quantized.ChannelSums();
        }
        var layer = new QuantizedLayer(quantized, new int[bias.Length], input, widened);
        for (int c = 0; c < bias.Length; c++)
        {
            double q = Math.Round(bias[c] / layer.BiasScale(c), MidpointRounding.ToEven);
            double bound = Math.Abs(q - (double)input.ZeroPoint * sums[c].Sum) + 128.0 * sums[c].AbsSum;
            if (bound >= AccumulatorBudget)
                throw new InvalidOperationException($"output channel {c}: bias {bias[c]} cannot be held in int32 at scale {layer.BiasScale(c):G4}");
            layer.Bias[c] = (int)q;
        }
        return layer;
    }
}
