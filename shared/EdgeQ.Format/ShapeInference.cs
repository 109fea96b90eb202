namespace EdgeQ.Format;

/// <summary>
/// The one definition of every op's output shape, shared by the validator and the packers. Inconsistent inputs or
/// parameters raise <see cref="EqmFormatException"/> naming the input or parameter.
/// </summary>
public static class ShapeInference
{
    /// <summary>Output shape of an op with the given parameters and input shapes (in the kind's input order).</summary>
    public static EquatableArray<int> OutputShape(OpParams parameters, IReadOnlyList<EquatableArray<int>> inputs)
    {
        CheckInputCount(parameters.Kind, inputs.Count);
        return parameters switch
        {
            Conv2DParams p => Conv2D(inputs, p.Window, p.Groups),
            DepthwiseConv2DParams p => DepthwiseConv2D(inputs, p.Window),
            TransposeConv2DParams p => TransposeConv2D(inputs, p.Window),
            FullyConnectedParams => FullyConnected(inputs),
            AveragePool2DParams p => Pool2D(inputs[0], p.Window),
            MaxPool2DParams p => Pool2D(inputs[0], p.Window),
            GlobalAveragePoolParams => GlobalPool(inputs[0]),
            AddParams or MulParams => Broadcast(inputs[0], inputs[1]),
            ConcatParams p => Concat(inputs, p.Axis),
            PadParams p => Pad(inputs[0], p),
            ResizeParams p => Resize(inputs[0], p),
            ReshapeParams p => Reshape(inputs[0], p.Shape),
            LutParams or SoftmaxParams or DequantizeParams => inputs[0],
            _ => throw new EqmFormatException($"no shape rule for op kind {parameters.Kind}"),
        };
    }

    /// <summary>Output shape of an op whose inputs are the given indices into <paramref name="tensors"/>.</summary>
    public static EquatableArray<int> OutputShape(OpParams parameters, EquatableArray<int> inputs, IReadOnlyList<EqmTensor> tensors)
    {
        var shapes = new EquatableArray<int>[inputs.Count];
        for (int i = 0; i < shapes.Length; i++)
            shapes[i] = tensors[inputs[i]].Shape;
        return OutputShape(parameters, shapes);
    }

    /// <summary>Output size of a convolution or pooling window along one axis (floor division).</summary>
    public static int WindowOutputSize(int input, int kernel, int stride, int dilation, int padBefore, int padAfter, string axis)
    {
        long padded = (long)input + padBefore + padAfter;
        long span = (long)dilation * (kernel - 1) + 1;
        if (padded < span)
            throw new EqmFormatException($"{axis}: window of {span} (kernel {kernel}, dilation {dilation}) exceeds the padded input {padded}");
        return ToDimension((padded - span) / stride + 1, axis);
    }

    /// <summary>Output size of a transposed convolution along one axis.</summary>
    public static int TransposeOutputSize(int input, int kernel, int stride, int dilation, int padBefore, int padAfter, string axis) =>
        ToDimension((long)(input - 1) * stride + (long)dilation * (kernel - 1) + 1 - padBefore - padAfter, axis);

    /// <summary>Numpy broadcasting: shapes aligned at the last axis, each pair equal or one of them 1.</summary>
    public static EquatableArray<int> Broadcast(EquatableArray<int> a, EquatableArray<int> b)
    {
        int rank = Math.Max(a.Count, b.Count);
        var result = new int[rank];
        for (int i = 1; i <= rank; i++)
        {
            int da = i <= a.Count ? a[^i] : 1, db = i <= b.Count ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
                throw new EqmFormatException($"shapes {a} and {b} do not broadcast (axis {rank - i}: {da} vs {db})");
            result[rank - i] = Math.Max(da, db);
        }
        return result;
    }

    private static void CheckInputCount(OpKind kind, int count)
    {
        if (OpInputs.IsVariadic(kind) ? count < 1 : count != OpInputs.Names(kind).Count)
        {
            string expected = OpInputs.IsVariadic(kind) ? "at least 1" : $"{OpInputs.Names(kind).Count} ({string.Join(", ", OpInputs.Names(kind))})";
            throw new EqmFormatException($"{count} inputs, expected {expected}");
        }
    }

