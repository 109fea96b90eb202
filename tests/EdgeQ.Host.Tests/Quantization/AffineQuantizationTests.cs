using EdgeQ.Format;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class AffineQuantizationTests
{
    [Theory]
    [InlineData(-1.0, 3.0)]
    [InlineData(0.5, 2.0)]     // widened to include 0
    [InlineData(-3.0, -1.0)]   // widened to include 0
    [InlineData(-0.001, 250.0)]
    [InlineData(0.0, 6.0)]
    public void RangeCoversTheValuesAndZeroIsExact(double min, double max)
    {
        var q = AffineQuantization.FromRange(min, max);
        Assert.True(q.Scale > 0 && float.IsFinite(q.Scale));
        Assert.InRange(q.ZeroPoint, -128, 127);
        Assert.Equal(0f, q.Dequantize(q.ZeroPoint));
        double low = Math.Min(min, 0), high = Math.Max(max, 0);
        Assert.Equal((high - low) / 255, q.Scale, 1e-6 * q.Scale);
        // The integer zero point moves the grid by at most half a step.
        Assert.True(q.Min <= low + q.Scale / 2 + 1e-9 && q.Max >= high - q.Scale / 2 - 1e-9, $"{q}: [{q.Min}, {q.Max}] vs [{low}, {high}]");
    }

    [Fact]
    public void ConstantZeroTensorStillGetsAPositiveScale()
    {
        var q = AffineQuantization.FromRange(0, 0);
        Assert.True(q.Scale > 0);
        Assert.Equal(0, q.Dequantize(q.Quantize(0)));
    }

    [Fact]
    public void QuantizeRoundsHalfToEvenAndSaturates()
    {
        var q = new AffineQuantization(0.5f, 0);
        Assert.Equal(2, q.Quantize(1.25));   // 2.5 -> 2
        Assert.Equal(4, q.Quantize(1.75));   // 3.5 -> 4
        Assert.Equal(127, q.Quantize(1000));
        Assert.Equal(-128, q.Quantize(-1000));
    }

    [Fact]
    public void Relu6ClampFollowsTheQuantizationDoc()
    {
        var relu6 = new Activation(ActivationKind.Clip, 0, 6);
        // Range [0, 8]: zp = -128, 6 / (8 / 255) = 191.25 -> qmax = -128 + 191 = 63.
        var wide = AffineQuantization.FromRange(0, 8);
        Assert.Equal(new OutputClamp(-128, 63), wide.ClampFor(relu6));
        Assert.Equal(6, wide.Dequantize(63), 8.0 / 255 / 2);
        // Calibrated below 6: the clip lies beyond the grid, qmax = 127.
        Assert.Equal(new OutputClamp(-128, 127), AffineQuantization.FromRange(0, 4).ClampFor(relu6));
        // A range reaching below 0 (shared with another tensor): qmin is the zero point.
        var shared = AffineQuantization.FromRange(-2, 8);
        Assert.Equal(new OutputClamp(shared.ZeroPoint, Math.Min(127, shared.ZeroPoint + (int)Math.Round(6 / shared.Scale))), shared.ClampFor(relu6));
        Assert.Equal(new OutputClamp(shared.ZeroPoint, 127), shared.ClampFor(Activation.Relu));
        Assert.Equal(OutputClamp.FullInt8, shared.ClampFor(Activation.None));
        Assert.Throws<ArgumentException>(() => shared.ClampFor(new Activation(ActivationKind.HardSwish)));
    }
}
