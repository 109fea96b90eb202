using System.Runtime.InteropServices;
using EdgeQ.Format;
using EdgeQ.Host.ModelZoo;

namespace EdgeQ.Host.Export;

/// <summary>
/// Writes an .eqm as a standard QDQ ONNX model (opset 13) that ONNX Runtime runs with its int8 kernels: every
/// activation is QuantizeLinear -> DequantizeLinear with the .eqm's scale and zero point, every compute op is the
/// float ONNX op between them, weights are int8 initializers behind DequantizeLinear (axis 0 per channel where the
/// .eqm is per channel) and biases int32 initializers behind DequantizeLinear with scale input_scale * weight_scale.
/// Fused activations become Relu/Clip before the QuantizeLinear; lookup tables (the .eqm keeps no float function)
/// become a Gather on the table. Activations are NCHW as in the float ONNX model the .eqm came from: the input is
/// the same preprocessed float NCHW tensor (see the .eqm's input spec), outputs are float (int8 outputs dequantized).
/// </summary>
/// <remarks>
/// Activations are written as uint8: the .eqm's int8 value q with zero point z is the uint8 value q + 128 with zero
/// point z + 128 (same scale, same real values, same rounding and saturation), so nothing changes numerically. ONNX
/// Runtime on x86 fuses QDQ convolutions into QLinearConv only on uint8 activations (onnxruntime#7715): with int8
/// activations it left 12 of ResNet18's 22 convolutions, those whose input a residual Add reads too, in float
/// (docs/benchmarks.md, "QDQ export"). Weights stay int8 and symmetric, biases int32.
/// </remarks>
public static class QdqExporter
{
    public const int Opset = 13;

    /// <summary>uint8 activation = int8 activation + 128, zero points alike.</summary>
    private const int Uint8Offset = 128;

    public static byte[] Export(EqmModel model) => new GraphExport(model).Run();

    /// <summary>Writes beside the target and renames, so a failed export leaves no half-written file.</summary>
    public static void WriteFile(EqmModel model, string path) => AtomicFile.WriteAllBytes(path, Export(model));

    /// <summary>One export: the writer plus, per .eqm tensor, its ONNX float value and (activations) its uint8 value.</summary>
    private sealed class GraphExport(EqmModel model)
    {
        private static readonly int[] NchwToNhwc = [0, 2, 3, 1];
        private static readonly int[] NhwcToNchw = [0, 3, 1, 2];

        private readonly OnnxModelWriter writer = new(model.Metadata.Name, Opset, model.Metadata.Producer + " QDQ export");
        private readonly Dictionary<int, string> floatValues = [];
        private readonly Dictionary<int, string> quantizedValues = [];
        private readonly Dictionary<int, string[]> scalesAndZeroPoints = [];

        public byte[] Run()
        {
            int input = model.Input.Tensor;
            var inputTensor = model.Tensors[input];
            if (inputTensor.ElementType != ElementType.Int8)
                throw new NotSupportedException($"QDQ export supports int8 inputs, this model's is {inputTensor.ElementType}");
            string name = writer.Input(TensorName(input, "input"), OnnxShape(inputTensor.Shape));
            Quantize(input, name);
            var outputs = model.Outputs.Select((o, i) => (o.Tensor, Name: TensorName(o.Tensor, $"output{i}"))).ToList();
            foreach (var (tensor, outputName) in outputs) writer.Output(outputName, OnnxShape(model.Tensors[tensor].Shape));
            foreach (var op in model.Operators) Export(op);
            foreach (var (tensor, outputName) in outputs) writer.NamedNode("Identity", outputName, [Float(tensor)]);
            return writer.ToBytes();
        }

