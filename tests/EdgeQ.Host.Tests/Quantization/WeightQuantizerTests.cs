using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class WeightQuantizerTests
{
    /// <summary>OHWI [4, 3, 3, 2] with channel c scaled by 10^(c - 2), so channel ranges differ by 1000x.</summary>
    private static TensorData SpreadWeights()
    {
        var random = new Random(7);
        int[] shape = [4, 3, 3, 2];
        var values = new float[Shapes.Size(shape)];
        for (int i = 0; i < values.Length; i++) values[i] = (random.NextSingle() * 2 - 1) * MathF.Pow(10, i / 18 - 2);
        return TensorData.FromFloats(shape, values);
    }

    [Theory]
    [InlineData(8, 127)]
    [InlineData(6, 31)]
    [InlineData(4, 7)]
    public void PerChannelScalesMapEachChannelMaximumToTheGridEdge(int bits, int qmax)
    {
        var weights = SpreadWeights();
        var q = WeightQuantizer.Quantize(weights, 0, WeightGranularity.PerChannel, bits);
        Assert.Equal(4, q.Scales.Length);
        for (int c = 0; c < 4; c++)
        {
            var channel = weights.Floats.AsSpan(c * 18, 18).ToArray();
            Assert.Equal(channel.Max(Math.Abs) / qmax, q.Scales[c], 1e-6 * q.Scales[c]);
            var codes = q.Values.AsSpan(c * 18, 18).ToArray();
            Assert.All(codes, v => Assert.InRange(v, -qmax, qmax));
            Assert.Equal(qmax, codes.Max(v => Math.Abs((int)v)));
            for (int k = 0; k < 18; k++)
                Assert.True(Math.Abs(channel[k] - q.Scales[c] * codes[k]) <= q.Scales[c] / 2 * (1 + 1e-6));
        }
        Assert.Equal(q.Dequantize().Floats, q.Values.Select((v, i) => q.Scales[i / 18] * v).ToArray());
    }

    [Fact]
    public void PerTensorUsesOneScaleAndCrushesSmallChannels()
    {
        var q = WeightQuantizer.Quantize(SpreadWeights(), 0, WeightGranularity.PerTensor, 8);
        Assert.Single(q.Scales);
        Assert.All(q.Values.AsSpan(0, 18).ToArray(), v => Assert.Equal(0, v));   // channel 0 is 1000x below channel 3
    }

    [Fact]
    public void DepthwiseChannelsLieOnTheLastAxis()
    {
        var weights = TensorData.FromFloats([1, 1, 2, 3], [1, 10, 100, -2, 20, -200]);
        var q = WeightQuantizer.Quantize(weights, 3, WeightGranularity.PerChannel, 8);
        Assert.Equal([2f / 127, 20f / 127, 200f / 127], q.Scales);
        Assert.Equal([64, 64, 64, -127, 127, -127], q.Values.Select(v => (int)v));
    }

    [Fact]
    public void AllZeroChannelGetsThePositiveLayerScale()
    {
        var q = WeightQuantizer.Quantize(TensorData.FromFloats([2, 2], [0, 0, 1, -1]), 0, WeightGranularity.PerChannel, 8);
        Assert.Equal(q.Scales[1], q.Scales[0]);
        Assert.True(q.Scales[0] > 0);
    }

    [Fact]
    public void BiasIsQuantizedAtInputScaleTimesWeightScale()
    {
        var input = AffineQuantization.FromRange(-1, 3);
        var layer = QuantizedLayer.Quantize(SpreadWeights(), 0, [0.5f, -0.25f, 1, 0], input, WeightGranularity.PerChannel, 8);
        Assert.Equal(0, layer.WidenedChannels);
        var restored = layer.DequantizedBias();
        for (int c = 0; c < 4; c++)
            Assert.True(Math.Abs(restored[c] - new[] { 0.5f, -0.25f, 1, 0 }[c]) <= layer.BiasScale(c) / 2 * (1 + 1e-6));
    }

    [Fact]
    public void OverflowGuardRaisesTheWeightScaleWhenTheBiasWouldNotFit()
    {
        // Tiny weights and a large bias: at scale max|w| / 127 the bias would need ~1e14 in int32.
        var weights = TensorData.FromFloats([2, 3], [1e-6f, -1e-6f, 5e-7f, 0.5f, 0.25f, -0.5f]);
        var input = AffineQuantization.FromRange(0, 0.255);
        var layer = QuantizedLayer.Quantize(weights, 0, [1000f, 1f], input, WeightGranularity.PerChannel, 8);
        Assert.Equal(1, layer.WidenedChannels);
        var sums = layer.Weights.ChannelSums();
        for (int c = 0; c < 2; c++)
            Assert.True(Math.Abs(layer.Bias[c] - (double)input.ZeroPoint * sums[c].Sum) + 128.0 * sums[c].AbsSum < QuantizedLayer.AccumulatorBudget);
        Assert.Equal(1000f, layer.DequantizedBias()[0], 1000 * 1e-6);
        Assert.Equal(0.5f / 127, layer.Weights.Scales[1]);   // the healthy channel keeps its scale
    }

    [Fact]
    public void WeightBitsOtherThan864AreRejected() =>
        Assert.Contains("8, 6 or 4", Assert.Throws<ArgumentException>(() => WeightQuantizer.GridMax(5)).Message);
}
