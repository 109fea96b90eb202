using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

public enum WeightGranularity { PerChannel, PerTensor }

/// <summary>
/// Symmetric int8 weights (zero point 0) on the grid [-QMax, QMax]: 127 for 8 bits, 31 for 6, 7 for 4, still stored
/// as int8. Values keep the IR layout; <see cref="Axis"/> is the output-channel axis in that layout.
/// </summary>
public sealed class QuantizedWeights
{
    public QuantizedWeights(int[] shape, int axis, sbyte[] values, float[] scales, int qmax)
    {
        Shape = shape;
        Axis = axis;
        Values = values;
        Scales = scales;
        QMax = qmax;
    }

    public int[] Shape { get; }
    public int Axis { get; }
    public sbyte[] Values { get; }
    /// <summary>One scale per output channel, or a single one for per-tensor quantization.</summary>
    public float[] Scales { get; }
    public int QMax { get; }

    public int Channels => Shape[Axis];
    public float ScaleOf(int channel) => Scales.Length == 1 ? Scales[0] : Scales[channel];

    /// <summary>w = scale[c] * q, in the IR layout (for float simulation of the quantized weights).</summary>
    public TensorData Dequantize()
    {
        var channelOf = WeightQuantizer.ChannelIndexer(Shape, Axis);
        var result = new float[Values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = ScaleOf(channelOf(i)) * Values[i];
        return TensorData.FromFloats(Shape, result);
    }

    /// <summary>Per output channel: sum of q and sum of |q| (the accumulator bound of quantization.md).</summary>
    public (long Sum, long AbsSum)[] ChannelSums()
    {
        var channelOf = WeightQuantizer.ChannelIndexer(Shape, Axis);
        var sums = new (long Sum, long AbsSum)[Channels];
        for (int i = 0; i < Values.Length; i++)
        {
            ref var s = ref sums[channelOf(i)];
            s.Sum += Values[i];
            s.AbsSum += Math.Abs(Values[i]);
        }
        return sums;
    }
}

public static class WeightQuantizer
{
    public static int GridMax(int bits) => bits switch
    {
        8 => 127,
        6 => 31,
        4 => 7,
        _ => throw new ArgumentException($"weight bits must be 8, 6 or 4, not {bits}"),
    };

    /// <summary>Quantizes with scale = max|w| / QMax per channel (or per tensor).</summary>
    public static QuantizedWeights Quantize(TensorData weights, int axis, WeightGranularity granularity, int bits)
    {
        int qmax = GridMax(bits);
        var maxAbs = ChannelMaxAbs(weights, axis);
        float tensorMax = maxAbs.Length == 0 ? 0 : maxAbs.Max();
        // An all-zero channel takes the layer's scale: any positive scale represents it, and this one keeps its
        // bias resolution like its neighbours'.
        float Scale(float max) => (max > 0 ? max : tensorMax > 0 ? tensorMax : qmax) / qmax;
        float[] scales = granularity == WeightGranularity.PerChannel
            ? maxAbs.Select(Scale).ToArray()
            : [Scale(tensorMax)];
        return WithScales(weights, axis, scales, qmax);
    }

    /// <summary>Quantizes with given scales: q = clamp(round_half_even(w / scale), -QMax, QMax).</summary>
    public static QuantizedWeights WithScales(TensorData weights, int axis, float[] scales, int qmax)
    {
        var channelOf = ChannelIndexer(weights.Shape, axis);
        var w = weights.Floats;
        var values = new sbyte[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            float scale = scales.Length == 1 ? scales[0] : scales[channelOf(i)];
            values[i] = (sbyte)Math.Clamp(Math.Round(w[i] / (double)scale, MidpointRounding.ToEven), -qmax, qmax);
        }
        return new QuantizedWeights(weights.Shape, axis, values, scales, qmax);
    }

    /// <summary>max |w| over each index of <paramref name="axis"/>.</summary>
    internal static float[] ChannelMaxAbs(TensorData weights, int axis)
    {
        var channelOf = ChannelIndexer(weights.Shape, axis);
        var maxAbs = new float[weights.Shape[axis]];
        var w = weights.Floats;
        for (int i = 0; i < w.Length; i++) maxAbs[channelOf(i)] = Math.Max(maxAbs[channelOf(i)], Math.Abs(w[i]));
        return maxAbs;
    }

    /// <summary>Maps a flat row-major index to its index along <paramref name="axis"/>.</summary>
    internal static Func<int, int> ChannelIndexer(int[] shape, int axis)
    {
        int stride = Shapes.Strides(shape)[axis], count = shape[axis];
        return index => index / stride % count;
    }
}