        private void Export(EqmOperator op)
        {
            int output = op.Output;
            var outputShape = model.Tensors[output].Shape;
            string X(int i) => Float(op.Inputs[i]);
            switch (op.Params)
            {
                case Conv2DParams p:
                    Produce(output, writer.Node("Conv", [X(0), Weights(op.Inputs[1], [0, 3, 1, 2], 0), Bias(op)],
                        [.. WindowAttributes(p.Window, dilations: true), ("group", p.Groups)]), p.Clamp);
                    break;
                case DepthwiseConv2DParams p:
                    // 1HWC -> C1HW: ONNX's depthwise is a grouped conv with one input channel per group.
                    Produce(output, writer.Node("Conv", [X(0), Weights(op.Inputs[1], [3, 0, 1, 2], 0), Bias(op)],
                        [.. WindowAttributes(p.Window, dilations: true), ("group", outputShape[3])]), p.Clamp);
                    break;
                case TransposeConv2DParams p:
                    // OHWI -> IOHW, ConvTranspose's weight layout (quantization axis 1 = output channels).
                    Produce(output, writer.Node("ConvTranspose", [X(0), Weights(op.Inputs[1], [3, 0, 1, 2], 1), Bias(op)],
                        WindowAttributes(p.Window, dilations: true)), p.Clamp);
                    break;
                case FullyConnectedParams p:
                    Produce(output, writer.Node("Gemm", [X(0), Weights(op.Inputs[1], [0, 1], 0), Bias(op)], ("transB", 1)), p.Clamp);
                    break;
                case AveragePool2DParams p:
                    if (p.Window.DilationH != 1 || p.Window.DilationW != 1)
                        throw new NotSupportedException("QDQ export: dilated average pooling has no opset 13 ONNX op");
                    Produce(output, writer.Node("AveragePool", [X(0)],
                        [.. WindowAttributes(p.Window, dilations: false), ("count_include_pad", p.CountIncludePad ? 1 : 0)]), p.Clamp);
                    break;
                case MaxPool2DParams p:
                    Produce(output, writer.Node("MaxPool", [X(0)], WindowAttributes(p.Window, dilations: true)), null);
                    break;
                case GlobalAveragePoolParams p:
                    Produce(output, writer.Node("GlobalAveragePool", [X(0)]), p.Clamp);
                    break;
                case AddParams p:
                    Produce(output, writer.Node("Add", [Broadcastable(op, 0), Broadcastable(op, 1)]), p.Clamp);
                    break;
                case MulParams p:
                    Produce(output, writer.Node("Mul", [Broadcastable(op, 0), Broadcastable(op, 1)]), p.Clamp);
                    break;
                case ConcatParams p:
                    Produce(output, writer.Node("Concat", [.. op.Inputs.Select(Float)], ("axis", OnnxAxis(p.Axis, outputShape.Count))), null);
                    break;
                case PadParams p:
                    int[] order = OnnxAxisOrder(outputShape.Count);
                    long[] pads = [.. order.Select(a => (long)p.Before[a]), .. order.Select(a => (long)p.After[a])];
                    // Constant 0 in real units is the zero point once quantized, as the .eqm pads.
                    Produce(output, writer.Node("Pad", [X(0), writer.Initializer($"t{output}_pads", [pads.Length], pads),
                        writer.Initializer($"t{output}_pad_value", [], [0f])], ("mode", "constant")), null);
                    break;
                case ResizeParams p:
                    long[] sizes = [.. OnnxShape(outputShape).Select(d => (long)d)];
                    Produce(output, writer.Node("Resize", [X(0), "", "", writer.Initializer($"t{output}_sizes", [4], sizes)],
                        ("mode", p.Mode == InterpolationMode.Nearest ? "nearest" : "linear"),
                        ("coordinate_transformation_mode", CoordinateTransformName(p.Transform)),
                        ("nearest_mode", NearestRoundingName(p.Rounding))), null);
                    break;
                case LutParams:
                    ExportLut(op);
                    break;
                case ReshapeParams:
                    Produce(output, Reshape(X(0), model.Tensors[op.Inputs[0]].Shape, output), null);
                    break;
                case SoftmaxParams:
                    floatValues[output] = writer.Node("Softmax", [X(0)], ("axis", OnnxAxis(outputShape.Count - 1, outputShape.Count)));
                    break;
                case DequantizeParams:
                    floatValues[output] = X(0);
                    break;
                default:
                    throw new NotSupportedException($"QDQ export: operator {op.Kind} is not supported");
            }
        }

        /// <summary>
        /// out = T[x + 128] on the quantized values, so the table is used bit for bit: the uint8 input x + 128 is the
        /// index itself, and the table's entries are shifted to uint8 like every activation.
        /// </summary>
        private void ExportLut(EqmOperator op)
        {
            int output = op.Output;
            string indices = writer.Node("Cast", [Quantized(op.Inputs[0])], ("to", 6 /* INT32 */));
            string table = writer.Initializer($"t{output}_table", [256], Uint8Constant(op.Inputs[1]));
            quantizedValues[output] = writer.Node("Gather", [table, indices], ("axis", 0));
        }

        /// <summary>The float result of an op becomes the tensor: clamp (fused activation), QuantizeLinear, DequantizeLinear.</summary>
        private void Produce(int tensor, string value, OutputClamp? clamp)
        {
            if (clamp is { } range && range != OutputClamp.FullInt8)
            {
                var q = Quantization(tensor);
                float low = q.Scales[0] * (range.Min - q.ZeroPoints[0]), high = q.Scales[0] * (range.Max - q.ZeroPoints[0]);
                value = range.Min == q.ZeroPoints[0] && range.Max == sbyte.MaxValue
                    ? writer.Node("Relu", [value])
                    : writer.Node("Clip", [value, writer.Initializer($"t{tensor}_clip_min", [], [low]), writer.Initializer($"t{tensor}_clip_max", [], [high])]);
            }
            Quantize(tensor, value);
        }

