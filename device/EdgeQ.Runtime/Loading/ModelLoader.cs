using System.Runtime.InteropServices;
using EdgeQ.Format;
using EdgeQ.Runtime.Execution;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Loading;

/// <summary>A model bound to one kernel table: the plan, and for each plan op the index of the file op it came from
/// (a file op becomes zero plan ops (Reshape), one, or two (a move followed by a requantize step)).</summary>
public sealed record LoadedPlan(ModelPlan Plan, IReadOnlyList<int> SourceOperator);

/// <summary>Turns a validated <see cref="EqmModel"/> into a <see cref="ModelPlan"/>: the <see cref="PlanOp"/>s of each file
/// op, weights packed for the given kernel table, multipliers computed in double and rounded once to float32
/// (quantization.md). The plan runs in the int8 domain: a uint8 tensor is the same tensor shifted by 128 (values,
/// zero point, clamp and table entries), which leaves every difference q - zp, and so every result, unchanged.
/// Float ops (Dequantize, Softmax) are not planned: they post-process an output (<see cref="OutputSource"/>).</summary>
public static class ModelLoader
{
    public static LoadedPlan Load(EqmModel model, KernelTable kernels) => new Binder(model, kernels).Bind();

    /// <summary>The 8-bit tensor an output is computed from, and the float steps that follow it.</summary>
    public static (int Tensor, OutputPostprocess Postprocess) OutputSource(EqmModel model, int tensor)
    {
        var postprocess = OutputPostprocess.None;
        while (model.Tensors[tensor].ElementType == ElementType.Float32)
        {
            // The format lets only Softmax and Dequantize write float tensors.
            int index = 0;
            while (model.Operators[index].Output != tensor) index++;
            EqmOperator op = model.Operators[index];
            if (op.Kind == OpKind.Softmax)
            {
                if (postprocess == OutputPostprocess.Softmax)
                    throw new UnsupportedModelException($"{Describe(model, index)}: softmax of a softmax is not supported");
                postprocess = OutputPostprocess.Softmax;
            }
            else if (postprocess == OutputPostprocess.None)
            {
                postprocess = OutputPostprocess.Dequantize;   // softmax(dequantize(x)) stays a softmax
            }
            tensor = op.Inputs[0];
        }
        return (tensor, postprocess);
    }

    /// <summary>The zero-point shift that maps a tensor's stored values into the int8 domain the kernels compute in.</summary>
    public static int DomainShift(ElementType type) => type == ElementType.UInt8 ? 128 : 0;

    /// <summary>An activation shape as NHWC: shapes of lower rank gain leading 1s (as NumPy broadcasting aligns them,
    /// so [N, In] of a fully connected layer becomes N pixels of In channels); higher ranks must lead with 1s.</summary>
    public static Nhwc ToNhwc(ReadOnlySpan<int> shape) => AlignToFour(shape, 1, "shape");

    /// <summary>Right-aligns per-dimension values on N, H, W, C; missing leading entries are <paramref name="neutral"/>,
    /// and extra leading entries must be.</summary>
    private static Nhwc AlignToFour(ReadOnlySpan<int> values, int neutral, string what)
    {
        Span<int> dims = [neutral, neutral, neutral, neutral];
        int skipped = values.Length - 4;
        for (int i = 0; i < values.Length; i++)
        {
            if (i >= skipped) dims[i - skipped] = values[i];
            else if (values[i] != neutral) throw new ArgumentException($"{what} {Shapes.Format(values)} has more than 4 dimensions in use");
        }
        return new Nhwc(dims[0], dims[1], dims[2], dims[3]);
    }

    private static string Describe(EqmModel model, int index)
    {
        EqmOperator op = model.Operators[index];
        return $"op {index} ({op.Kind} '{model.Tensors[op.Output].Name}')";
    }

    private sealed class Binder(EqmModel model, KernelTable kernels)
    {
        private readonly List<PlanTensor> _tensors = [];
        private readonly List<PlanOp> _ops = [];
        private readonly List<int> _sources = [];
        private readonly Dictionary<int, int> _planTensor = [];   // file tensor -> plan tensor
        private int _index;
        private EqmOperator _op = null!;

        public LoadedPlan Bind()
        {
            int input = NewTensor(model.Input.Tensor);
            for (_index = 0; _index < model.Operators.Count; _index++)
            {
                _op = model.Operators[_index];
                if (Tensor(_op.Output).ElementType == ElementType.Float32) continue;   // post-processing, see OutputSource
                try
                {
                    BindOp();
                }
                catch (Exception e) when (e is ArgumentException or OverflowException)
                {
                    // The kernels' Prepare step rejected a shape or value the format allows.
                    throw Unsupported(e.Message);
                }
            }
            var outputs = new int[model.Outputs.Count];
            for (int i = 0; i < outputs.Length; i++) outputs[i] = _planTensor[OutputSource(model, model.Outputs[i].Tensor).Tensor];
            return new LoadedPlan(new ModelPlan(kernels, _tensors, _ops, [input], outputs), _sources);
        }