    private static EquatableArray<int> Conv2D(IReadOnlyList<EquatableArray<int>> inputs, Window2D window, int groups)
    {
        var (x, w, b) = (Rank(inputs[0], 4, "X"), Rank(inputs[1], 4, "W"), Rank(inputs[2], 1, "B"));
        int inChannels = x[3], outChannels = w[0];
        if (groups < 1) throw new EqmFormatException($"groups {groups} must be >= 1");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new EqmFormatException($"groups {groups} must divide input channels {inChannels} and output channels {outChannels}");
        Expect(w[3] == inChannels / groups, "W", $"has {w[3]} input channels per group, X has {inChannels} / groups {groups}");
        CheckKernel(w, window);
        CheckBias(b, outChannels);
        return WindowedNhwc(x, window, outChannels);
    }

    private static EquatableArray<int> DepthwiseConv2D(IReadOnlyList<EquatableArray<int>> inputs, Window2D window)
    {
        var (x, w, b) = (Rank(inputs[0], 4, "X"), Rank(inputs[1], 4, "W"), Rank(inputs[2], 1, "B"));
        Expect(w[0] == 1, "W", $"dimension 0 is {w[0]}, must be 1 (layout 1HWC, channel multiplier 1)");
        Expect(w[3] == x[3], "W", $"has {w[3]} channels, X has {x[3]}");
        CheckKernel(w, window);
        CheckBias(b, x[3]);
        return WindowedNhwc(x, window, x[3]);
    }

    private static EquatableArray<int> TransposeConv2D(IReadOnlyList<EquatableArray<int>> inputs, Window2D window)
    {
        var (x, w, b) = (Rank(inputs[0], 4, "X"), Rank(inputs[1], 4, "W"), Rank(inputs[2], 1, "B"));
        Expect(w[3] == x[3], "W", $"has {w[3]} input channels, X has {x[3]}");
        CheckKernel(w, window);
        CheckBias(b, w[0]);
        CheckWindow(window);
        var pads = window.Pads;
        return (int[])[x[0],
            TransposeOutputSize(x[1], window.KernelH, window.StrideH, window.DilationH, pads.Top, pads.Bottom, "output height"),
            TransposeOutputSize(x[2], window.KernelW, window.StrideW, window.DilationW, pads.Left, pads.Right, "output width"),
            w[0]];
    }

    private static EquatableArray<int> FullyConnected(IReadOnlyList<EquatableArray<int>> inputs)
    {
        var (x, w, b) = (Rank(inputs[0], 2, "X"), Rank(inputs[1], 2, "W"), Rank(inputs[2], 1, "B"));
        Expect(w[1] == x[1], "W", $"has {w[1]} inputs, X has {x[1]} features");
        CheckBias(b, w[0]);
        return (int[])[x[0], w[0]];
    }

    private static EquatableArray<int> Pool2D(EquatableArray<int> x, Window2D window) => WindowedNhwc(Rank(x, 4, "X"), window, x[3]);

    private static EquatableArray<int> GlobalPool(EquatableArray<int> x) => (int[])[Rank(x, 4, "X")[0], 1, 1, x[3]];

