using EdgeQ.Format;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Reference;
using EdgeQ.Runtime.Kernels;
using Int8Elementwise = EdgeQ.Runtime.Kernels.Elementwise;
using KernelShape = EdgeQ.Runtime.Kernels.Nhwc;
using FormatType = EdgeQ.Format.ElementType;
using IrResizeMode = EdgeQ.Host.Ir.ResizeMode;

namespace EdgeQ.Host.Packing;

/// <summary>
/// Writes a quantized NHWC graph as an <see cref="EqmModel"/>: one format op per IR op (plus a Lut after layers
/// whose fused activation is not a clamp, and Reshapes around a gemm whose input is not 2-D), except that an Add or
/// Mul by a scalar constant becomes a Lut (an int8 -> int8 map is exact as a table) and chains of Luts compose into
/// one. Ops without an int8 form fail with <see cref="NotSupportedException"/> naming the op.
/// </summary>
public sealed class EqmLowering
{
    private readonly QuantizationPlan plan;
    private readonly EqmModelBuilder builder;
    private readonly Dictionary<Value, int> tensors = [];
    /// <summary>Lut outputs not emitted yet: a Lut or scalar Add/Mul that is their only reader composes its table into
    /// theirs instead of running as a pass of its own (PP-LCNet's hard-swish -> Mul -> Add blocks become one Lut).</summary>
    private readonly Dictionary<Value, HeldLut> heldLuts = [];
    /// <summary>Values the caller reads (outputs, prefix outputs): they stay tensors of their own.</summary>
    private readonly HashSet<Value> kept;

    private sealed record HeldLut(int Input, sbyte[] Table);

    private EqmLowering(QuantizationPlan plan, EqmMetadata metadata, IEnumerable<Value> kept)
    {
        this.plan = plan;
        builder = new EqmModelBuilder(metadata);
        this.kept = [.. kept];
    }

    /// <param name="labels">Class names along the last axis of the first output, or empty.</param>
    public static EqmModel Lower(QuantizationPlan plan, EqmMetadata metadata, ImagePreprocessing preprocessing, IReadOnlyList<string> labels)
    {
        var graph = plan.Graph;
        var lowering = WithInput(plan, metadata, preprocessing, graph.Outputs);
        foreach (var node in graph.Nodes) lowering.LowerNode(node);
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            var output = graph.Outputs[i];
            if (i == 0 && labels.Count > 0 && labels.Count != output.Shape[^1])
                throw new ArgumentException($"{labels.Count} labels given, but output '{output.Name}' has {output.Shape[^1]} classes");
            lowering.builder.AddOutput(lowering.Tensor(output), i == 0 ? [.. labels] : []);
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
        var lowering = WithInput(plan, metadata, preprocessing, tensors);
        foreach (var node in plan.Graph.Nodes)
        {
            if (tensors.All(t => lowering.tensors.ContainsKey(t) || lowering.heldLuts.ContainsKey(t))) break;
            lowering.LowerNode(node);
        }
        foreach (var tensor in tensors) lowering.builder.AddOutput(lowering.Tensor(tensor));
        return lowering.builder.Build();
    }

    private static EqmLowering WithInput(QuantizationPlan plan, EqmMetadata metadata, ImagePreprocessing preprocessing, IEnumerable<Value> kept)
    {
        if (plan.Graph.Inputs is not [{ Layout: Layout.Nhwc, Rank: 4 } input])
            throw new NotSupportedException($"an .eqm model has one NHWC image input; this graph has {string.Join(", ", plan.Graph.Inputs)}");
        var lowering = new EqmLowering(plan, metadata, kept);
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
                HoldLut(node.Output, act.Input, LookupTables.Build(act.Activation, plan.Activations[act.Input], plan.Activations[node.Output]));
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
        if (ScalarOperand(binary) is var (operand, constant))
        {
            HoldLut(binary.Output, operand, ScalarBinaryTable(binary, plan.Activations[operand], constant));
            return;
        }
        var right = binary.Inputs[1];
        int rightTensor = binary.Kind switch
        {
            BinaryKind.Sub => QuantizedConstant(right.Name + ":negated", right.Shape, right.Constant!.Floats.Select(c => -c).ToArray()),
            BinaryKind.Div => QuantizedConstant(right.Name + ":reciprocal", right.Shape, right.Constant!.Floats.Select(c => 1 / c).ToArray()),
            _ => Operand(right),
        };
        bool add = binary.Kind is BinaryKind.Add or BinaryKind.Sub;
        DefineClamped(binary, clamp => add ? new AddParams(clamp) : new MulParams(clamp), [Operand(binary.Inputs[0]), rightTensor]);
    }

