using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Onnx;

internal delegate IEnumerable<(string Name, Value Value)> OpConverter(NodeContext context, Graph graph);

/// <summary>One converter per ONNX operator, mapping it (and its opset-dependent form) to IR nodes.</summary>
internal static class OpConverters
{
    public static readonly IReadOnlyDictionary<string, OpConverter> All = new Dictionary<string, OpConverter>
    {
        ["Conv"] = Conv,
        ["ConvTranspose"] = ConvTranspose,
        ["BatchNormalization"] = BatchNormalization,
        ["Gemm"] = Gemm,
        ["MatMul"] = MatMul,
        ["Add"] = (c, g) => Binary(c, g, BinaryKind.Add),
        ["Sub"] = (c, g) => Binary(c, g, BinaryKind.Sub),
        ["Mul"] = (c, g) => Binary(c, g, BinaryKind.Mul),
        ["Div"] = (c, g) => Binary(c, g, BinaryKind.Div),
        ["PRelu"] = (c, g) => Binary(c, g, BinaryKind.PRelu),
        ["Pow"] = (c, g) => Binary(c, g, BinaryKind.Pow),
        ["Relu"] = (c, g) => Act(c, g, Activation.Relu),
        ["Sqrt"] = (c, g) => Act(c, g, new(ActivationKind.Sqrt)),
        ["Exp"] = (c, g) => Act(c, g, new(ActivationKind.Exp)),
        ["Neg"] = (c, g) => Act(c, g, new(ActivationKind.Neg)),
        ["Abs"] = (c, g) => Act(c, g, new(ActivationKind.Abs)),
        ["Reciprocal"] = (c, g) => Act(c, g, new(ActivationKind.Reciprocal)),
        ["Cast"] = Cast,
        ["LeakyRelu"] = (c, g) => Act(c, g, new(ActivationKind.LeakyRelu, c.Float("alpha", 0.01f))),
        ["Sigmoid"] = (c, g) => Act(c, g, new(ActivationKind.Sigmoid)),
        ["Tanh"] = (c, g) => Act(c, g, new(ActivationKind.Tanh)),
        ["HardSigmoid"] = (c, g) => Act(c, g, new(ActivationKind.HardSigmoid, c.Float("alpha", 0.2f), c.Float("beta", 0.5f))),
        ["HardSwish"] = (c, g) => Act(c, g, new(ActivationKind.HardSwish)),
        ["Clip"] = Clip,
        ["Softmax"] = (c, g) => Softmax(c, g, log: false),
        ["LogSoftmax"] = (c, g) => Softmax(c, g, log: true),
        ["GlobalAveragePool"] = (c, g) => GlobalPool(c, g, ReduceKind.Mean),
        ["GlobalMaxPool"] = (c, g) => GlobalPool(c, g, ReduceKind.Max),
        ["AveragePool"] = (c, g) => Pool(c, g, PoolKind.Average),
        ["MaxPool"] = (c, g) => Pool(c, g, PoolKind.Max),
        ["ReduceMean"] = (c, g) => Reduce(c, g, ReduceKind.Mean),
        ["ReduceSum"] = (c, g) => Reduce(c, g, ReduceKind.Sum),
        ["ReduceMax"] = (c, g) => Reduce(c, g, ReduceKind.Max),
        ["ReduceMin"] = (c, g) => Reduce(c, g, ReduceKind.Min),
        ["Concat"] = (c, g) => Add(c, g, new ConcatNode(c.Name) { Axis = Axis(c, c.Int("axis", 1), c.InputShape().Length) }, Inputs(c)),
        ["Split"] = Split,
        ["Slice"] = Slice,
        ["Pad"] = Pad,
        ["Resize"] = Resize,
        ["Upsample"] = Resize,
        ["Reshape"] = Reshape,
        ["Flatten"] = Flatten,
        ["Transpose"] = Transpose,
        ["Squeeze"] = Squeeze,
        ["Unsqueeze"] = Unsqueeze,
        ["Shape"] = Shape,
        ["Gather"] = Gather,
        ["Constant"] = Constant,
        ["Identity"] = (c, g) => Add(c, g, new IdentityNode(c.Name, "Identity"), [c.Input(0)]),
        ["Dropout"] = Dropout,
    };

