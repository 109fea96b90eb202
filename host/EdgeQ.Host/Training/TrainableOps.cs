using EdgeQ.Host.Ir;
using EdgeQ.Host.Reference;

namespace EdgeQ.Host.Training;

/// <summary>
/// One node of a trainable graph: the forward computes the node's value before its output stage (with the float
/// executor's kernels), the backward maps dL/d(that value) to dL/d(each input that needs it). Only gradients with
/// respect to activations exist here; a layer's bias gradient is the sum of its output gradient (TrainableGraph).
/// </summary>
internal abstract class TrainableOp
{
    public abstract TensorData Forward(TensorData[] inputs);

    /// <returns>Per input, its gradient, or null where <paramref name="needed"/> is false.</returns>
    public abstract TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed);

    public static TrainableOp For(Node node, TensorData? layerWeights, float[]? bias, Func<Value, TensorData> constant) => node switch
    {
        ConvNode conv => new ConvOp(conv, layerWeights!, bias!),
        FullyConnectedNode fc => new FullyConnectedOp(fc, layerWeights!, bias!),
        PoolNode pool => new PoolOp(pool),
        ReduceNode { Kind: ReduceKind.Mean or ReduceKind.Sum } reduce => new ReduceOp(reduce),
        BinaryNode binary => BinaryOp.For(binary, constant),
        ConcatNode concat => new ConcatOp(concat),
        ReshapeNode reshape => new ReshapeOp(reshape),
        PadNode { Mode: PadMode.Constant } pad => new PadOp(pad),
        TransposeNode transpose => new TransposeOp(transpose),
        ActivationNode => new CopyOp(),
        SoftmaxNode { Log: false } softmax when softmax.Axis == softmax.Input.Rank - 1 => new SoftmaxOp(),
        _ => throw new NotSupportedException($"{node}: bias fine-tuning has no gradient for {node.OpType}"),
    };
}

/// <summary>Conv, depthwise and grouped conv. dL/dx is the transposed convolution of dL/dz with the same weights.</summary>
internal sealed class ConvOp : TrainableOp
{
    private readonly ConvKernel forward;
    private readonly ConvTransposeKernel backward;

    public ConvOp(ConvNode node, TensorData weights, float[] bias)
    {
        // The kernel reads the bias array on every run, so training it in place is seen by the next forward.
        var layer = new ConvNode(node.Name) { Weights = weights, Bias = bias, Window = node.Window, Group = node.Group, DataLayout = Layout.Nhwc };
        layer.Inputs.Add(node.Input);
        layer.Outputs.Add(node.Output);
        forward = new ConvKernel(layer);
        // A transposed conv from the conv's output channels to its input channels, group for group: its weights are
        // [Cin_t = Cout, KH, KW, Cout_t / group = Cin / group] = the conv's OHWI; depthwise 1-KH-KW-C becomes C-KH-KW-1.
        var w = node.Window;
        int inH = node.Input.Shape[1], inW = node.Input.Shape[2], outH = node.Output.Shape[1], outW = node.Output.Shape[2];
        var transposed = new ConvTransposeNode(node.Name + ":input-gradient")
        {
            Weights = node.IsDepthwise ? weights.Transpose([3, 1, 2, 0]) : weights,
            Bias = new float[node.InChannels],
            Window = w,
            Group = node.Group,
            DataLayout = Layout.Nhwc,
            // What the strided conv's last window left unread at the bottom/right gets gradient 0.
            OutputPaddingH = inH - ((outH - 1) * w.StrideH + w.DilationH * (w.KernelH - 1) + 1 - w.PadTop - w.PadBottom),
            OutputPaddingW = inW - ((outW - 1) * w.StrideW + w.DilationW * (w.KernelW - 1) + 1 - w.PadLeft - w.PadRight),
        };
        transposed.Inputs.Add(node.Output);
        transposed.Outputs.Add(new Value(transposed.Name, ElementType.Float32, node.Input.Shape) { Layout = Layout.Nhwc });
        backward = new ConvTransposeKernel(transposed);
    }

    public override TensorData Forward(TensorData[] inputs) => forward.Run(inputs[0]);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) =>
        [needed[0] ? backward.Run(gradient) : null];
}

/// <summary>y = x W^T + b; dL/dx = dL/dy W.</summary>
internal sealed class FullyConnectedOp : TrainableOp
{
    private readonly FullyConnectedKernel forward;
    private readonly TensorData weights;