        private void Quantize(int tensor, string value) =>
            quantizedValues[tensor] = writer.Node("QuantizeLinear", [value, .. ScaleAndZeroPoint(tensor)]);

        private string[] ScaleAndZeroPoint(int tensor)
        {
            if (scalesAndZeroPoints.TryGetValue(tensor, out var names)) return names;
            var q = Quantization(tensor);
            return scalesAndZeroPoints[tensor] = [writer.Initializer($"t{tensor}_scale", [], [q.Scales[0]]),
                writer.Initializer($"t{tensor}_zero_point", [], [checked((byte)(q.ZeroPoints[0] + Uint8Offset))])];
        }

        private EqmQuantization Quantization(int tensor)
        {
            var t = model.Tensors[tensor];
            return t.ElementType == ElementType.Int8 && t.Quantization is { IsPerChannel: false } q
                ? q
                : throw new NotSupportedException($"QDQ export: tensor {t} is not a per-tensor quantized int8 activation");
        }

        /// <summary>
        /// A tensor's float value: created on first use, so an int8 value read only as int8 (a lookup table's input)
        /// gets no DequantizeLinear without consumers.
        /// </summary>
        private string Float(int tensor)
        {
            if (floatValues.TryGetValue(tensor, out var name)) return name;
            if (!quantizedValues.ContainsKey(tensor)) AddConstant(tensor);
            return floatValues[tensor] = writer.Node("DequantizeLinear", [quantizedValues[tensor], .. ScaleAndZeroPoint(tensor)]);
        }

        private string Quantized(int tensor)
        {
            if (!quantizedValues.ContainsKey(tensor)) AddConstant(tensor);
            return quantizedValues[tensor];
        }

        /// <summary>A constant int8 operand (e.g. of Add) as a uint8 initializer in ONNX layout.</summary>
        private void AddConstant(int tensor)
        {
            var t = model.Tensors[tensor];
            if (!t.IsConstant) throw new InvalidOperationException($"QDQ export: tensor {t} is read before it is written");
            var values = Uint8Constant(tensor);
            if (t.Shape.Count == 4) values = Transposed(values, [.. t.Shape], NhwcToNchw);
            quantizedValues[tensor] = writer.Initializer($"t{tensor}", OnnxShape(t.Shape), values);
        }

        /// <summary>Binary operands must have equal rank: ONNX broadcasts NCHW shapes, the .eqm NHWC ones.</summary>
        private string Broadcastable(EqmOperator op, int index)
        {
            int rank = model.Tensors[op.Output].Shape.Count;
            var shape = model.Tensors[op.Inputs[index]].Shape;
            return shape.Count == rank || rank != 4
                ? Float(op.Inputs[index])
                : throw new NotSupportedException($"QDQ export: {op.Kind} operand of rank {shape.Count} against a rank-4 output");
        }

        /// <summary>int8 weights permuted from the .eqm layout into the ONNX one, behind a DequantizeLinear.</summary>
        private string Weights(int tensor, int[] permutation, int onnxAxis)
        {
            var t = model.Tensors[tensor];
            var q = t.Quantization ?? throw new NotSupportedException($"QDQ export: weights {t} are not quantized");
            int[] shape = [.. permutation.Select(a => t.Shape[a])];
            string weights = writer.Initializer($"t{tensor}", shape, Transposed(Constant<sbyte>(tensor), [.. t.Shape], permutation));
            string scale = q.IsPerChannel
                ? writer.Initializer($"t{tensor}_scale", [q.Scales.Count], q.Scales.ToArray())
                : writer.Initializer($"t{tensor}_scale", [], [q.Scales[0]]);
            string zeroPoint = q.IsPerChannel
                ? writer.Initializer($"t{tensor}_zero_point", [q.Scales.Count], new sbyte[q.Scales.Count])
                : writer.Initializer($"t{tensor}_zero_point", [], new sbyte[1]);
            return q.IsPerChannel
                ? writer.Node("DequantizeLinear", [weights, scale, zeroPoint], ("axis", onnxAxis))
                : writer.Node("DequantizeLinear", [weights, scale, zeroPoint]);
        }

        /// <summary>int32 bias with scale input_scale * weight_scale[c] (quantization.md), zero point 0.</summary>
        private string Bias(EqmOperator op)
        {
            int tensor = op.Inputs[2];
            float inputScale = Quantization(op.Inputs[0]).Scales[0];
            var weightScales = model.Tensors[op.Inputs[1]].Quantization!.Scales;
            int channels = model.Tensors[tensor].Shape[0];
            float[] scales = [.. Enumerable.Range(0, channels).Select(c => (float)((double)inputScale * weightScales[weightScales.Count == 1 ? 0 : c]))];
            return writer.Node("DequantizeLinear", [writer.Initializer($"t{tensor}", [channels], Constant<int>(tensor)),
                writer.Initializer($"t{tensor}_scale", [channels], scales), writer.Initializer($"t{tensor}_zero_point", [channels], new int[channels])],
                ("axis", 0));
        }

