using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static EdgeQ.Format.ModelValidator;

namespace EdgeQ.Format;

/// <summary>
/// Per-kind rules of one op (docs/format.md, Operators): which inputs are activations, weights, biases or tables,
/// the parameter ranges, and the output shape from <see cref="ShapeInference"/>.
/// </summary>
internal static class OperatorRules
{
    public static void Validate(EqmModel model, EqmOperator op)
    {
        var inputs = new EqmTensor[op.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = model.Tensors[op.Inputs[i]];
        var output = model.Tensors[op.Output];
        var expectedShape = ShapeInference.OutputShape(op.Params, op.Inputs, model.Tensors);
        if (expectedShape != output.Shape)
            throw new EqmFormatException($"output tensor {op.Output} '{output.Name}' has shape {output.Shape}, the op produces {expectedShape}");

        switch (op.Params)
        {
            case Conv2DParams or TransposeConv2DParams or FullyConnectedParams:
                CheckWeightedOp(op, inputs, output, weightChannelAxis: 0);
                break;
            case DepthwiseConv2DParams:
                CheckWeightedOp(op, inputs, output, weightChannelAxis: 3);
                break;
            case ResizeParams resize:
                CheckEnum(resize.Mode, "mode");
                CheckEnum(resize.Transform, "coordinate transform");
                CheckEnum(resize.Rounding, "nearest rounding");
                CheckMove(op, inputs, output);
                break;
            case LutParams:
                Input(op, inputs, 0, RequireActivation);
                Output(op, output, RequireActivation);
                Input(op, inputs, 1, table => RequireTable(table, output.ElementType));
                break;
            case ReshapeParams:
                if (inputs[0].ElementType != output.ElementType || !Equals(inputs[0].Quantization, output.Quantization))
                    throw new EqmFormatException("output must have the element type and quantization of input X (reshape moves no values)");
                break;
            case SoftmaxParams:
                Input(op, inputs, 0, RequireActivationOrFloat);
                Output(op, output, RequireFloat);
                break;
            case DequantizeParams:
                Input(op, inputs, 0, RequireQuantized8Bit);
                Output(op, output, RequireFloat);
                break;
            case MaxPool2DParams or PadParams or ConcatParams:
                CheckMove(op, inputs, output);
                break;
            case AveragePool2DParams or GlobalAveragePoolParams or AddParams or MulParams:
                for (int k = 0; k < inputs.Length; k++) Input(op, inputs, k, RequireActivation);
                Output(op, output, RequireActivation);
                break;
            default:
                throw new EqmFormatException($"no validation rules for op kind {op.Kind}");
        }
        if (op.Params is IClampedOp clamped) CheckClamp(clamped.Clamp, output.ElementType);
    }

    /// <summary>Conv, depthwise, transposed conv and FC: X activation, W int8 weights, B int32 bias.</summary>
    private static void CheckWeightedOp(EqmOperator op, EqmTensor[] inputs, EqmTensor output, int weightChannelAxis)
    {
        Input(op, inputs, 0, RequireActivation);
        Input(op, inputs, 1, w => RequireWeights(w, weightChannelAxis));
        Input(op, inputs, 2, RequireBias);
        Output(op, output, RequireActivation);
        Input(op, inputs, 2, b => CheckAccumulatorRange(inputs[0], inputs[1], b, weightChannelAxis));
    }

    /// <summary>
    /// The int32 accumulator of every output channel must not overflow (quantization.md, Accumulation):
    /// |bias'| + max|x| * sum|w| &lt; 2^31 with bias' = bias - x_zero_point * sum w, the bias folded at load time.
    /// </summary>
    private static void CheckAccumulatorRange(EqmTensor x, EqmTensor w, EqmTensor b, int channelAxis)
    {
        // Weights viewed as [outer, channels, inner] around the channel axis.
        int channels = w.Shape[channelAxis];
        int inner = 1;
        for (int d = channelAxis + 1; d < w.Shape.Count; d++) inner *= w.Shape[d];
        var weights = MemoryMarshal.Cast<byte, sbyte>(w.Data.Span);
        var sum = new long[channels];
        var sumAbs = new long[channels];
        for (int start = 0, c = 0; start < weights.Length; start += inner, c = (c + 1) % channels)
        {
            foreach (sbyte weight in weights.Slice(start, inner))
            {
                sum[c] += weight;
                sumAbs[c] += Math.Abs(weight);
            }
        }
        var (min, max) = x.ElementType.IntegerRange();
        long largestInput = Math.Max(-(long)min, max);
        long zeroPoint = x.Quantization!.ZeroPoints[0];
        for (int c = 0; c < channels; c++)
        {
            long folded = BinaryPrimitives.ReadInt32LittleEndian(b.Data.Span[(c * sizeof(int))..]) - zeroPoint * sum[c];
            long bound = Math.Abs(folded) + largestInput * sumAbs[c];
            if (bound > int.MaxValue)
                throw new EqmFormatException($"output channel {c} can overflow the int32 accumulator: |bias - zero point x sum w| + {largestInput} x sum|w| = {bound} >= 2^31");
        }
    }

    /// <summary>Ops that move or pick int8 values (requantizing only when scales differ): same element type in and out.</summary>
    private static void CheckMove(EqmOperator op, EqmTensor[] inputs, EqmTensor output)
    {
        Output(op, output, RequireActivation);
        for (int k = 0; k < inputs.Length; k++)
        {
            Input(op, inputs, k, t =>
            {
                RequireActivation(t);
                if (t.ElementType != output.ElementType)
                    throw new EqmFormatException($"is {t.ElementType}, the output is {output.ElementType}");
            });
        }
    }

    private static void RequireWeights(EqmTensor w, int channelAxis)
    {
        if (!w.IsConstant || w.ElementType != ElementType.Int8 || w.Quantization is not { } q)
            throw new EqmFormatException($"must be a quantized int8 constant, is {(w.IsConstant ? "a constant" : "not a constant")} {w.ElementType} with {Describe(w.Quantization)}");
        if (q.IsPerChannel && q.Axis != channelAxis)
            throw new EqmFormatException($"per-channel quantization must be on the output-channel axis {channelAxis}, is on axis {q.Axis}");
        if (q.ZeroPoints.AsSpan().ContainsAnyExcept(0))
            throw new EqmFormatException("weights must be symmetric (zero points 0)");
        // -128 would overflow the int16 pair sums of the NEON kernel (quantization.md).
        int at = w.Data.Span.IndexOf(unchecked((byte)sbyte.MinValue));
        if (at >= 0) throw new EqmFormatException($"weight element {at} is -128; weights must lie in [-127, 127]");
    }

    private static void RequireBias(EqmTensor b)
    {
        if (!b.IsConstant || b.ElementType != ElementType.Int32 || b.Quantization is not null)
            throw new EqmFormatException($"must be an int32 constant without quantization (its scale is input scale x weight scale), is {(b.IsConstant ? "a constant" : "not a constant")} {b.ElementType} with {Describe(b.Quantization)}");
    }

    private static void RequireTable(EqmTensor table, ElementType outputType)
    {
        if (!table.IsConstant || table.ElementType != outputType || table.Shape != (EquatableArray<int>)(int[])[256])
            throw new EqmFormatException($"must be a constant {outputType} [256] table (256 bytes), is {table}");
    }

    private static void RequireFloat(EqmTensor t)
    {
        if (t.ElementType != ElementType.Float32) throw new EqmFormatException($"must be float32, is {t.ElementType}");
    }

    private static void RequireActivationOrFloat(EqmTensor t)
    {
        if (t.ElementType != ElementType.Float32) RequireActivation(t);
    }

    private static void RequireQuantized8Bit(EqmTensor t)
    {
        if (!t.ElementType.Is8Bit() || t.Quantization is null)
            throw new EqmFormatException($"must be a quantized int8 or uint8 tensor, is {t.ElementType} with {Describe(t.Quantization)}");
    }

    private static void CheckClamp(OutputClamp clamp, ElementType outputType)
    {
        var (min, max) = outputType.IntegerRange();
        if (clamp.Min > clamp.Max || clamp.Min < min || clamp.Max > max)
            throw new EqmFormatException($"parameter 'clamp' [{clamp.Min}, {clamp.Max}] must satisfy {min} <= qmin <= qmax <= {max}");
    }

    private static void CheckEnum<T>(T value, string parameter) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) throw new EqmFormatException($"parameter '{parameter}': unknown value {value}");
    }

    private static void Input(EqmOperator op, EqmTensor[] inputs, int k, Action<EqmTensor> rule) =>
        Wrap($"input {OpInputs.Name(op.Kind, k)} (tensor {op.Inputs[k]} '{inputs[k].Name}')", () => rule(inputs[k]));

    private static void Output(EqmOperator op, EqmTensor output, Action<EqmTensor> rule) =>
        Wrap($"output (tensor {op.Output} '{output.Name}')", () => rule(output));
}
