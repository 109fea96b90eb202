namespace EdgeQ.Format.Tests;

/// <summary>Output sizes against the values PyTorch/ONNX give for the same layers.</summary>
public sealed class ShapeInferenceTests
{
    [Theory]
    [InlineData(224, 3, 2, 1, 0, 1, 112)] // MobileNetV1 first conv, TF "SAME" padding as exported to ONNX
    [InlineData(224, 3, 2, 1, 1, 1, 112)] // PyTorch padding=1, stride 2
    [InlineData(112, 3, 1, 1, 1, 1, 112)]
    [InlineData(28, 5, 1, 1, 0, 0, 24)] // LeNet-style valid conv
    [InlineData(12, 3, 1, 2, 0, 0, 8)] // dilation 2: effective kernel 5
    [InlineData(7, 7, 1, 1, 0, 0, 1)] // 7x7 average pool to 1x1
    [InlineData(15, 2, 2, 1, 0, 0, 7)] // floor division (ceil_mode=0)
    public void WindowOutputSize(int input, int kernel, int stride, int dilation, int padBefore, int padAfter, int expected) =>
        Assert.Equal(expected, ShapeInference.WindowOutputSize(input, kernel, stride, dilation, padBefore, padAfter, "height"));

    [Theory]
    [InlineData(8, 2, 2, 0, 0, 16)] // U-Net up-sampling
    [InlineData(7, 4, 2, 1, 1, 14)] // DCGAN-style k4 s2 p1
    [InlineData(5, 3, 1, 1, 1, 5)]
    public void TransposeOutputSize(int input, int kernel, int stride, int padBefore, int padAfter, int expected) =>
        Assert.Equal(expected, ShapeInference.TransposeOutputSize(input, kernel, stride, 1, padBefore, padAfter, "height"));

    [Fact]
    public void BroadcastFollowsNumpy()
    {
        Assert.Equal([1, 4, 4, 8], ShapeInference.Broadcast([1, 1, 1, 8], [1, 4, 4, 1]).AsSpan().ToArray());
        Assert.Equal([1, 16, 16, 8], ShapeInference.Broadcast([1, 16, 16, 8], [8]).AsSpan().ToArray());
        Assert.Throws<EqmFormatException>(() => ShapeInference.Broadcast([1, 16, 16, 8], [1, 16, 16, 4]));
    }

    [Fact]
    public void GroupedConvOutputComesFromWeights()
    {
        var shape = ShapeInference.OutputShape(new Conv2DParams(new Window2D(3, 3, 2, 2, Pads: new(1, 1, 1, 1)), 4, OutputClamp.FullInt8),
            [(int[])[1, 56, 56, 32], (int[])[64, 3, 3, 8], (int[])[64]]);
        Assert.Equal([1, 28, 28, 64], shape.AsSpan().ToArray());
    }
}