    public FullyConnectedOp(FullyConnectedNode node, TensorData weights, float[] bias)
    {
        var layer = new FullyConnectedNode(node.Name) { Weights = weights, Bias = bias };
        forward = new FullyConnectedKernel(layer);
        this.weights = weights;
    }

    public override TensorData Forward(TensorData[] inputs) => forward.Run(inputs[0]);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed)
    {
        if (!needed[0]) return [null];
        int rows = gradient.Length / weights.Shape[0];
        return [Dense.MatMul(gradient.Reshape([rows, weights.Shape[0]]), weights, [rows, weights.Shape[1]]).Reshape(inputs[0].Shape)];
    }
}

/// <summary>Max pooling passes the gradient to the window's (first) largest input; average pooling spreads it evenly.</summary>
internal sealed class PoolOp(PoolNode node) : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => Pooling.Pool(node, inputs[0]);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed)
    {
        if (!needed[0]) return [null];
        var (n, inH, inW, c) = NodeKernels.NhwcDims(inputs[0]);
        var (_, outH, outW, _) = NodeKernels.NhwcDims(output);
        var w = node.Window;
        float[] x = inputs[0].Floats, y = output.Floats, g = gradient.Floats;
        var result = new float[x.Length];
        var taps = new List<int>(w.KernelH * w.KernelW);
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    taps.Clear();
                    int inPadded = 0;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                            if (iy < inH + w.PadBottom && ix < inW + w.PadRight) inPadded++;
                            if ((uint)iy < (uint)inH && (uint)ix < (uint)inW) taps.Add(((b * inH + iy) * inW + ix) * c);
                        }
                    }
                    int at = ((b * outH + oy) * outW + ox) * c;
                    if (node.Kind == PoolKind.Average)
                    {
                        // The forward's divisor: count_include_pad counts padding taps, never taps past it (ceil mode).
                        float share = 1f / (node.CountIncludePad ? inPadded : taps.Count);
                        foreach (int tap in taps) VectorMath.MultiplyAccumulate(share, g.AsSpan(at, c), result.AsSpan(tap, c));
                        continue;
                    }
                    for (int ch = 0; ch < c; ch++)
                        foreach (int tap in taps)
                            if (x[tap + ch] == y[at + ch]) { result[tap + ch] += g[at + ch]; break; }
                }
        return [TensorData.FromFloats(inputs[0].Shape, result)];
    }
}

/// <summary>Mean or sum over axes: every reduced input element gets the output's gradient (divided by the count for a mean).</summary>
internal sealed class ReduceOp(ReduceNode node) : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => Pooling.Reduce(node.Kind, inputs[0], node.Axes, node.Output.Shape);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed)
    {
        if (!needed[0]) return [null];
        var inputShape = inputs[0].Shape;
        var kept = inputShape.Select((d, axis) => node.Axes.Contains(axis) ? 1 : d).ToArray();
        float share = node.Kind == ReduceKind.Mean ? (float)Shapes.Size(kept) / inputs[0].Length : 1;
        var spread = Broadcasting.To(gradient.Reshape(kept), inputShape);
        return [Elementwise.Binary(BinaryKind.Mul, spread, TensorData.FromFloats([], [share]))];
    }
}

/// <summary>
/// Add and Mul with broadcasting (SE blocks scale [N,H,W,C] by [N,1,1,C]); Sub and Div by a constant are Add of the
/// negated and Mul by the reciprocal constant, as the int8 lowering writes them.
/// </summary>
internal sealed class BinaryOp(bool multiply, TensorData? rightConstant) : TrainableOp
{
    public static BinaryOp For(BinaryNode node, Func<Value, TensorData> constant)
    {
        var right = node.Inputs[1];
        return node.Kind switch
        {
            BinaryKind.Add => new(false, right.IsConstant ? constant(right) : null),
            BinaryKind.Mul => new(true, right.IsConstant ? constant(right) : null),
            BinaryKind.Sub when right.IsConstant => new(false, constant(Value.FromConstant(right.Name + ":negated",
                TensorData.FromFloats(right.Shape, right.Constant!.Floats.Select(c => -c).ToArray())))),
            BinaryKind.Div when right.IsConstant => new(true, constant(Value.FromConstant(right.Name + ":reciprocal",
                TensorData.FromFloats(right.Shape, right.Constant!.Floats.Select(c => 1 / c).ToArray())))),
            _ => throw new NotSupportedException($"{node}: bias fine-tuning has no gradient for {node.OpType} of two activations"),
        };
    }

