using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Benchmarks.Layers;

/// <summary>
/// Operator families for comparing engines layer by layer: convolutions split by shape class, since the first conv
/// (3 input channels), 1x1 (pure GEMM), KxK (im2col + GEMM) and depthwise run different kernels in every engine.
/// </summary>
internal static class LayerFamily
{
    public const string FirstConv = "first conv (3 input channels)";
    public const string Pointwise = "1x1 conv, FC";
    public const string Spatial = "KxK conv";
    public const string Depthwise = "depthwise";
    public const string Transposed = "transposed conv";
    public const string Elementwise = "elementwise (Add, Mul)";
    public const string Pooling = "pooling";
    public const string Lookup = "LUT (activation)";
    public const string DataMovement = "concat, pad, resize, reshape, other";

    /// <summary>ORT nodes that map to no EdgeQ layer: its layout transposes and NCHWc reorders, the input quantize, the output dequantize.</summary>
    public const string OrtOnly = "ORT only (layout, (de)quantize)";

    public static string Of(LayerInfo layer) => layer.Kind switch
    {
        OpKind.Conv2D when layer.InputShape[^1] == 3 => FirstConv,
        OpKind.Conv2D when layer.Macs == Shapes.ElementCount(layer.OutputShape.AsSpan()) * layer.InputShape[^1] => Pointwise,
        OpKind.FullyConnected => Pointwise,
        OpKind.Conv2D => Spatial,
        OpKind.DepthwiseConv2D => Depthwise,
        OpKind.TransposeConv2D => Transposed,
        OpKind.Add or OpKind.Mul => Elementwise,
        OpKind.AveragePool2D or OpKind.MaxPool2D or OpKind.GlobalAveragePool => Pooling,
        OpKind.Lut => Lookup,
        _ => DataMovement,
    };
}