    private static EquatableArray<int> Concat(IReadOnlyList<EquatableArray<int>> inputs, int axis)
    {
        var first = inputs[0];
        if (axis < 0 || axis >= first.Count) throw new EqmFormatException($"axis {axis} out of range for rank {first.Count}");
        var result = first.AsSpan().ToArray();
        long total = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var shape = inputs[i];
            for (int d = 0; d < first.Count; d++)
            {
                if (shape.Count != first.Count || (d != axis && shape[d] != first[d]))
                    throw new EqmFormatException($"input X{i + 1} shape {shape} does not match X1 {first} outside axis {axis}");
            }
            total += shape[axis];
        }
        result[axis] = ToDimension(total, "concatenated axis");
        return result;
    }

    private static EquatableArray<int> Pad(EquatableArray<int> x, PadParams pad)
    {
        if (pad.Before.Count != x.Count || pad.After.Count != x.Count)
            throw new EqmFormatException($"pads have {pad.Before.Count} before and {pad.After.Count} after entries, X has rank {x.Count}");
        var result = new int[x.Count];
        for (int d = 0; d < x.Count; d++)
        {
            if (pad.Before[d] < 0 || pad.After[d] < 0)
                throw new EqmFormatException($"pad on axis {d} ({pad.Before[d]}, {pad.After[d]}) is negative");
            result[d] = ToDimension((long)x[d] + pad.Before[d] + pad.After[d], $"padded axis {d}");
        }
        return result;
    }

    private static EquatableArray<int> Resize(EquatableArray<int> x, ResizeParams resize)
    {
        Rank(x, 4, "X");
        if (resize.OutputHeight < 1 || resize.OutputWidth < 1)
            throw new EqmFormatException($"output size {resize.OutputHeight}x{resize.OutputWidth} is not positive");
        return (int[])[x[0], resize.OutputHeight, resize.OutputWidth, x[3]];
    }

    private static EquatableArray<int> Reshape(EquatableArray<int> x, EquatableArray<int> shape)
    {
        if (shape.Count > Shapes.MaxRank) throw new EqmFormatException($"shape {shape} has rank above {Shapes.MaxRank}");
        if (Shapes.ElementCount(shape.AsSpan()) != Shapes.ElementCount(x.AsSpan()))
            throw new EqmFormatException($"shape {shape} does not hold the {Shapes.ElementCount(x.AsSpan())} elements of X {x}");
        return shape;
    }

    private static EquatableArray<int> WindowedNhwc(EquatableArray<int> x, Window2D window, int channels)
    {
        CheckWindow(window);
        var pads = window.Pads;
        return (int[])[x[0],
            WindowOutputSize(x[1], window.KernelH, window.StrideH, window.DilationH, pads.Top, pads.Bottom, "output height"),
            WindowOutputSize(x[2], window.KernelW, window.StrideW, window.DilationW, pads.Left, pads.Right, "output width"),
            channels];
    }

    private static void CheckWindow(Window2D w)
    {
        if (w.KernelH < 1 || w.KernelW < 1 || w.StrideH < 1 || w.StrideW < 1 || w.DilationH < 1 || w.DilationW < 1)
            throw new EqmFormatException($"kernel {w.KernelH}x{w.KernelW}, stride {w.StrideH}x{w.StrideW}, dilation {w.DilationH}x{w.DilationW} must all be >= 1");
        if (w.Pads.Top < 0 || w.Pads.Left < 0 || w.Pads.Bottom < 0 || w.Pads.Right < 0)
            throw new EqmFormatException($"pads top {w.Pads.Top}, left {w.Pads.Left}, bottom {w.Pads.Bottom}, right {w.Pads.Right} must be >= 0");
    }

    private static void CheckKernel(EquatableArray<int> weights, Window2D window) =>
        Expect(weights[1] == window.KernelH && weights[2] == window.KernelW, "W",
            $"kernel {weights[1]}x{weights[2]} differs from the window's {window.KernelH}x{window.KernelW}");

    private static void CheckBias(EquatableArray<int> bias, int outChannels) =>
        Expect(bias[0] == outChannels, "B", $"has {bias[0]} entries, expected one per output channel ({outChannels})");

    private static EquatableArray<int> Rank(EquatableArray<int> shape, int rank, string input) =>
        shape.Count == rank ? shape : throw new EqmFormatException($"input {input} shape {shape} must have rank {rank}");

    private static void Expect(bool condition, string input, string problem)
    {
        if (!condition) throw new EqmFormatException($"input {input} {problem}");
    }

    private static int ToDimension(long size, string what) => size is >= 1 and <= int.MaxValue
        ? (int)size
        : throw new EqmFormatException($"{what} would be {size}, outside 1..2^31-1");
}
