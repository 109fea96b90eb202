using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Correction;

/// <summary>
/// Sums of (x - x_zp) over a layer's int8 input, per weight tap (kernel position and input channel) summed over all
/// output positions, kept apart for the correction and the held-out images. Padding taps add 0, as in the kernels.
/// The mean accumulator of output channel c is then bias[c] + sum_k w[c,k] * sums[k] / positions, from integers only.
/// </summary>
internal sealed class WindowSums
{
    private readonly Node layer;
    private readonly long[] fit, held;
    private readonly int[] images = new int[2];
    private readonly long positions;

    private WindowSums(Node layer, int zeroPoint, int taps, long positions)
    {
        this.layer = layer;
        ZeroPoint = zeroPoint;
        fit = new long[taps];
        held = new long[taps];
        this.positions = positions;
    }

    public int ZeroPoint { get; }
    public bool HasHeldOut => images[1] > 0;

    /// <summary>Null for layers whose statistic is not implemented (transposed conv): they stay uncorrected.</summary>
    public static WindowSums? For(Node layer, int inputZeroPoint) => layer switch
    {
        ConvNode conv => new(conv, inputZeroPoint, conv.Window.KernelH * conv.Window.KernelW * conv.InChannels,
            (long)conv.Output.Shape[1] * conv.Output.Shape[2]),
        FullyConnectedNode fc => new(fc, inputZeroPoint, fc.InFeatures, Shapes.Size(fc.Input.Shape) / fc.InFeatures),
        _ => null,
    };

    public void Add(ReadOnlySpan<sbyte> input, bool heldOut)
    {
        var sums = heldOut ? held : fit;
        images[heldOut ? 1 : 0]++;
        if (layer is FullyConnectedNode)
        {
            for (int i = 0; i < input.Length; i++) sums[i % sums.Length] += input[i] - ZeroPoint;
            return;
        }
        var conv = (ConvNode)layer;
        var w = conv.Window;
        int height = conv.Input.Shape[1], width = conv.Input.Shape[2], channels = conv.InChannels;
        int outHeight = conv.Output.Shape[1], outWidth = conv.Output.Shape[2];
        for (int ky = 0; ky < w.KernelH; ky++)
            for (int oy = 0; oy < outHeight; oy++)
            {
                int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                if ((uint)iy >= (uint)height) continue;
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int tap = (ky * w.KernelW + kx) * channels;
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                        if ((uint)ix >= (uint)width) continue;
                        var pixel = input.Slice((iy * width + ix) * channels, channels);
                        for (int ci = 0; ci < channels; ci++) sums[tap + ci] += pixel[ci] - ZeroPoint;
                    }
                }
            }
    }

    /// <summary>mean over images and positions of sum_k w[c,k] * (x_k - x_zp), in accumulator units.</summary>
    public double WeightedMean(QuantizedWeights weights, int channel, bool heldOut)
    {
        var sums = heldOut ? held : fit;
        var w = weights.Values;
        long total = 0;
        switch (layer)
        {
            case FullyConnectedNode fc:
                // IR O-I.
                for (int k = 0; k < fc.InFeatures; k++) total += w[channel * fc.InFeatures + k] * sums[k];
                break;
            case ConvNode { IsDepthwise: true } conv:
            {
                // IR 1-KH-KW-Cout; output channel c reads input channel c / multiplier.
                int taps = conv.Window.KernelH * conv.Window.KernelW, outChannels = conv.OutChannels;
                int inChannel = channel / (outChannels / conv.InChannels);
                for (int t = 0; t < taps; t++) total += w[t * outChannels + channel] * sums[t * conv.InChannels + inChannel];
                break;
            }
            case ConvNode conv:
            {
                // IR O-KH-KW-I(/group); output channel c belongs to group c / (Cout / group).
                int taps = conv.Window.KernelH * conv.Window.KernelW, perGroup = conv.InChannels / conv.Group;
                int firstInput = channel / (conv.OutChannels / conv.Group) * perGroup;
                for (int t = 0; t < taps; t++)
                    for (int j = 0; j < perGroup; j++)
                        total += w[(channel * taps + t) * perGroup + j] * sums[t * conv.InChannels + firstInput + j];
                break;
            }
        }
        return total / ((double)positions * images[heldOut ? 1 : 0]);
    }
}