        private void BindOp()
        {
            switch (_op.Params)
            {
                case Conv2DParams p:
                    Add(new ConvOp(Name, Activation(0), Output(), Shape(0),
                        Conv.Pack(kernels, Weights(), OutputChannels, Shape(0).C, p.Groups, Geometry(p.Window), Bias(), ZeroPoint(0), Multipliers(), Clamp(p))));
                    break;
                case FullyConnectedParams p:
                    Add(new ConvOp(Name, Activation(0), Output(), Shape(0),
                        Conv.Pack(kernels, Weights(), OutputChannels, Shape(0).C, 1, new ConvGeometry(1, 1), Bias(), ZeroPoint(0), Multipliers(), Clamp(p))));
                    break;
                case DepthwiseConv2DParams p:
                    Add(new DepthwiseOp(Name, Activation(0), Output(), Shape(0),
                        Depthwise.Pack(kernels, Weights(), Shape(0).C, Geometry(p.Window), Bias(), ZeroPoint(0), Multipliers(), Clamp(p))));
                    break;
                case TransposeConv2DParams p:
                    Add(new TransposeConvOp(Name, Activation(0), Output(), Shape(0),
                        TransposeConv.Pack(kernels, Weights(), OutputChannels, Shape(0).C, Geometry(p.Window), Bias(), ZeroPoint(0), Multipliers(), Clamp(p))));
                    break;
                case AveragePool2DParams p:
                    Add(new PoolOp(Name, Activation(0), Output(), Shape(0),
                        PoolingParams.Average(Geometry(p.Window), Scale(0), ZeroPoint(0), OutputScale, Clamp(p), p.CountIncludePad), average: true));
                    break;
                case GlobalAveragePoolParams p:
                    Add(new PoolOp(Name, Activation(0), Output(), Shape(0),
                        PoolingParams.GlobalAverage(Shape(0), Scale(0), ZeroPoint(0), OutputScale, Clamp(p)), average: true));
                    break;
                case MaxPool2DParams p:
                    int maxPoolInput = Activation(0);
                    AddMove((name, output) => new PoolOp(name, maxPoolInput, output, Shape(0), PoolingParams.Max(Geometry(p.Window)), average: false));
                    break;
                case AddParams p:
                    AddBinary(BinaryQuant.Add(Scale(0), ZeroPoint(0), Scale(1), ZeroPoint(1), OutputScale, Clamp(p)), multiply: false);
                    break;
                case MulParams p:
                    AddBinary(BinaryQuant.Mul(Scale(0), ZeroPoint(0), Scale(1), ZeroPoint(1), OutputScale, Clamp(p)), multiply: true);
                    break;
                case ConcatParams p:
                    if (p.Axis != Tensor(_op.Output).Shape.Count - 1) throw Unsupported($"concat along axis {p.Axis}: only the last (channel) axis is supported");
                    int parts = _op.Inputs.Count;
                    var (partTensors, partShapes, partRequantize) = (new int[parts], new Nhwc[parts], new RequantizeParams?[parts]);
                    for (int i = 0; i < parts; i++)
                        (partTensors[i], partShapes[i], partRequantize[i]) = (Activation(i), Shape(i), SameQuantization(i) ? null : RequantizeTo(i));
                    Add(new ConcatOp(Name, partTensors, Output(), partShapes, partRequantize));
                    break;
                case PadParams p:
                    int padInput = Activation(0);
                    Nhwc padShape = Shape(0), padded = OutputShape;
                    Nhwc before = AlignToFour(p.Before.AsSpan(), 0, "padding"), after = AlignToFour(p.After.AsSpan(), 0, "padding");
                    var value = (sbyte)ZeroPoint(0);
                    AddMove((name, output) => new MoveOp(name, padInput, output, padded, (x, y) => Pad.Run(x, padShape, before, after, value, y)));
                    break;
                case ResizeParams { Mode: InterpolationMode.Bilinear } p:
                    Add(new ResizeBilinearOp(Name, Activation(0), Output(),
                        new ResizeBilinear(Shape(0), p.OutputHeight, p.OutputWidth, p.Transform, RequantizeTo(0))));
                    break;
                case ResizeParams p:
                    int resizeInput = Activation(0);
                    var nearest = new ResizeNearest(Shape(0), p.OutputHeight, p.OutputWidth, p.Transform, p.Rounding);
                    AddMove((name, output) => new MoveOp(name, resizeInput, output, nearest.Output, nearest.Run));
                    break;
                case LutParams:
                    // Y = T[X + 128] (int8) or T[X] (uint8): both are index x' + 128 in the int8 domain.
                    var table = Values(_op.Inputs[1], DomainShift(Tensor(_op.Output).ElementType));
                    Add(new LutOp(Name, Activation(0), Output(), OutputShape, table));
                    break;
                case ReshapeParams:
                    // NHWC bytes are row-major in any shape: the output is the input under another name.
                    _planTensor[_op.Output] = Activation(0);
                    break;
                default:
                    throw Unsupported("the runtime has no kernel for this op kind");
            }
        }