    /// <summary>The activation and the constant of x + c, x - c, x * c or x / c with a one-element c (as x + (-c) or
    /// x * (1 / c)), or null.</summary>
    private static (Value Operand, float Constant)? ScalarOperand(BinaryNode binary)
    {
        if (binary.Inputs.Count(v => v.IsConstant) != 1) return null;
        int constantIndex = binary.Inputs[0].IsConstant ? 0 : 1;
        var (operand, constant) = (binary.Inputs[1 - constantIndex], binary.Inputs[constantIndex]);
        if (constant.Constant!.Length != 1 || !operand.Shape.SequenceEqual(binary.Output.Shape)) return null;
        float c = constant.Constant.Floats[0];
        return binary.Kind switch
        {
            BinaryKind.Add or BinaryKind.Mul => (operand, c),
            BinaryKind.Sub when constantIndex == 1 => (operand, -c),
            BinaryKind.Div when constantIndex == 1 => (operand, 1 / c),
            _ => null,
        };
    }

    /// <summary>
    /// table[q + 128] = the int8 Add/Mul of q and the constant, with its fused activation, computed by the runtime's
    /// own reference kernels on all 256 inputs: the Lut gives exactly the bytes the Add/Mul op (and its own Lut)
    /// would, at the cost of one table lookup.
    /// </summary>
    private sbyte[] ScalarBinaryTable(BinaryNode binary, AffineQuantization input, float constant)
    {
        var activation = NodeKernels.FusedActivation(binary);
        bool clampOnly = AffineQuantization.IsClamp(activation);
        var output = clampOnly ? plan.Activations[binary.Output] : plan.PreActivations[binary];
        var clamp = clampOnly ? output.ClampFor(activation) : OutputClamp.FullInt8;
        var (constantQuantization, constantBytes) = Quantized([constant]);
        var requantize = new OutputQuant(output.ZeroPoint, clamp.Min, clamp.Max);
        var all = new KernelShape(1, 1, 1, 256);
        var values = new sbyte[256];
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)(i + AffineQuantization.QMin);
        var table = new sbyte[256];
        if (binary.Kind is BinaryKind.Add or BinaryKind.Sub)
            Int8Elementwise.Add(ReferenceKernels, values, all, constantBytes, new KernelShape(1, 1, 1, 1),
                BinaryQuant.Add(input.Scale, input.ZeroPoint, constantQuantization.Scale, constantQuantization.ZeroPoint, output.Scale, requantize), table);
        else
            Int8Elementwise.Mul(ReferenceKernels, values, all, constantBytes, new KernelShape(1, 1, 1, 1),
                BinaryQuant.Mul(input.Scale, input.ZeroPoint, constantQuantization.Scale, constantQuantization.ZeroPoint, output.Scale, requantize), table);
        return clampOnly ? table : Compose(table, LookupTables.Build(activation, output, plan.Activations[binary.Output]));
    }

    private static readonly KernelTable ReferenceKernels = KernelTable.Create(KernelVariant.Reference);

    /// <summary>second[first[q + 128] + 128]: the table of applying first, then second.</summary>
    private static sbyte[] Compose(sbyte[] first, sbyte[] second) => [.. first.Select(q => second[q - AffineQuantization.QMin])];

    /// <summary>Defines <paramref name="output"/> as table[<paramref name="input"/>], held back (see heldLuts); a held
    /// input that only this op reads composes into the table.</summary>
    private void HoldLut(Value output, Value input, sbyte[] table)
    {
        if (heldLuts.TryGetValue(input, out var inner) && plan.Graph.HasSingleUse(input) && !kept.Contains(input))
        {
            heldLuts.Remove(input);
            heldLuts.Add(output, new HeldLut(inner.Input, Compose(inner.Table, table)));
        }
        else heldLuts.Add(output, new HeldLut(Tensor(input), table));
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
        else DefineClamped(pool, clamp => new AveragePool2DParams(window, pool.CountIncludePad, clamp), [Tensor(pool.Input)]);
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
        DefineClamped(layer, parameters, [Tensor(layer.Input), weights, AddBias(layer, plan.Layers[layer])]);

    /// <summary>
    /// An op that requantizes into <paramref name="node"/>'s output: a fused ReLU/ReLU6/Clip becomes its output clamp;
    /// any other fused activation becomes a held Lut reading the op's pre-activation output.
    /// </summary>
    private void DefineClamped(Node node, Func<OutputClamp, OpParams> parameters, int[] inputs)
    {
        var (tensor, table) = EmitRequantizing(node, parameters, inputs, node.Output.Name);
        if (table is null) Define(node.Output, tensor);
        else heldLuts.Add(node.Output, new HeldLut(tensor, table));
    }

    /// <summary>As <see cref="DefineClamped"/>, emitting the Lut at once; returns the final tensor.</summary>
    private int EmitClamped(Node node, Func<OutputClamp, OpParams> parameters, int[] inputs, string outputName)
    {
        var (tensor, table) = EmitRequantizing(node, parameters, inputs, outputName);
        return table is null ? tensor : AddLut(tensor, table, outputName, plan.Activations[node.Output]);
    }

    /// <summary>The op with its clamp (a clamp activation: Table is null), or with the full int8 range into its
    /// pre-activation quantization and the activation's table from there to the output's.</summary>
    private (int Tensor, sbyte[]? Table) EmitRequantizing(Node node, Func<OutputClamp, OpParams> parameters, int[] inputs, string outputName)
    {
        var activation = NodeKernels.FusedActivation(node);
        var output = plan.Activations[node.Output];
        if (AffineQuantization.IsClamp(activation))
            return (builder.AddOperator(parameters(output.ClampFor(activation)), inputs, outputName, FormatType.Int8, output.ToEqm()), null);
        var preActivation = plan.PreActivations[node];
        int pre = builder.AddOperator(parameters(OutputClamp.FullInt8), inputs, outputName + ":pre", FormatType.Int8, preActivation.ToEqm());
        return (pre, LookupTables.Build(activation, preActivation, output));
    }

    private int AddLut(int input, sbyte[] table, string outputName, AffineQuantization output) =>
        builder.AddOperator(new LutParams(), [input, builder.AddTable(outputName + ":table", table)], outputName, FormatType.Int8, output.ToEqm());

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

    private int Tensor(Value value)
    {
        if (heldLuts.Remove(value, out var held)) Define(value, AddLut(held.Input, held.Table, value.Name, plan.Activations[value]));
        return tensors.TryGetValue(value, out int index) ? index
            : throw new NotSupportedException($"'{value.Name}' is {(value.IsConstant ? "a constant operand where the int8 runtime needs an activation" : "not produced before use")}");
    }

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
        var (q, bytes) = Quantized(values);
        return builder.AddTensor(new EqmTensor(name, FormatType.Int8, shape, q.ToEqm(), bytes.Select(x => (byte)x).ToArray()));
    }

    /// <summary>Constant operand values quantized per tensor over their own range.</summary>
    private static (AffineQuantization Quantization, sbyte[] Values) Quantized(float[] values)
    {
        var q = AffineQuantization.FromRange(values.Min(), values.Max());
        return (q, [.. values.Select(x => (sbyte)q.Quantize(x))]);
    }

    /// <summary>Transposes int8 weights through the float tensor code (int8 values are exact in float32).</summary>
    private static (int[] Shape, sbyte[] Values) Permute(int[] shape, sbyte[] values, int[] perm)
    {
        var permuted = TensorData.FromFloats(shape, values.Select(v => (float)v).ToArray()).Transpose(perm);
        return (permuted.Shape, permuted.Floats.Select(v => (sbyte)v).ToArray());
    }
}
