using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>NHWC spatial resize, nearest or bilinear, with the ONNX coordinate transformation modes.</summary>
internal static class Resizing
{
    public static TensorData Resize(ResizeNode node, TensorData input)
    {
        var (n, inH, inW, c) = NodeKernels.NhwcDims(input);
        int outH = node.OutputHeight, outW = node.OutputWidth;
        var x = input.Floats;
        var output = new float[n * outH * outW * c];
        var rows = Enumerable.Range(0, outH).Select(o => Source(node, o, outH, inH, node.ScaleH)).ToArray();
        var cols = Enumerable.Range(0, outW).Select(o => Source(node, o, outW, inW, node.ScaleW)).ToArray();
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    var dst = output.AsSpan(((b * outH + oy) * outW + ox) * c, c);
                    var (y0, y1, fy) = rows[oy];
                    var (x0, x1, fx) = cols[ox];
                    ReadOnlySpan<float> Pixel(int y, int xx) => x.AsSpan(((b * inH + y) * inW + xx) * c, c);
                    Pixel(y0, x0).CopyTo(dst);
                    if (node.Mode == ResizeMode.Nearest) continue;
                    System.Numerics.Tensors.TensorPrimitives.Multiply(dst, (1 - fy) * (1 - fx), dst);
                    VectorMath.MultiplyAccumulate((1 - fy) * fx, Pixel(y0, x1), dst);
                    VectorMath.MultiplyAccumulate(fy * (1 - fx), Pixel(y1, x0), dst);
                    VectorMath.MultiplyAccumulate(fy * fx, Pixel(y1, x1), dst);
                }
        return TensorData.FromFloats([n, outH, outW, c], output);
    }

    /// <summary>For one output coordinate: the source index (nearest) or the two neighbours and the blend weight (linear).</summary>
    private static (int Low, int High, float Fraction) Source(ResizeNode node, int outIndex, int outSize, int inSize, float scale)
    {
        float position = node.CoordinateMode switch
        {
            CoordinateMode.HalfPixel => (outIndex + 0.5f) / scale - 0.5f,
            CoordinateMode.PytorchHalfPixel => outSize > 1 ? (outIndex + 0.5f) / scale - 0.5f : 0f,
            // ONNX measures the resized length as input * scale, unrounded.
            CoordinateMode.AlignCorners => inSize * scale <= 1 ? 0f : outIndex * (inSize - 1) / (inSize * scale - 1),
            CoordinateMode.TfHalfPixelForNn => (outIndex + 0.5f) / scale,
            _ => outIndex / scale,
        };
        if (node.Mode == ResizeMode.Nearest)
        {
            float floor = MathF.Floor(position), fraction = position - floor;
            int index = node.NearestRounding switch
            {
                NearestRounding.Floor => (int)floor,
                NearestRounding.Ceil => (int)MathF.Ceiling(position),
                NearestRounding.RoundPreferCeil => fraction >= 0.5f ? (int)floor + 1 : (int)floor,
                _ => fraction > 0.5f ? (int)floor + 1 : (int)floor,
            };
            index = Math.Clamp(index, 0, inSize - 1);
            return (index, index, 0f);
        }
        position = Math.Clamp(position, 0, inSize - 1);
        int low = (int)MathF.Floor(position);
        return (low, Math.Min(low + 1, inSize - 1), position - low);
    }
}
