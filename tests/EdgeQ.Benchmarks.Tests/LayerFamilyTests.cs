using EdgeQ.Benchmarks.Layers;
using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Benchmarks.Tests;

public class LayerFamilyTests
{
    internal static LayerInfo Layer(int index, OpKind kind, int[] input, int[] output, long macs = 0, string? name = null) =>
        new(index, kind, name ?? $"layer{index}", input, output, macs);

    [Fact]
    public void Convolutions_split_by_first_layer_kernel_size_and_depthwise()
    {
        Assert.Equal(LayerFamily.FirstConv, LayerFamily.Of(Layer(0, OpKind.Conv2D, [1, 224, 224, 3], [1, 112, 112, 8], 112 * 112 * 8 * 27)));
        Assert.Equal(LayerFamily.Pointwise, LayerFamily.Of(Layer(1, OpKind.Conv2D, [1, 56, 56, 16], [1, 56, 56, 32], 56 * 56 * 32 * 16)));
        Assert.Equal(LayerFamily.Spatial, LayerFamily.Of(Layer(2, OpKind.Conv2D, [1, 56, 56, 16], [1, 56, 56, 32], 56 * 56 * 32 * 16 * 9)));
        Assert.Equal(LayerFamily.Spatial, LayerFamily.Of(Layer(3, OpKind.Conv2D, [1, 56, 56, 16], [1, 28, 28, 32], 28 * 28 * 32 * 16 * 9)));
        Assert.Equal(LayerFamily.Pointwise, LayerFamily.Of(Layer(4, OpKind.FullyConnected, [1, 256], [1, 1000], 256_000)));
        Assert.Equal(LayerFamily.Depthwise, LayerFamily.Of(Layer(5, OpKind.DepthwiseConv2D, [1, 56, 56, 32], [1, 56, 56, 32], 56 * 56 * 32 * 9)));
        Assert.Equal(LayerFamily.Transposed, LayerFamily.Of(Layer(6, OpKind.TransposeConv2D, [1, 8, 8, 4], [1, 16, 16, 4], 8 * 8 * 4 * 16)));
    }

    [Theory]
    [InlineData(OpKind.Add, LayerFamily.Elementwise)]
    [InlineData(OpKind.Mul, LayerFamily.Elementwise)]
    [InlineData(OpKind.MaxPool2D, LayerFamily.Pooling)]
    [InlineData(OpKind.AveragePool2D, LayerFamily.Pooling)]
    [InlineData(OpKind.GlobalAveragePool, LayerFamily.Pooling)]
    [InlineData(OpKind.Lut, LayerFamily.Lookup)]
    [InlineData(OpKind.Concat, LayerFamily.DataMovement)]
    [InlineData(OpKind.Reshape, LayerFamily.DataMovement)]
    [InlineData(OpKind.Resize, LayerFamily.DataMovement)]
    public void Other_kinds_fall_into_their_family(OpKind kind, string family) =>
        Assert.Equal(family, LayerFamily.Of(Layer(0, kind, [1, 8, 8, 16], [1, 8, 8, 16])));
}
