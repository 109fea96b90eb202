using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>Computes a node's outputs from its input tensors; a fused activation is not applied yet.</summary>
public delegate TensorData[] NodeKernel(TensorData[] inputs);

/// <summary>Prepare step of the float executor: validates a node and packs what it needs once, returns its kernel.</summary>
public static class NodeKernels
{
    public static NodeKernel Prepare(Node node)
    {
        if (node is SpatialNode { DataLayout: not Layout.Nhwc })
            throw new InvalidOperationException($"{node}: the executor runs NHWC graphs (run GraphOptimizer first)");
        return PrepareKernel(node);
    }

    private static NodeKernel PrepareKernel(Node node) => node switch
    {
        ConvNode conv => Single(new ConvKernel(conv).Run),
        ConvTransposeNode deconv => Single(new ConvTransposeKernel(deconv).Run),
        FullyConnectedNode fc => Single(new FullyConnectedKernel(fc).Run),
        PoolNode pool => Single(x => Pooling.Pool(pool, x)),
        ResizeNode resize => Single(x => Resizing.Resize(resize, x)),
        ReduceNode reduce => Single(x => Pooling.Reduce(reduce.Kind, x, reduce.Axes, reduce.Output.Shape)),
        BinaryNode binary => inputs => [Elementwise.Binary(binary.Kind, inputs[0], inputs[1])],
        ActivationNode act => Single(x => ApplyActivation(act.Activation, x)),
        MatMulNode matmul => inputs => [Dense.MatMul(inputs[0], inputs[1], matmul.Output.Shape)],
        BatchNormalizationNode bn => Single(x => Dense.ChannelAffine(x, bn.Axis, bn.Scale, bn.Shift)),
        SoftmaxNode softmax => Single(x => Dense.Softmax(x, softmax.Axis, softmax.Coerced2D, softmax.Log)),
        ConcatNode concat => inputs => [DataMovement.Concat(inputs, concat.Axis)],
        SplitNode split => inputs => DataMovement.Split(inputs[0], split.Axis, split.Sizes),
        SliceNode slice => Single(x => DataMovement.Slice(x, slice.Start, slice.Step, slice.Count)),
        PadNode pad => Single(x => DataMovement.Pad(x, pad.Pads, pad.Mode, pad.ConstantValue)),
        TransposeNode transpose => Single(x => x.Transpose(transpose.Perm)),
        ReshapeNode reshape => Single(x => x.Reshape(reshape.TargetShape)),
        GatherNode gather => Single(x => DataMovement.Gather(x, gather.Axis, gather.Indices)),
        ShapeNode shape => _ => [TensorData.FromLongs([shape.Dims.Length], shape.Dims.Select(d => (long)d).ToArray())],
        IdentityNode => inputs => [inputs[0]],
        CastNode cast => Single(x => Elementwise.Cast(x, cast.To)),
        _ => throw new NotSupportedException($"{node}: no float kernel for {node.GetType().Name}"),
    };

    /// <summary>(N, H, W, C) of an NHWC activation.</summary>
    internal static (int N, int H, int W, int C) NhwcDims(TensorData x) => (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);

    private static NodeKernel Single(Func<TensorData, TensorData> kernel) => inputs => [kernel(inputs[0])];

    private static TensorData ApplyActivation(Activation activation, TensorData x)
    {
        var result = (float[])x.Floats.Clone();
        activation.Apply(result);
        return TensorData.FromFloats(x.Shape, result);
    }

    /// <summary>The activation fused into a node (None when the node cannot carry one).</summary>
    public static Activation FusedActivation(Node node) => node is IFusedActivation fused ? fused.Activation : Activation.None;
}