        /// <summary>
        /// The .eqm reshapes NHWC element order; NCHW values go through NHWC around the Reshape unless both orders agree
        /// (spatial size 1 or one channel).
        /// </summary>
        private string Reshape(string value, EquatableArray<int> from, int output)
        {
            var to = model.Tensors[output].Shape;
            if (from.Count == 4 && OrdersDiffer(from)) value = writer.Node("Transpose", [value], ("perm", NchwToNhwc));
            bool transposeBack = to.Count == 4 && OrdersDiffer(to);
            long[] shape = [.. (transposeBack ? [.. to] : OnnxShape(to)).Select(d => (long)d)];
            value = writer.Node("Reshape", [value, writer.Initializer($"t{output}_shape", [shape.Length], shape)]);
            return transposeBack ? writer.Node("Transpose", [value], ("perm", NhwcToNchw)) : value;
        }

        private static bool OrdersDiffer(EquatableArray<int> nhwc) => nhwc[1] * nhwc[2] > 1 && nhwc[3] > 1;

        private T[] Constant<T>(int tensor) where T : unmanaged => MemoryMarshal.Cast<byte, T>(model.Tensors[tensor].Data.Span).ToArray();

        /// <summary>An int8 constant read as an activation (table, operand), shifted to uint8.</summary>
        private byte[] Uint8Constant(int tensor) => [.. Constant<sbyte>(tensor).Select(v => (byte)(v + Uint8Offset))];

        private string TensorName(int tensor, string fallback) =>
            model.Tensors[tensor].Name is { Length: > 0 } name ? name : fallback;

        /// <summary>ONNX window attributes; pads [top, left, bottom, right] are ONNX's [h_begin, w_begin, h_end, w_end].</summary>
        private static (string, object)[] WindowAttributes(Window2D w, bool dilations)
        {
            (string, object)[] attributes =
            [
                ("kernel_shape", new[] { w.KernelH, w.KernelW }),
                ("strides", new[] { w.StrideH, w.StrideW }),
                ("pads", new[] { w.Pads.Top, w.Pads.Left, w.Pads.Bottom, w.Pads.Right }),
            ];
            return dilations ? [.. attributes, ("dilations", new[] { w.DilationH, w.DilationW })] : attributes;
        }

        /// <summary>Rank-4 tensors are NHWC in the .eqm and NCHW in ONNX; other ranks keep their order.</summary>
        private static int[] OnnxShape(EquatableArray<int> shape) => [.. OnnxAxisOrder(shape.Count).Select(a => shape[a])];

        /// <summary>For each ONNX axis, the .eqm axis it holds.</summary>
        private static int[] OnnxAxisOrder(int rank) => rank == 4 ? NhwcToNchw : [.. Enumerable.Range(0, rank)];

        private static int OnnxAxis(int eqmAxis, int rank) => Array.IndexOf(OnnxAxisOrder(rank), eqmAxis);

        /// <summary>Permutes a row-major tensor: output axis i is input axis permutation[i].</summary>
        private static T[] Transposed<T>(T[] values, int[] shape, int[] permutation)
        {
            int rank = shape.Length;
            var strides = new int[rank];
            for (int a = rank - 1, s = 1; a >= 0; s *= shape[a], a--) strides[a] = s;
            var result = new T[values.Length];
            var index = new int[rank];   // position in the output, in output axes
            for (int o = 0; o < result.Length; o++)
            {
                int source = 0;
                for (int a = 0; a < rank; a++) source += index[a] * strides[permutation[a]];
                result[o] = values[source];
                for (int a = rank - 1; a >= 0 && ++index[a] == shape[permutation[a]]; a--) index[a] = 0;
            }
            return result;
        }

        private static string CoordinateTransformName(CoordinateTransform transform) => transform switch
        {
            CoordinateTransform.HalfPixel => "half_pixel",
            CoordinateTransform.AlignCorners => "align_corners",
            CoordinateTransform.Asymmetric => "asymmetric",
            _ => "pytorch_half_pixel",
        };

        private static string NearestRoundingName(NearestRounding rounding) => rounding switch
        {
            NearestRounding.RoundPreferFloor => "round_prefer_floor",
            NearestRounding.RoundPreferCeil => "round_prefer_ceil",
            NearestRounding.Floor => "floor",
            _ => "ceil",
        };
    }
}