    private BinaryKind Kind => multiply ? BinaryKind.Mul : BinaryKind.Add;

    private TensorData Right(TensorData[] inputs) => rightConstant ?? inputs[1];

    public override TensorData Forward(TensorData[] inputs) => Elementwise.Binary(Kind, inputs[0], Right(inputs));

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed)
    {
        TensorData left = inputs[0], right = Right(inputs);
        TensorData? Through(TensorData other, TensorData self) =>
            Broadcasting.SumTo(multiply ? Elementwise.Binary(BinaryKind.Mul, gradient, other) : gradient, self.Shape);
        return [needed[0] ? Through(right, left) : null, needed[1] && rightConstant is null ? Through(left, right) : null];
    }
}

internal sealed class ConcatOp(ConcatNode node) : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => DataMovement.Concat(inputs, node.Axis);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) =>
        DataMovement.Split(gradient, node.Axis, inputs.Select(x => x.Shape[node.Axis]).ToArray());
}

internal sealed class ReshapeOp(ReshapeNode node) : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => inputs[0].Reshape(node.TargetShape);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) =>
        [gradient.Reshape(inputs[0].Shape)];
}

/// <summary>Constant padding: the gradient of the padded tensor, cropped back to the input.</summary>
internal sealed class PadOp(PadNode node) : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => DataMovement.Pad(inputs[0], node.Pads, node.Mode, node.ConstantValue);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) =>
        [DataMovement.Slice(gradient, node.Pads[..inputs[0].Rank], Enumerable.Repeat(1, inputs[0].Rank).ToArray(), inputs[0].Shape)];
}

internal sealed class TransposeOp(TransposeNode node) : TrainableOp
{
    private readonly int[] inverse = Enumerable.Range(0, node.Perm.Length).Select(axis => Array.IndexOf(node.Perm, axis)).ToArray();

    public override TensorData Forward(TensorData[] inputs) => inputs[0].Transpose(node.Perm);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) =>
        [gradient.Transpose(inverse)];
}

/// <summary>Softmax over the last axis (a classifier's output; the runtime computes it in float): dL/dx = y (g - sum(g y)) per row.</summary>
internal sealed class SoftmaxOp : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => Dense.Softmax(inputs[0], inputs[0].Rank - 1, coerced2D: false, log: false);

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed)
    {
        int size = output.Shape[^1];
        float[] y = output.Floats, g = gradient.Floats;
        var result = new float[y.Length];
        for (int row = 0; row < y.Length; row += size)
        {
            float dot = System.Numerics.Tensors.TensorPrimitives.Dot(g.AsSpan(row, size), y.AsSpan(row, size));
            for (int k = row; k < row + size; k++) result[k] = y[k] * (g[k] - dot);
        }
        return [TensorData.FromFloats(output.Shape, result)];
    }
}

/// <summary>A standalone activation: the copy its output stage then applies the activation to, in place.</summary>
internal sealed class CopyOp : TrainableOp
{
    public override TensorData Forward(TensorData[] inputs) => TensorData.FromFloats(inputs[0].Shape, (float[])inputs[0].Floats.Clone());

    public override TensorData?[] Backward(TensorData[] inputs, TensorData output, TensorData gradient, bool[] needed) => [gradient];
}

/// <summary>ONNX broadcasting in reverse, through the float executor's elementwise and reduction code.</summary>
internal static class Broadcasting
{
    public static TensorData To(TensorData x, int[] shape) => x.Shape.SequenceEqual(shape)
        ? x
        : Elementwise.Binary(BinaryKind.Add, x, TensorData.Zeros(ElementType.Float32, shape));

    /// <summary>Sums a gradient of the broadcast shape over the axes the operand of <paramref name="shape"/> was broadcast along.</summary>
    public static TensorData SumTo(TensorData gradient, int[] shape)
    {
        if (gradient.Shape.SequenceEqual(shape)) return gradient;
        int rank = gradient.Rank;
        int[] aligned = [.. Enumerable.Repeat(1, rank - shape.Length), .. shape];
        int[] axes = Enumerable.Range(0, rank).Where(axis => aligned[axis] == 1 && gradient.Shape[axis] > 1).ToArray();
        return Pooling.Reduce(ReduceKind.Sum, gradient, axes, aligned).Reshape(shape);
    }
}
