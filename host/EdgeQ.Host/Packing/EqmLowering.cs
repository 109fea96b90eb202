using EdgeQ.Format;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using FormatType = EdgeQ.Format.ElementType;
using IrResizeMode = EdgeQ.Host.Ir.ResizeMode;

namespace EdgeQ.Host.Packing;

/// <summary>
/// Writes a quantized NHWC graph as an <see cref="EqmModel"/>: one format op per IR op (plus a Lut after layers
/// whose fused activation is not a clamp, and Reshapes around a gemm whose input is not 2-D). Ops without an int8
/// form fail with <see cref="NotSupportedException"/> naming the op.
/// </summary>
public sealed class EqmLowering
{
    private readonly QuantizationPlan plan;
    private readonly EqmModelBuilder builder;
    private readonly Dictionary<Value, int> tensors = [];

    private EqmLowering(QuantizationPlan plan, EqmMetadata metadata)
    {
        this.plan = plan;
        builder = new EqmModelBuilder(metadata);
    }

    /// <param name="labels">Class names along the last axis of the first output, or empty.</param>
    public static EqmModel Lower(QuantizationPlan plan, EqmMetadata metadata, ImagePreprocessing preprocessing, IReadOnlyList<string> labels)
    {
        var graph = plan.Graph;
        var lowering = WithInput(plan, metadata, preprocessing);
        foreach (var node in graph.Nodes) lowering.LowerNode(node);
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            var output = graph.Outputs[i];
            if (i == 0 && labels.Count > 0 && labels.Count != output.Shape[^1])
                throw new ArgumentException($"{labels.Count} labels given, but output '{output.Name}' has {output.Shape[^1]} classes");
            lowering.builder.AddOutput(lowering.tensors[output], i == 0 ? [.. labels] : []);
        }
        return lowering.builder.Build();
    }

    /// <summary>
    /// The int8 network up to the op that writes <paramref name="tensor"/>, which becomes the only output: bias
    /// correction reads a layer's int8 input this way, with the runtime's own kernels, without running the rest.
    /// </summary>
    public static EqmModel LowerPrefix(QuantizationPlan plan, Value tensor, EqmMetadata metadata, ImagePreprocessing preprocessing) =>
        LowerPrefix(plan, [tensor], metadata, preprocessing);

    /// <summary>
    /// The int8 network up to the last op that writes one of <paramref name="tensors"/>, which become its outputs in
    /// that order (the per-layer SQNR reads every layer's output in one run this way).
    /// </summary>
    public static EqmModel LowerPrefix(QuantizationPlan plan, IReadOnlyList<Value> tensors, EqmMetadata metadata, ImagePreprocessing preprocessing)
    {
        var lowering = WithInput(plan, metadata, preprocessing);
        foreach (var node in plan.Graph.Nodes)
        {
            if (tensors.All(lowering.tensors.ContainsKey)) break;
            lowering.LowerNode(node);
        }
        foreach (var tensor in tensors) lowering.builder.AddOutput(lowering.Tensor(tensor));
        return lowering.builder.Build();
    }

    private static EqmLowering WithInput(QuantizationPlan plan, EqmMetadata metadata, ImagePreprocessing preprocessing)
    {
        if (plan.Graph.Inputs is not [{ Layout: Layout.Nhwc, Rank: 4 } input])
            throw new NotSupportedException($"an .eqm model has one NHWC image input; this graph has {string.Join(", ", plan.Graph.Inputs)}");
        var lowering = new EqmLowering(plan, metadata);
        lowering.tensors[input] = lowering.builder.SetInput(input.Name, FormatType.Int8, input.Shape, plan.Activations[input].ToEqm(), preprocessing);
        return lowering;
    }

    private void LowerNode(Node node)
    {
        switch (node)
        {
            case ConvNode conv: LowerConv(conv); break;
            case ConvTransposeNode deconv: LowerConvTranspose(deconv); break;
            case FullyConnectedNode fc: LowerFullyConnected(fc); break;
            case PoolNode pool: LowerPool(pool); break;
            case ReduceNode { Kind: ReduceKind.Mean, Axes: [1, 2] } reduce when reduce.Input is { Layout: Layout.Nhwc, Rank: 4 }:
                AddShaped(node.Output, (int[])[reduce.Input.Shape[0], 1, 1, reduce.Input.Shape[3]],
                    shapedName => EmitClamped(node, clamp => new GlobalAveragePoolParams(clamp), [Tensor(reduce.Input)], shapedName));
                break;
            case BinaryNode binary when IsAddOrMul(binary): LowerBinary(binary); break;
            case ConcatNode concat:
                Emit(node, new ConcatParams(concat.Axis), [.. concat.Inputs.Select(Tensor)]);
                break;
            case PadNode { Mode: PadMode.Constant, ConstantValue: 0 } pad:
                int rank = pad.Input.Rank;
                Emit(node, new PadParams(pad.Pads[..rank], pad.Pads[rank..]), [Tensor(pad.Input)]);
                break;
            case ResizeNode resize: LowerResize(resize); break;
            case ReshapeNode reshape: Emit(node, new ReshapeParams(reshape.TargetShape), [Tensor(reshape.Input)]); break;
            case ActivationNode act:
                Define(node.Output, AddLut(act.Activation, Tensor(act.Input), plan.Activations[act.Input], node.Output.Name, plan.Activations[node.Output]));
                break;
            case SoftmaxNode softmax when softmax.Axis == softmax.Input.Rank - 1:
                Define(node.Output, builder.AddOperator(new SoftmaxParams(), [Tensor(softmax.Input)], node.Output.Name, FormatType.Float32, null));
                break;
            default:
                throw new NotSupportedException($"{node}: {Describe(node)} has no int8 form in the runtime");
        }
    }

    private static string Describe(Node node) => node switch
    {
        PadNode pad => $"Pad mode {pad.Mode} with value {pad.ConstantValue} (only zero constant padding is int8)",
        ReduceNode reduce => $"Reduce{reduce.Kind} over axes [{string.Join(",", reduce.Axes)}] (only the spatial mean of an NHWC tensor is)",
        SoftmaxNode softmax => $"Softmax over axis {softmax.Axis} (only the last axis is)",
        _ => $"op {node.OpType}",
    };

    /// <summary>Add and Mul, and x - c = x + (-c), x / c = x * (1 / c) with a constant right operand.</summary>
    private static bool IsAddOrMul(BinaryNode binary) => binary.Kind switch
    {
        BinaryKind.Add or BinaryKind.Mul => true,
        BinaryKind.Sub => binary.Inputs[1].IsConstant,
        BinaryKind.Div => binary.Inputs[1].Constant is { } divisor && !divisor.Floats.Contains(0f),
        _ => false,
    };

    private void LowerBinary(BinaryNode binary)
    {
        var right = binary.Inputs[1];
        int rightTensor = binary.Kind switch
        {
            BinaryKind.Sub => QuantizedConstant(right.Name + ":negated", right.Shape, right.Constant!.Floats.Select(c => -c).ToArray()),
            BinaryKind.Div => QuantizedConstant(right.Name + ":reciprocal", right.Shape, right.Constant!.Floats.Select(c => 1 / c).ToArray()),
            _ => Operand(right),
        };
        bool add = binary.Kind is BinaryKind.Add or BinaryKind.Sub;
        Define(binary.Output, EmitClamped(binary, clamp => add ? new AddParams(clamp) : new MulParams(clamp),
            [Operand(binary.Inputs[0]), rightTensor], binary.Output.Name));
    }

    private void LowerConv(ConvNode conv)
    {
        var layer = plan.Layers[conv];
        var window = ToWindow(conv.Window);
        if (conv.IsDepthwise && conv.OutChannels == conv.InChannels)
        {
            // IR 1-KH-KW-C = format 1HWC (per-channel axis 3): no transform.
            int weights = AddWeights(conv, layer.Weights.Shape, layer.Weights.Values, axis: 3);
            EmitLayer(conv, clamp => new DepthwiseConv2DParams(window, clamp), weights);
        }
        else if (conv.IsDepthwise)
        {
            // Channel multiplier > 1: a grouped conv with one input channel per group.
            // src = 1-KH-KW-Cout (IR depthwise)   dst = Cout-KH-KW-1 (OHWI, per-channel axis 0)
            var (shape, values) = Permute(layer.Weights.Shape, layer.Weights.Values, [3, 1, 2, 0]);
            int weights = AddWeights(conv, shape, values, axis: 0);
            EmitLayer(conv, clamp => new Conv2DParams(window, conv.Group, clamp), weights);
        }
        else
        {
            // IR O-KH-KW-I(/group) = format OHWI (per-channel axis 0): no transform.
            int weights = AddWeights(conv, layer.Weights.Shape, layer.Weights.Values, axis: 0);
            EmitLayer(conv, clamp => new Conv2DParams(window, conv.Group, clamp), weights);
        }
    }

    private void LowerConvTranspose(ConvTransposeNode deconv)
    {
        if (deconv.Group != 1) throw new NotSupportedException($"{deconv}: grouped ConvTranspose (group {deconv.Group}) has no int8 form in the runtime");
        var w = deconv.Window;
        // The format has no output padding: it extends the output at the bottom/right, i.e. crops less there.
        if (deconv.OutputPaddingH > w.PadBottom || deconv.OutputPaddingW > w.PadRight)
            throw new NotSupportedException($"{deconv}: ConvTranspose output padding beyond its end padding has no int8 form in the runtime");
        w = w with { PadBottom = w.PadBottom - deconv.OutputPaddingH, PadRight = w.PadRight - deconv.OutputPaddingW };
        var layer = plan.Layers[deconv];
        // src = I-KH-KW-O (IR)   dst = O-KH-KW-I (OHWI, per-channel axis 0)
        var (shape, values) = Permute(layer.Weights.Shape, layer.Weights.Values, [3, 1, 2, 0]);
        int weights = AddWeights(deconv, shape, values, axis: 0);
        var window = ToWindow(w);
        EmitLayer(deconv, clamp => new TransposeConv2DParams(window, clamp), weights);
    }

    private void LowerFullyConnected(FullyConnectedNode fc)
    {
        var layer = plan.Layers[fc];
        // IR O-I = format [Out, In] (per-channel axis 0): no transform.
        int weights = AddWeights(fc, layer.Weights.Shape, layer.Weights.Values, axis: 0);
        int input = Tensor(fc.Input);
        if (fc.Input.Rank != 2)
        {
            // The runtime's gemm is 2-D: flatten the leading axes around it (a reshape keeps the quantization).
            int[] rows = [Ir.Shapes.Size(fc.Input.Shape) / fc.InFeatures, fc.InFeatures];
            input = builder.AddOperator(new ReshapeParams(rows), [input], fc.Input.Name + ":2d", FormatType.Int8, plan.Activations[fc.Input].ToEqm());
        }
        AddShaped(fc.Output, [Ir.Shapes.Size(fc.Output.Shape) / fc.OutFeatures, fc.OutFeatures],
            name => EmitClamped(fc, clamp => new FullyConnectedParams(clamp), [input, weights, AddBias(fc, layer)], name));
    }

    private void LowerPool(PoolNode pool)
    {
        var w = pool.Window;
        if (pool.CeilMode)
        {
            if (pool is { Kind: PoolKind.Average, CountIncludePad: true })
                throw new NotSupportedException($"{pool}: AveragePool with ceil_mode and count_include_pad has no int8 form in the runtime");
            // Ceil mode = extra end padding the windows may reach; padded taps are never read (max) or counted (average).
            var (_, _, h, width) = pool.InputDims;
            w = w with
            {
                PadBottom = w.PadBottom + CeilPadding(h, w.OutputHeight(h, true), w.PadTop + w.PadBottom, w.KernelH, w.StrideH, w.DilationH),
                PadRight = w.PadRight + CeilPadding(width, w.OutputWidth(width, true), w.PadLeft + w.PadRight, w.KernelW, w.StrideW, w.DilationW),
            };
        }
        var window = ToWindow(w);
        if (pool.Kind == PoolKind.Max) Emit(pool, new MaxPool2DParams(window), [Tensor(pool.Input)]);
        else Define(pool.Output, EmitClamped(pool, clamp => new AveragePool2DParams(window, pool.CountIncludePad, clamp), [Tensor(pool.Input)], pool.Output.Name));
    }

    private static int CeilPadding(int input, int output, int pads, int kernel, int stride, int dilation) =>
        Math.Max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - (input + pads));

    private void LowerResize(ResizeNode resize)
    {
        var transform = resize.CoordinateMode switch
        {
            CoordinateMode.HalfPixel => CoordinateTransform.HalfPixel,
            CoordinateMode.AlignCorners => CoordinateTransform.AlignCorners,
            CoordinateMode.Asymmetric => CoordinateTransform.Asymmetric,
            CoordinateMode.PytorchHalfPixel => CoordinateTransform.PytorchHalfPixel,
            _ => throw new NotSupportedException($"{resize}: Resize coordinate mode {resize.CoordinateMode} has no int8 form in the runtime"),
        };
        var rounding = resize.NearestRounding switch
        {
            Ir.NearestRounding.RoundPreferFloor => Format.NearestRounding.RoundPreferFloor,
            Ir.NearestRounding.RoundPreferCeil => Format.NearestRounding.RoundPreferCeil,
            Ir.NearestRounding.Floor => Format.NearestRounding.Floor,
            _ => Format.NearestRounding.Ceil,
        };
        var mode = resize.Mode == IrResizeMode.Nearest ? InterpolationMode.Nearest : InterpolationMode.Bilinear;
        Emit(resize, new ResizeParams(mode, transform, rounding, resize.OutputHeight, resize.OutputWidth), [Tensor(resize.Input)]);
    }

    private static Window2D ToWindow(Window w) =>
        new(w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.DilationH, w.DilationW, new Padding2D(w.PadTop, w.PadLeft, w.PadBottom, w.PadRight));

    private int AddWeights(Node layer, int[] shape, sbyte[] values, int axis)
    {
        var scales = plan.Layers[layer].Weights.Scales;
        var quantization = scales.Length == 1 ? EqmQuantization.PerTensor(scales[0], 0) : EqmQuantization.PerChannel(axis, scales);
        return builder.AddWeights(layer.Name + ":weights", shape, quantization, values);
    }

    private int AddBias(Node layer, QuantizedLayer quantized) => builder.AddBias(layer.Name + ":bias", quantized.Bias);

    /// <summary>A conv-like layer: inputs X, W, B.</summary>
    private void EmitLayer(Node layer, Func<OutputClamp, OpParams> parameters, int weights) =>
        Define(layer.Output, EmitClamped(layer, parameters, [Tensor(layer.Input), weights, AddBias(layer, plan.Layers[layer])], layer.Output.Name));

    /// <summary>
    /// An op that requantizes: a fused ReLU/ReLU6/Clip becomes its output clamp; any other fused activation becomes a
    /// Lut reading the op's pre-activation output (quantized with the pre-activation range). Returns the final tensor.
    /// </summary>
    private int EmitClamped(Node node, Func<OutputClamp, OpParams> parameters, int[] inputs, string outputName)
    {
        var activation = NodeKernels.FusedActivation(node);
        var output = plan.Activations[node.Output];
        if (AffineQuantization.IsClamp(activation))
            return builder.AddOperator(parameters(output.ClampFor(activation)), inputs, outputName, FormatType.Int8, output.ToEqm());
        var preActivation = plan.PreActivations[node];
        int pre = builder.AddOperator(parameters(OutputClamp.FullInt8), inputs, outputName + ":pre", FormatType.Int8, preActivation.ToEqm());
        return AddLut(activation, pre, preActivation, outputName, output);
    }

    private int AddLut(Activation activation, int input, AffineQuantization inputQuantization, string outputName, AffineQuantization output)
    {
        int table = builder.AddTable(outputName + ":table", LookupTables.Build(activation, inputQuantization, output));
        return builder.AddOperator(new LutParams(), [input, table], outputName, FormatType.Int8, output.ToEqm());
    }

    /// <summary>An op that only moves int8 values: its output shares the input's quantization (QuantizationPlan).</summary>
    private void Emit(Node node, OpParams parameters, int[] inputs) =>
        Define(node.Output, builder.AddOperator(parameters, inputs, node.Output.Name, FormatType.Int8, plan.Activations[node.Output].ToEqm()));

    /// <summary>
    /// Emits an op whose natural output shape differs from the IR value's (e.g. [N,1,1,C] for a mean without kept
    /// dims); a Reshape with the same quantization then gives the IR shape.
    /// </summary>
    private void AddShaped(Value value, int[] emittedShape, Func<string, int> emit)
    {
        if (emittedShape.SequenceEqual(value.Shape)) { Define(value, emit(value.Name)); return; }
        int emitted = emit(value.Name + ":" + string.Join("x", emittedShape));
        Define(value, builder.AddOperator(new ReshapeParams(value.Shape), [emitted], value.Name, FormatType.Int8, plan.Activations[value].ToEqm()));
    }

    private void Define(Value value, int tensor) => tensors.Add(value, tensor);

    private int Tensor(Value value) => tensors.TryGetValue(value, out int index) ? index
        : throw new NotSupportedException($"'{value.Name}' is {(value.IsConstant ? "a constant operand where the int8 runtime needs an activation" : "not produced before use")}");

    /// <summary>An Add/Mul operand: an activation, or a float constant quantized per tensor over its own range.</summary>
    private int Operand(Value value)
    {
        if (!value.IsConstant) return Tensor(value);
        if (!tensors.TryGetValue(value, out int index))
            tensors[value] = index = QuantizedConstant(value.Name, value.Shape, value.Constant!.Floats);
        return index;
    }

    private int QuantizedConstant(string name, int[] shape, float[] values)
    {
        var q = AffineQuantization.FromRange(values.Min(), values.Max());
        var bytes = values.Select(x => (byte)(sbyte)q.Quantize(x)).ToArray();
        return builder.AddTensor(new EqmTensor(name, FormatType.Int8, shape, q.ToEqm(), bytes));
    }

    /// <summary>Transposes int8 weights through the float tensor code (int8 values are exact in float32).</summary>
    private static (int[] Shape, sbyte[] Values) Permute(int[] shape, sbyte[] values, int[] perm)
    {
        var permuted = TensorData.FromFloats(shape, values.Select(v => (float)v).ToArray()).Transpose(perm);
        return (permuted.Shape, permuted.Floats.Select(v => (sbyte)v).ToArray());
    }
}