        private string Name => Tensor(_op.Output).Name is { Length: > 0 } name ? name : $"op{_index}";
        private EqmTensor Tensor(int fileTensor) => model.Tensors[fileTensor];
        private Nhwc Shape(int input) => ToNhwc(Tensor(_op.Inputs[input]).Shape.AsSpan());
        private Nhwc OutputShape => ToNhwc(Tensor(_op.Output).Shape.AsSpan());
        private int OutputChannels => Tensor(_op.Inputs[1]).Shape[0];

        private double Scale(int input) => Tensor(_op.Inputs[input]).Quantization!.Scales[0];
        private int ZeroPoint(int input) => ZeroPointOf(_op.Inputs[input]);
        private double OutputScale => Tensor(_op.Output).Quantization!.Scales[0];

        private int ZeroPointOf(int fileTensor)
        {
            EqmTensor t = Tensor(fileTensor);
            return t.Quantization!.ZeroPoints[0] - DomainShift(t.ElementType);
        }

        private bool SameQuantization(int input) => Scale(input) == OutputScale && ZeroPoint(input) == ZeroPointOf(_op.Output);

        /// <summary>From input <paramref name="input"/>'s quantization to the output's, full output range.</summary>
        private RequantizeParams RequantizeTo(int input) => new(Scale(input), ZeroPoint(input), OutputScale, new OutputQuant(ZeroPointOf(_op.Output)));

        private OutputQuant Clamp(IClampedOp op)
        {
            int shift = DomainShift(Tensor(_op.Output).ElementType);
            return new OutputQuant(ZeroPointOf(_op.Output), op.Clamp.Min - shift, op.Clamp.Max - shift);
        }

        /// <summary>m[c] = float32(input_scale * weight_scale[c] / output_scale), one per weight scale (1 per tensor).</summary>
        private float[] Multipliers()
        {
            double inputScale = Scale(0), outputScale = OutputScale;
            var weightScales = Tensor(_op.Inputs[1]).Quantization!.Scales;
            var multipliers = new float[weightScales.Count];
            for (int c = 0; c < multipliers.Length; c++) multipliers[c] = Requantization.Multiplier(inputScale, weightScales[c], outputScale);
            return multipliers;
        }

        private ReadOnlySpan<sbyte> Weights() => MemoryMarshal.Cast<byte, sbyte>(Tensor(_op.Inputs[1]).Data.Span);

        // Stored little-endian, as every supported CPU (x64, arm64) reads it.
        private ReadOnlySpan<int> Bias() => MemoryMarshal.Cast<byte, int>(Tensor(_op.Inputs[2]).Data.Span);

        private sbyte[] Values(int fileTensor, int shift)
        {
            ReadOnlySpan<byte> data = Tensor(fileTensor).Data.Span;
            var values = new sbyte[data.Length];
            for (int i = 0; i < data.Length; i++) values[i] = (sbyte)(data[i] - shift);
            return values;
        }

        /// <summary>The plan tensor of input <paramref name="input"/>; a constant gets one, filled by a
        /// <see cref="ConstantOp"/> placed just before its first reader.</summary>
        private int Activation(int input)
        {
            int fileTensor = _op.Inputs[input];
            if (_planTensor.TryGetValue(fileTensor, out int planTensor)) return planTensor;
            EqmTensor t = Tensor(fileTensor);
            if (!t.IsConstant || !t.ElementType.Is8Bit()) throw Unsupported($"input {input} ('{t.Name}') is not an 8-bit activation");
            planTensor = NewTensor(fileTensor);
            Add(new ConstantOp(t.Name, planTensor, _tensors[planTensor].Shape, Values(fileTensor, DomainShift(t.ElementType))));
            return planTensor;
        }

        private int Output() => NewTensor(_op.Output);

        private int NewTensor(int fileTensor)
        {
            _tensors.Add(new PlanTensor(Tensor(fileTensor).Name, ToNhwc(Tensor(fileTensor).Shape.AsSpan())));
            _planTensor[fileTensor] = _tensors.Count - 1;
            return _tensors.Count - 1;
        }

        private void Add(PlanOp op)
        {
            _ops.Add(op);
            _sources.Add(_index);
        }

        private void AddBinary(BinaryQuant quant, bool multiply)
        {
            int a = Activation(0), b = Activation(1);
            Add(new BinaryOp(Name, a, b, Output(), Shape(0), Shape(1), quant, multiply));
        }

        /// <summary>A value-moving op; when its output has other quantization, it writes a temporary tensor that a
        /// requantize step then maps to the output.</summary>
        private void AddMove(Func<string, int, PlanOp> move)
        {
            if (SameQuantization(0))
            {
                Add(move(Name, Output()));
                return;
            }
            _tensors.Add(new PlanTensor($"{Name} (before requantize)", OutputShape));
            int moved = _tensors.Count - 1;
            Add(move($"{Name} (move)", moved));
            Add(new RequantizeOp(Name, moved, Output(), OutputShape, RequantizeTo(0)));
        }

        private UnsupportedModelException Unsupported(string what) => new($"{Describe(model, _index)}: {what}");

        private static ConvGeometry Geometry(Window2D w) => new(w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.DilationH, w.DilationW,
            w.Pads.Top, w.Pads.Left, w.Pads.Bottom, w.Pads.Right);
    }
}
