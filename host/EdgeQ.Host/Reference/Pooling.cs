using System.Numerics.Tensors;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>NHWC pooling and mean reduction; channels are the contiguous, vectorized axis.</summary>
internal static class Pooling
{
    public static TensorData Pool(PoolNode node, TensorData input)
    {
        var (n, inH, inW, c) = NodeKernels.NhwcDims(input);
        var w = node.Window;
        int outH = w.OutputHeight(inH, node.CeilMode), outW = w.OutputWidth(inW, node.CeilMode);
        var x = input.Floats;
        var output = new float[n * outH * outW * c];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    var acc = output.AsSpan(((b * outH + oy) * outW + ox) * c, c);
                    acc.Fill(node.Kind == PoolKind.Max ? float.NegativeInfinity : 0f);
                    int counted = 0, inPadded = 0;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                        bool rowInPadded = iy < inH + w.PadBottom;
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                            if (rowInPadded && ix < inW + w.PadRight) inPadded++;
                            if ((uint)iy >= (uint)inH || (uint)ix >= (uint)inW) continue;
                            var pixel = x.AsSpan(((b * inH + iy) * inW + ix) * c, c);
                            if (node.Kind == PoolKind.Max) TensorPrimitives.Max(acc, pixel, acc);
                            else TensorPrimitives.Add(acc, pixel, acc);
                            counted++;
                        }
                    }
                    // Windows that reach past the padding (ceil_mode) never count those taps, even with count_include_pad.
                    if (node.Kind == PoolKind.Average)
                        TensorPrimitives.Multiply(acc, 1f / (node.CountIncludePad ? inPadded : counted), acc);
                }
        return TensorData.FromFloats([n, outH, outW, c], output);
    }

    /// <summary>Reduces the given axes one at a time as [outer, reduced, inner] (the inner run is vectorized).</summary>
    public static TensorData Reduce(ReduceKind kind, TensorData input, int[] axes, int[] outShape)
    {
        var shape = (int[])input.Shape.Clone();
        var data = input.Floats;
        foreach (int axis in axes)
        {
            int outer = Shapes.Size(shape.AsSpan(0, axis)), size = shape[axis], inner = Shapes.Size(shape.AsSpan(axis + 1));
            var reduced = new float[outer * inner];
            for (int o = 0; o < outer; o++)
            {
                var acc = reduced.AsSpan(o * inner, inner);
                data.AsSpan(o * size * inner, inner).CopyTo(acc);
                for (int k = 1; k < size; k++)
                {
                    var row = data.AsSpan((o * size + k) * inner, inner);
                    switch (kind)
                    {
                        case ReduceKind.Max: TensorPrimitives.Max(acc, row, acc); break;
                        case ReduceKind.Min: TensorPrimitives.Min(acc, row, acc); break;
                        default: TensorPrimitives.Add(acc, row, acc); break;
                    }
                }
                if (kind == ReduceKind.Mean) TensorPrimitives.Multiply(acc, 1f / size, acc);
            }
            data = reduced;
            shape[axis] = 1;
        }
        return TensorData.FromFloats(outShape, data);
    }
}
