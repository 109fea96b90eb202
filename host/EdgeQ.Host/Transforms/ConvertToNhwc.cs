using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>
/// Lays 4-D activations out as NHWC, the int8 runtime's layout. 4-D graph inputs become NHWC; spatial ops (conv,
/// pooling, resize) run NHWC; ops with an axis (concat, split, slice, pad, softmax, reduce, gather, batchnorm,
/// transpose) and broadcasting binaries follow their input with remapped axes (constant operands are transposed
/// here); every other op (reshape, matmul, ...) reads ONNX order, so a Transpose is inserted in front of it.
/// Layout no-op transposes are removed afterwards by <see cref="SimplifyLayout"/>.
/// </summary>
public static class ConvertToNhwc
{
    public static void Run(Graph graph)
    {
        foreach (var input in graph.Inputs.Where(v => v.Rank == 4 && v.Type == ElementType.Float32))
        {
            input.Shape = Shapes.Permute(input.Shape, Nhwc.FromNchw);
            input.Layout = Layout.Nhwc;
        }
        var converted = new Dictionary<(Value, Layout), Value>();
        foreach (var node in graph.Nodes.ToList())
        {
            Layout outputLayout = Convert(graph, node, converted);
            node.InferShapes();
            foreach (var output in node.Outputs) output.Layout = output.Rank == 4 ? outputLayout : Layout.Plain;
        }
    }

    /// <summary>Rewrites one node for NHWC inputs where it can, and returns the layout of its outputs.</summary>
    private static Layout Convert(Graph graph, Node node, Dictionary<(Value, Layout), Value> converted)
    {
        Value To(Layout layout, Value v) => ConvertValue(graph, node, v, layout, converted);
        bool nhwcInput = node.Inputs.Count > 0 && node.Input.Layout == Layout.Nhwc;
        switch (node)
        {
            case SpatialNode spatial:
                node.Inputs[0] = To(Layout.Nhwc, node.Input);
                spatial.DataLayout = Layout.Nhwc;
                return Layout.Nhwc;
            case ActivationNode or IdentityNode:
                return node.Input.Layout;
            case BinaryNode when node.Inputs.Any(v => v.Layout == Layout.Nhwc) && node.Inputs.All(v => v.Rank <= 4):
                for (int i = 0; i < node.Inputs.Count; i++) node.Inputs[i] = To(Layout.Nhwc, ExpandTo4D(graph, node, node.Inputs[i]));
                return Layout.Nhwc;
            case ConcatNode concat when node.Inputs.Any(v => v.Layout == Layout.Nhwc):
                for (int i = 0; i < node.Inputs.Count; i++) node.Inputs[i] = To(Layout.Nhwc, node.Inputs[i]);
                concat.Axis = Nhwc.PhysicalAxis(concat.Axis);
                return Layout.Nhwc;
            case SplitNode split when nhwcInput:
                split.Axis = Nhwc.PhysicalAxis(split.Axis);
                return Layout.Nhwc;
            case BatchNormalizationNode bn when nhwcInput:
                bn.Axis = Nhwc.PhysicalAxis(bn.Axis);
                return Layout.Nhwc;
            case SoftmaxNode { Coerced2D: false } softmax when nhwcInput:
                softmax.Axis = Nhwc.PhysicalAxis(softmax.Axis);
                return Layout.Nhwc;
            case ReduceNode { KeepDims: true } reduce when nhwcInput:
                reduce.Axes = reduce.Axes.Select(Nhwc.PhysicalAxis).Order().ToArray();
                return Layout.Nhwc;
            case GatherNode { Indices.Rank: 1 } gather when nhwcInput:
                gather.Axis = Nhwc.PhysicalAxis(gather.Axis);
                return Layout.Nhwc;
            case SliceNode slice when nhwcInput:
                // Physical axis p holds ONNX axis FromNchw[p], so per-axis arrays are permuted like shapes.
                slice.Start = Shapes.Permute(slice.Start, Nhwc.FromNchw);
                slice.Step = Shapes.Permute(slice.Step, Nhwc.FromNchw);
                slice.Count = Shapes.Permute(slice.Count, Nhwc.FromNchw);
                return Layout.Nhwc;
            case PadNode pad when nhwcInput:
                pad.Pads = [.. Shapes.Permute(pad.Pads[..4], Nhwc.FromNchw), .. Shapes.Permute(pad.Pads[4..], Nhwc.FromNchw)];
                return Layout.Nhwc;
            case TransposeNode transpose when nhwcInput:
                // Output axis i is ONNX input axis perm[i], stored at physical axis PhysicalAxis(perm[i]).
                transpose.Perm = transpose.Perm.Select(Nhwc.PhysicalAxis).ToArray();
                return Layout.Plain;
            default:
                for (int i = 0; i < node.Inputs.Count; i++) node.Inputs[i] = To(Layout.Plain, node.Inputs[i]);
                return Layout.Plain;
        }
    }

    /// <summary>Broadcasting aligns shapes from the right; a lower-rank operand is made 4-D first so it can be laid out.</summary>
    private static Value ExpandTo4D(Graph graph, Node reader, Value value)
    {
        if (value.Rank == 4) return value;
        int[] shape = [.. Enumerable.Repeat(1, 4 - value.Rank), .. value.Shape];
        if (value.IsConstant) return Value.FromConstant(value.Name, value.Constant!.Reshape(shape));
        var reshape = new ReshapeNode(graph.UniqueName(value.Name + "_4d")) { TargetShape = shape };
        reshape.Inputs.Add(value);
        reshape.Outputs.Add(new Value(reshape.Name, value.Type, shape));
        graph.InsertBefore(reader, reshape);
        reshape.InferShapes();
        return reshape.Output;
    }

    private static Value ConvertValue(Graph graph, Node reader, Value value, Layout layout, Dictionary<(Value, Layout), Value> converted)
    {
        if (value.Rank != 4 || value.Layout == layout) return value;
        if (converted.TryGetValue((value, layout), out var done)) return done;
        int[] perm = layout == Layout.Nhwc ? Nhwc.FromNchw : Nhwc.ToNchw;
        Value result;
        if (value.IsConstant)
            result = Value.FromConstant(value.Name + (layout == Layout.Nhwc ? "_nhwc" : "_nchw"), value.Constant!.Transpose(perm));
        else
        {
            var transpose = new TransposeNode(graph.UniqueName(value.Name + (layout == Layout.Nhwc ? "_to_nhwc" : "_to_nchw"))) { Perm = perm };
            transpose.Inputs.Add(value);
            transpose.Outputs.Add(new Value(transpose.Name, value.Type, []));
            graph.InsertBefore(reader, transpose);
            transpose.InferShapes();
            result = transpose.Output;
        }
        result.Layout = layout;
        converted[(value, layout)] = result;
        return result;
    }
}