    private static IEnumerable<(string, Value)> Add(NodeContext c, Graph g, Node node, IEnumerable<Value> inputs)
    {
        node.Inputs.AddRange(inputs);
        return OnnxImporter.Add(c, g, node);
    }

    private static IEnumerable<Value> Inputs(NodeContext c) => Enumerable.Range(0, c.InputCount).Select(c.Input);

    private static int Axis(NodeContext c, long axis, int rank)
    {
        try { return Shapes.Axis(axis, rank); }
        catch (ArgumentException e) { throw c.Fail(e.Message); }
    }

    private static void RejectExtraOutputs(NodeContext c, string what)
    {
        if (c.Proto.Output.Skip(1).Any(o => o.Length > 0)) throw c.Fail($"the {what} output is not supported (inference graphs only)");
    }

    private static void RequireRank4(NodeContext c)
    {
        if (c.InputShape().Length != 4) throw c.Fail($"only 2-D spatial (4-D NCHW) inputs are supported, got {Shapes.Format(c.InputShape())}");
    }

    /// <summary>Explicit window geometry from kernel_shape/strides/dilations/pads/auto_pad for an NCHW input.</summary>
    private static Window Window(NodeContext c, int kernelH, int kernelW)
    {
        long[] strides = c.Ints("strides") ?? [1, 1], dilations = c.Ints("dilations") ?? [1, 1], pads = c.Ints("pads") ?? [0, 0, 0, 0];
        var window = new Window(kernelH, kernelW, (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1],
            (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
        string autoPad = c.String("auto_pad", "NOTSET");
        if (autoPad is "NOTSET") return window;
        if (autoPad is "VALID") return window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 };
        if (autoPad is not ("SAME_UPPER" or "SAME_LOWER")) throw c.Fail($"auto_pad '{autoPad}' is not supported");
        // SAME: output = ceil(input / stride); the odd padding pixel goes at the end (UPPER) or the start (LOWER).
        var (top, bottom) = SamePads(c.InputShape()[2], kernelH, window.StrideH, window.DilationH, autoPad == "SAME_UPPER");
        var (left, right) = SamePads(c.InputShape()[3], kernelW, window.StrideW, window.DilationW, autoPad == "SAME_UPPER");
        return window with { PadTop = top, PadLeft = left, PadBottom = bottom, PadRight = right };
    }

    private static (int Begin, int End) SamePads(int input, int kernel, int stride, int dilation, bool upper)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + (kernel - 1) * dilation + 1 - input);
        return upper ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
    }

    private static float[] BiasOrZeros(NodeContext c, int index, int channels)
    {
        var bias = c.OptionalConstantInput(index);
        if (bias is null) return new float[channels]; // explicit zeros: bias correction always needs a bias to adjust
        if (bias.Length != channels) throw c.Fail($"bias has {bias.Length} elements, expected {channels}");
        return (float[])bias.Floats.Clone();
    }

    private static IEnumerable<(string, Value)> Conv(NodeContext c, Graph g)
    {
        RequireRank4(c);
        var weights = c.ConstantInput(1);
        if (weights.Rank != 4) throw c.Fail($"only 2-D convolutions are supported (weights {Shapes.Format(weights.Shape)})");
        int group = (int)c.Int("group", 1), cout = weights.Shape[0], cin = c.InputShape()[1];
        bool depthwise = group > 1 && group == cin;
        var node = new ConvNode(c.Name)
        {
            // src = O-I-KH-KW   dst = O-KH-KW-I, or for depthwise [C*m,1,KH,KW] -> [1,KH,KW,C*m] (channels innermost)
            Weights = weights.Transpose(depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1]),
            Bias = BiasOrZeros(c, 2, cout),
            Window = Window(c, weights.Shape[2], weights.Shape[3]),
            Group = group,
        };
        if (weights.Shape[1] * group != cin) throw c.Fail($"weights {Shapes.Format(weights.Shape)} do not match {cin} input channels in {group} groups");
        return Add(c, g, node, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> ConvTranspose(NodeContext c, Graph g)
    {
        RequireRank4(c);
        var weights = c.ConstantInput(1);
        if (weights.Rank != 4) throw c.Fail($"only 2-D transposed convolutions are supported (weights {Shapes.Format(weights.Shape)})");
        int group = (int)c.Int("group", 1), cout = weights.Shape[1] * group;
        long[] outputPadding = c.Ints("output_padding") ?? [0, 0];
        long[] strides = c.Ints("strides") ?? [1, 1], dilations = c.Ints("dilations") ?? [1, 1], pads = c.Ints("pads") ?? [0, 0, 0, 0];
        var window = new Window(weights.Shape[2], weights.Shape[3], (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1],
            (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
        string autoPad = c.String("auto_pad", "NOTSET");
        long[]? outputShape = c.Ints("output_shape");
        if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            int[] input = c.InputShape();
            int[] target = outputShape is not null
                ? [.. outputShape.TakeLast(2).Select(v => (int)v)]
                : [input[2] * window.StrideH, input[3] * window.StrideW];
            // ONNX: total padding = stride*(in-1) + output_padding + (k-1)*d + 1 - output; SAME_UPPER puts the odd pixel at the end.
            int PadTotal(int axis, int stride, int kernel, int dilation) =>
                stride * (input[axis + 2] - 1) + (int)outputPadding[axis] + (kernel - 1) * dilation + 1 - target[axis];
            int th = PadTotal(0, window.StrideH, window.KernelH, window.DilationH), tw = PadTotal(1, window.StrideW, window.KernelW, window.DilationW);
            bool lower = autoPad == "SAME_LOWER";
            window = window with
            {
                PadTop = lower ? th - th / 2 : th / 2, PadBottom = lower ? th / 2 : th - th / 2,
                PadLeft = lower ? tw - tw / 2 : tw / 2, PadRight = lower ? tw / 2 : tw - tw / 2,
            };
        }
        else if (autoPad is "VALID") window = window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 };
        var node = new ConvTransposeNode(c.Name)
        {
            // src = I-O-KH-KW   dst = I-KH-KW-O: one input channel scatters a contiguous run of outputs per tap
            Weights = weights.Transpose([0, 2, 3, 1]),
            Bias = BiasOrZeros(c, 2, cout),
            Window = window,
            Group = group,
            OutputPaddingH = (int)outputPadding[0],
            OutputPaddingW = (int)outputPadding[1],
        };
        return Add(c, g, node, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> BatchNormalization(NodeContext c, Graph g)
    {
        if (c.Int("training_mode", 0) != 0) throw c.Fail("training_mode is not supported");
        if (c.Int("spatial", 1) == 0) throw c.Fail("spatial = 0 (per-element statistics, opset < 9) is not supported");
        RejectExtraOutputs(c, "running statistics");
        float[] gamma = c.ConstantInput(1).Floats, beta = c.ConstantInput(2).Floats, mean = c.ConstantInput(3).Floats, variance = c.ConstantInput(4).Floats;
        double epsilon = c.Float("epsilon", 1e-5f);
        var scale = new float[gamma.Length];
        var shift = new float[gamma.Length];
        for (int i = 0; i < gamma.Length; i++)
        {
            double s = gamma[i] / Math.Sqrt(variance[i] + epsilon);
            scale[i] = (float)s;
            shift[i] = (float)(beta[i] - mean[i] * s);
        }
        return Add(c, g, new BatchNormalizationNode(c.Name) { Axis = 1, Scale = scale, Shift = shift }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Gemm(NodeContext c, Graph g)
    {
        if (c.Int("transA", 0) != 0) throw c.Fail("transA = 1 is not supported");
        if (c.InputShape().Length != 2) throw c.Fail($"input A must be 2-D, got {Shapes.Format(c.InputShape())}");
        var b = c.ConstantInput(1);
        float alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        // src = [K, M] (or [M, K] with transB)   dst = [M, K] (OI), alpha folded in
        var weights = c.Int("transB", 0) != 0 ? b : b.Transpose([1, 0]);
        var scaled = weights.Floats.Select(v => v * alpha).ToArray();
        int m = weights.Shape[0];
        var bias = new float[m];
        var cTensor = c.OptionalConstantInput(2);
        if (cTensor is not null)
        {
            if (cTensor.Length == 1) Array.Fill(bias, cTensor.Floats[0] * beta);
            else if (cTensor.Length == m) bias = cTensor.Floats.Select(v => v * beta).ToArray();
            else throw c.Fail($"bias C of shape {Shapes.Format(cTensor.Shape)} is not supported (a scalar or [M] only)");
        }
        return Add(c, g, new FullyConnectedNode(c.Name) { Weights = TensorData.FromFloats(weights.Shape, scaled), Bias = bias }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> MatMul(NodeContext c, Graph g)
    {
        var right = c.Input(1);
        if (right.IsConstant && right.Rank == 2 && c.Input(0).Rank >= 2 && c.Input(0).Type == ElementType.Float32)
        {
            // A constant right operand is a fully connected layer: src = [K, M]   dst = [M, K] (OI)
            var weights = right.Constant!.Transpose([1, 0]);
            return Add(c, g, new FullyConnectedNode(c.Name) { Weights = weights, Bias = new float[weights.Shape[0]] }, [c.Input(0)]);
        }
        return Add(c, g, new MatMulNode(c.Name), [c.Input(0), right]);
    }

    private static IEnumerable<(string, Value)> Binary(NodeContext c, Graph g, BinaryKind kind)
    {
        var right = c.Input(1);
        // Pow may take an integer exponent; a constant one is simply read as float.
        if (kind == BinaryKind.Pow && right is { IsConstant: true, Type: ElementType.Int64 })
            right = Value.FromConstant(right.Name, TensorData.FromFloats(right.Shape, right.Constant!.Longs.Select(v => (float)v).ToArray()));
        return Add(c, g, new BinaryNode(c.Name) { Kind = kind }, [c.Input(0), right]);
    }

    private static IEnumerable<(string, Value)> Act(NodeContext c, Graph g, Activation activation) =>
        Add(c, g, new ActivationNode(c.Name) { Activation = activation }, [c.Input(0)]);

    private static IEnumerable<(string, Value)> Clip(NodeContext c, Graph g)
    {
        float min, max;
        if (c.Opset < 11)
        {
            min = c.Float("min", float.MinValue);
            max = c.Float("max", float.MaxValue);
        }
        else
        {
            min = c.OptionalScalarInput(1) ?? float.MinValue;
            max = c.OptionalScalarInput(2) ?? float.MaxValue;
        }
        return Act(c, g, new Activation(ActivationKind.Clip, min, max));
    }

    private static IEnumerable<(string, Value)> Softmax(NodeContext c, Graph g, bool log)
    {
        int rank = c.InputShape().Length;
        bool legacy = c.Opset < 13;
        int axis = Axis(c, c.Int("axis", legacy ? 1 : -1), rank);
        return Add(c, g, new SoftmaxNode(c.Name) { Axis = axis, Coerced2D = legacy && axis < rank - 1, Log = log }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> GlobalPool(NodeContext c, Graph g, ReduceKind kind)
    {
        RequireRank4(c);
        return Add(c, g, new ReduceNode(c.Name) { Kind = kind, Axes = [2, 3], KeepDims = true }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Pool(NodeContext c, Graph g, PoolKind kind)
    {
        RequireRank4(c);
        RejectExtraOutputs(c, "Indices");
        long[] kernel = c.Ints("kernel_shape") ?? throw c.Fail("kernel_shape is required");
        if (kernel.Length != 2) throw c.Fail("only 2-D pooling is supported");
        var node = new PoolNode(c.Name)
        {
            Kind = kind,
            Window = Window(c, (int)kernel[0], (int)kernel[1]),
            CeilMode = c.Int("ceil_mode", 0) != 0,
            CountIncludePad = c.Int("count_include_pad", 0) != 0,
        };
        return Add(c, g, node, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Reduce(NodeContext c, Graph g, ReduceKind kind)
    {
        int rank = c.InputShape().Length;
        // Axes moved from an attribute to an input: ReduceSum at opset 13, the others at 18.
        bool axesInput = c.Opset >= (kind == ReduceKind.Sum ? 13 : 18);
        long[]? axes = axesInput ? c.OptionalConstantInput(1)?.Longs : c.Ints("axes");
        if ((axes is null || axes.Length == 0) && c.Int("noop_with_empty_axes", 0) != 0)
            return Add(c, g, new IdentityNode(c.Name, "Identity"), [c.Input(0)]);
        int[] resolved = axes is null || axes.Length == 0
            ? Enumerable.Range(0, rank).ToArray()
            : axes.Select(a => Axis(c, a, rank)).Distinct().Order().ToArray();
        return Add(c, g, new ReduceNode(c.Name) { Kind = kind, Axes = resolved, KeepDims = c.Int("keepdims", 1) != 0 }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Split(NodeContext c, Graph g)
    {
        int[] shape = c.InputShape();
        int axis = Axis(c, c.Int("axis", 0), shape.Length);
        long[]? sizes = c.Opset < 13 ? c.Ints("split") : c.OptionalConstantInput(1)?.Longs;
        int parts = c.Proto.Output.Count;
        if (sizes is null)
        {
            // Equal parts; from opset 18 the last one may be smaller.
            int size = (shape[axis] + parts - 1) / parts;
            sizes = Enumerable.Range(0, parts).Select(i => (long)Math.Min(size, shape[axis] - i * size)).ToArray();
        }
        return Add(c, g, new SplitNode(c.Name) { Axis = axis, Sizes = sizes.Select(s => (int)s).ToArray() }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Slice(NodeContext c, Graph g)
    {
        int[] shape = c.InputShape();
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts") ?? throw c.Fail("starts is required");
            ends = c.Ints("ends") ?? throw c.Fail("ends is required");
            axes = c.Ints("axes");
        }
        else
        {
            starts = c.ConstantInput(1).Longs;
            ends = c.ConstantInput(2).Longs;
            axes = c.OptionalConstantInput(3)?.Longs;
            steps = c.OptionalConstantInput(4)?.Longs;
        }
        int rank = shape.Length;
        int[] start = new int[rank], step = Enumerable.Repeat(1, rank).ToArray(), count = (int[])shape.Clone();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = Axis(c, axes?[i] ?? i, rank), dim = shape[axis];
            long st = steps?[i] ?? 1;
            if (st == 0) throw c.Fail("a slice step of 0 is invalid");
            long s = starts[i] < 0 ? starts[i] + dim : starts[i], e = ends[i] < 0 ? ends[i] + dim : ends[i];
            // ONNX clamping: [0, dim] going forward, [-1, dim-1] going backward.
            if (st > 0) { s = Math.Clamp(s, 0, dim); e = Math.Clamp(e, 0, dim); }
            else { s = Math.Clamp(s, 0, dim - 1); e = Math.Clamp(e, -1, dim - 1); }
            start[axis] = (int)s;
            step[axis] = (int)st;
            count[axis] = (int)Math.Max(0, st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st);
        }
        return Add(c, g, new SliceNode(c.Name) { Start = start, Step = step, Count = count }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Pad(NodeContext c, Graph g)
    {
        int rank = c.InputShape().Length;
        string mode = c.String("mode", "constant");
        long[] pads;
        float value;
        if (c.Opset < 11)
        {
            pads = c.Ints("pads") ?? c.Ints("paddings") ?? throw c.Fail("pads is required");
            value = c.Float("value", 0f);
        }
        else
        {
            pads = c.ConstantInput(1).Longs;
            value = c.OptionalScalarInput(2) ?? 0f;
            var axes = c.OptionalConstantInput(3)?.Longs;
            if (axes is not null)
            {
                // Pads given for some axes only (opset 18): spread them over all axes.
                var full = new long[2 * rank];
                for (int i = 0; i < axes.Length; i++)
                {
                    int axis = Axis(c, axes[i], rank);
                    full[axis] = pads[i];
                    full[axis + rank] = pads[i + axes.Length];
                }
                pads = full;
            }
        }
        if (pads.Any(p => p < 0)) throw c.Fail("negative pads (cropping) are not supported");
        var padMode = mode switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            _ => throw c.Fail($"pad mode '{mode}' is not supported (constant, reflect, edge)"),
        };
        return Add(c, g, new PadNode(c.Name) { Pads = pads.Select(p => (int)p).ToArray(), Mode = padMode, ConstantValue = value }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Resize(NodeContext c, Graph g)
    {
        RequireRank4(c);
        int[] shape = c.InputShape();
        string mode = c.String("mode", "nearest");
        if (mode is not ("nearest" or "linear")) throw c.Fail($"mode '{mode}' is not supported (nearest, linear)");
        if (c.Int("antialias", 0) != 0) throw c.Fail("antialias is not supported");
        if (c.Has("axes")) throw c.Fail("the axes attribute is not supported");
        if (c.String("keep_aspect_ratio_policy", "stretch") != "stretch") throw c.Fail("keep_aspect_ratio_policy is not supported");
        // Upsample and opset-10 Resize: scales only, asymmetric coordinates, nearest rounds down.
        bool legacy = c.OpType == "Upsample" || c.Opset < 11;
        float[]? scales = c.OpType == "Upsample" && c.Opset < 9
            ? c.Floats("scales")
            : c.OptionalConstantInput(legacy ? 1 : 2)?.Floats;
        long[]? sizes = legacy ? null : c.OptionalConstantInput(3)?.Longs;
        if (scales is { Length: 0 }) scales = null;
        if (scales is null && sizes is null) throw c.Fail("needs scales or sizes");
        int outH, outW;
        float scaleH, scaleW;
        if (scales is not null)
        {
            if (scales[0] != 1 || scales[1] != 1) throw c.Fail("resizing the batch or channel axis is not supported");
            (scaleH, scaleW) = (scales[2], scales[3]);
            (outH, outW) = ((int)MathF.Floor(shape[2] * scaleH), (int)MathF.Floor(shape[3] * scaleW));
        }
        else
        {
            if (sizes![0] != shape[0] || sizes[1] != shape[1]) throw c.Fail("resizing the batch or channel axis is not supported");
            (outH, outW) = ((int)sizes[2], (int)sizes[3]);
            (scaleH, scaleW) = (outH / (float)shape[2], outW / (float)shape[3]);
        }
        string coordinates = legacy ? "asymmetric" : c.String("coordinate_transformation_mode", "half_pixel");
        string nearest = legacy ? "floor" : c.String("nearest_mode", "round_prefer_floor");
        var node = new ResizeNode(c.Name)
        {
            Mode = mode == "linear" ? ResizeMode.Linear : ResizeMode.Nearest,
            CoordinateMode = coordinates switch
            {
                "half_pixel" => CoordinateMode.HalfPixel,
                "pytorch_half_pixel" => CoordinateMode.PytorchHalfPixel,
                "align_corners" => CoordinateMode.AlignCorners,
                "asymmetric" => CoordinateMode.Asymmetric,
                "tf_half_pixel_for_nn" => CoordinateMode.TfHalfPixelForNn,
                _ => throw c.Fail($"coordinate_transformation_mode '{coordinates}' is not supported"),
            },
            NearestRounding = nearest switch
            {
                "round_prefer_floor" => NearestRounding.RoundPreferFloor,
                "round_prefer_ceil" => NearestRounding.RoundPreferCeil,
                "floor" => NearestRounding.Floor,
                "ceil" => NearestRounding.Ceil,
                _ => throw c.Fail($"nearest_mode '{nearest}' is not supported"),
            },
            OutputHeight = outH,
            OutputWidth = outW,
            ScaleH = scaleH,
            ScaleW = scaleW,
        };
        return Add(c, g, node, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> ReshapeTo(NodeContext c, Graph g, int[] shape) =>
        Add(c, g, new ReshapeNode(c.Name) { TargetShape = shape }, [c.Input(0)]);

    private static IEnumerable<(string, Value)> Reshape(NodeContext c, Graph g)
    {
        int[] input = c.InputShape();
        long[] requested = c.ConstantInput(1).Longs;
        bool allowZero = c.Int("allowzero", 0) != 0;
        var shape = new int[requested.Length];
        int inferred = -1;
        for (int i = 0; i < requested.Length; i++)
        {
            if (requested[i] == -1) { inferred = i; shape[i] = 1; }
            else shape[i] = requested[i] == 0 && !allowZero ? input[i] : (int)requested[i];
        }
        if (inferred >= 0) shape[inferred] = Shapes.Size(input) / Math.Max(1, Shapes.Size(shape));
        return ReshapeTo(c, g, shape);
    }

    private static IEnumerable<(string, Value)> Flatten(NodeContext c, Graph g)
    {
        int[] input = c.InputShape();
        int axis = (int)c.Int("axis", 1);
        if (axis < 0) axis += input.Length;
        return ReshapeTo(c, g, [Shapes.Size(input.AsSpan(0, axis)), Shapes.Size(input.AsSpan(axis))]);
    }

    private static IEnumerable<(string, Value)> Transpose(NodeContext c, Graph g)
    {
        int rank = c.InputShape().Length;
        int[] perm = c.Ints("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        return Add(c, g, new TransposeNode(c.Name) { Perm = perm }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Squeeze(NodeContext c, Graph g)
    {
        int[] input = c.InputShape();
        long[]? axes = c.Opset < 13 ? c.Ints("axes") : c.OptionalConstantInput(1)?.Longs;
        var drop = axes?.Select(a => Axis(c, a, input.Length)).ToHashSet() ?? Enumerable.Range(0, input.Length).Where(d => input[d] == 1).ToHashSet();
        if (drop.Any(d => input[d] != 1)) throw c.Fail($"cannot squeeze a non-1 axis of {Shapes.Format(input)}");
        return ReshapeTo(c, g, input.Where((_, d) => !drop.Contains(d)).ToArray());
    }

    private static IEnumerable<(string, Value)> Unsqueeze(NodeContext c, Graph g)
    {
        int[] input = c.InputShape();
        long[] axes = (c.Opset < 13 ? c.Ints("axes") : c.ConstantInput(1).Longs) ?? throw c.Fail("axes is required");
        int rank = input.Length + axes.Length;
        var inserted = axes.Select(a => Axis(c, a, rank)).ToHashSet();
        var shape = new int[rank];
        int next = 0;
        for (int d = 0; d < rank; d++) shape[d] = inserted.Contains(d) ? 1 : input[next++];
        return ReshapeTo(c, g, shape);
    }

    private static IEnumerable<(string, Value)> Shape(NodeContext c, Graph g)
    {
        int rank = c.InputShape().Length;
        int Clamp(long v) => (int)Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        var node = new ShapeNode(c.Name) { Start = Clamp(c.Int("start", 0)), End = Clamp(c.Int("end", rank)) };
        return Add(c, g, node, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Gather(NodeContext c, Graph g)
    {
        int[] shape = c.InputShape();
        int axis = Axis(c, c.Int("axis", 0), shape.Length);
        var indices = c.ConstantInput(1);
        var resolved = indices.Longs.Select(i => i < 0 ? i + shape[axis] : i).ToArray();
        if (resolved.Any(i => i < 0 || i >= shape[axis])) throw c.Fail("an index is out of range");
        return Add(c, g, new GatherNode(c.Name) { Axis = axis, Indices = TensorData.FromLongs(indices.Shape, resolved) }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Constant(NodeContext c, Graph g)
    {
        var tensor = c.Tensor("value") ?? c.Tensor("value_float") ?? c.Tensor("value_floats") ?? c.Tensor("value_int") ?? c.Tensor("value_ints")
            ?? throw c.Fail("only value, value_float(s) and value_int(s) constants are supported");
        return [(c.Proto.Output[0], Value.FromConstant(c.Proto.Output[0], tensor))];
    }

    private static IEnumerable<(string, Value)> Cast(NodeContext c, Graph g)
    {
        long to = c.Int("to", 0);
        if (to is 10 or 16) throw c.Fail("casting to 16-bit floats is not supported (EdgeQ computes in float32)");
        var type = TensorReader.ElementTypeOf((int)to) ?? throw c.Fail($"cast to element type {to} is not supported");
        return Add(c, g, new CastNode(c.Name) { To = type }, [c.Input(0)]);
    }

    private static IEnumerable<(string, Value)> Dropout(NodeContext c, Graph g)
    {
        RejectExtraOutputs(c, "mask");
        var training = c.OptionalConstantInput(2);
        if (training is not null && training.Longs[0] != 0) throw c.Fail("training_mode is not supported");
        return Add(c, g, new IdentityNode(c.Name, "Dropout"), [c.Input(0)]);
    }
}
