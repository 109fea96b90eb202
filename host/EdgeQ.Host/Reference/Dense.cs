using System.Numerics.Tensors;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>Fully connected layers and activation-by-activation MatMul, both as row updates y_row += x[k] * W^T[k, :].</summary>
internal sealed class FullyConnectedKernel
{
    private readonly FullyConnectedNode node;
    private readonly float[] transposed;

    public FullyConnectedKernel(FullyConnectedNode node)
    {
        this.node = node;
        // src = [M, K] (OI)   dst = [K, M]: one input feature then scales a contiguous run of outputs.
        transposed = node.Weights.Transpose([1, 0]).Floats;
    }

    public TensorData Run(TensorData input)
    {
        int k = node.InFeatures, m = node.OutFeatures, rows = input.Length / k;
        var output = new float[rows * m];
        var x = input.Floats;
        for (int r = 0; r < rows; r++)
        {
            var acc = output.AsSpan(r * m, m);
            node.Bias.CopyTo(acc);
            for (int i = 0; i < k; i++) VectorMath.MultiplyAccumulate(x[r * k + i], transposed.AsSpan(i * m, m), acc);
        }
        return TensorData.FromFloats([.. input.Shape[..^1], m], output);
    }
}

internal static class Dense
{
    public static TensorData MatMul(TensorData a, TensorData b, int[] outShape)
    {
        int n = a.Shape[^2], k = a.Shape[^1], m = b.Shape[^1];
        int[] batch = outShape[..^2];
        // Broadcast both operands to the full batch shape, then multiply matrix by matrix.
        var left = Broadcast(a, [.. batch, n, k]).Floats;
        var right = Broadcast(b, [.. batch, k, m]).Floats;
        var output = new float[Shapes.Size(outShape)];
        for (int p = 0; p < Shapes.Size(batch); p++)
            for (int r = 0; r < n; r++)
            {
                var acc = output.AsSpan((p * n + r) * m, m);
                for (int i = 0; i < k; i++)
                    VectorMath.MultiplyAccumulate(left[(p * n + r) * k + i], right.AsSpan((p * k + i) * m, m), acc);
            }
        return TensorData.FromFloats(outShape, output);
    }

    private static TensorData Broadcast(TensorData x, int[] shape) => x.Shape.SequenceEqual(shape)
        ? x
        : Elementwise.Binary(BinaryKind.Add, x, TensorData.Zeros(ElementType.Float32, shape));

    public static TensorData Softmax(TensorData input, int axis, bool coerced2D, bool log)
    {
        int outer = Shapes.Size(input.Shape.AsSpan(0, axis));
        int size = coerced2D ? Shapes.Size(input.Shape.AsSpan(axis)) : input.Shape[axis];
        int inner = input.Length / outer / size;
        var x = input.Floats;
        var output = new float[x.Length];
        var column = new float[size];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i;
                for (int k = 0; k < size; k++) column[k] = x[start + k * inner];
                // Shift by the max first: TensorPrimitives.SoftMax exponentiates as is and would overflow on large logits.
                TensorPrimitives.Subtract(column, TensorPrimitives.Max(column), column);
                // log softmax = shifted - log(sum(exp(shifted))), exact where softmax underflows.
                if (log) TensorPrimitives.Subtract(column, (float)Math.Log(column.Sum(v => Math.Exp(v))), column);
                else TensorPrimitives.SoftMax(column, column);
                for (int k = 0; k < size; k++) output[start + k * inner] = column[k];
            }
        return TensorData.FromFloats(input.Shape, output);
    }

    public static TensorData ChannelAffine(TensorData input, int axis, float[] scale, float[] shift)
    {
        int outer = Shapes.Size(input.Shape.AsSpan(0, axis)), channels = input.Shape[axis], inner = input.Length / outer / channels;
        var x = input.Floats;
        var output = new float[x.Length];
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                TensorPrimitives.MultiplyAdd(x.AsSpan(o * channels, channels), scale, shift, output.AsSpan(o * channels, channels));
                continue;
            }
            for (int c = 0; c < channels; c++)
            {
                int start = (o * channels + c) * inner;
                TensorPrimitives.Multiply(x.AsSpan(start, inner), scale[c], output.AsSpan(start, inner));
                TensorPrimitives.Add(output.AsSpan(start, inner), shift[c], output.AsSpan(start, inner));
            }
        }
        return TensorData.FromFloats(input.Shape, output);
    }
}
