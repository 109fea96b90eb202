using Xunit.Abstractions;
using static EdgeQ.Format.ElementType;

namespace EdgeQ.Format.Tests;

/// <summary>
/// One test per validation rule: the broken model is written without validation, and reading it must raise
/// EqmFormatException whose message names the place. The constructor of EqmModel must reject it with the same message.
/// </summary>
public sealed class ValidationTests(ITestOutputHelper output)
{
    private static readonly ModelParts MobileNet = ModelParts.Of(TestModels.MobileNetLike());
    private static readonly ModelParts UNet = ModelParts.Of(TestModels.UNetLike());
    private static readonly ModelParts Fashion = ModelParts.Of(TestModels.FashionGrey());

    // MobileNet-like op indices: 0 conv1, 1 dw1, 2 pw1, 3 hswish (Lut), 4 dw2, 5 pw2, 6 residual (Add), 7 pool,
    // 8 gap, 9 flatten (Reshape), 10 fc, 11 probabilities (Softmax).
    // U-Net-like: 0 enc, 1 maxpool, 2 grouped, 3 up (TransposeConv2D), 4 skip (Concat), 5 pad, 6 smooth (AveragePool2D),
    // 7 upsample (Resize), 8 gated (Mul), 9 head, 10 mask (Resize), 11 scores (Dequantize).
    private static readonly Dictionary<string, (Func<ModelParts> Break, string[] Expected)> Cases = new()
    {
        // Tensors
        ["unknown element type"] = (() => MobileNet.WithTensor("conv1", t => t with { ElementType = (ElementType)9 }),
            ["tensors section, tensor", "'conv1'", "element type", "9"]),
        ["rank above 8"] = (() => MobileNet.WithTensor("conv1", t => t with { Shape = [1, 1, 1, 1, 1, 1, 1, 1, 1] }), ["'conv1'", "rank 9 exceeds 8"]),
        ["zero dimension"] = (() => MobileNet.WithTensor("conv1", t => t with { Shape = [1, 0, 16, 8] }), ["'conv1'", "field 'shape'", "dimension 0", "not positive"]),
        ["element count overflow"] = (() => MobileNet.WithTensor("conv1", t => t with { Shape = [65536, 65536, 1, 8] }), ["'conv1'", "more than 2^31-1 elements"]),
        ["blob length differs from shape"] = (() => MobileNet.WithTensor("fc.bias", t => t with { Data = t.Data[..36] }), ["'fc.bias'", "blob length", "36 bytes", "needs 40"]),
        ["float32 quantized"] = (() => MobileNet.WithTensor("probabilities", t => t with { Quantization = TestModels.Act(0.1f, 0) }), ["'probabilities'", "float32 tensors are not quantized"]),
        ["per-tensor with two scales"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = new([0.1f, 0.2f], [0, 0]) }), ["'conv1'", "needs 1 scale, has 2"]),
        ["per-channel axis out of range"] = (() => MobileNet.WithTensor("conv1.weight", t => t with { Quantization = t.Quantization! with { Axis = 4 } }), ["'conv1.weight'", "quantization axis", "4"]),
        ["per-channel scale count"] = (() => MobileNet.WithTensor("conv1.weight", t => t with { Quantization = EqmQuantization.PerChannel(0, new float[7]) }),
            ["'conv1.weight'", "7 per-channel scales", "8 channels"]),
        ["scale NaN"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = TestModels.Act(float.NaN, 0) }), ["'conv1'", "scale 0 is NaN", "finite and > 0"]),
        ["scale zero"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = TestModels.Act(0, 0) }), ["'conv1'", "scale 0 is 0"]),
        ["scale negative"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = TestModels.Act(-0.5f, 0) }), ["'conv1'", "scale 0 is -0.5"]),
        ["scale infinite"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = TestModels.Act(float.PositiveInfinity, 0) }), ["'conv1'", "scale 0 is", "finite and > 0"]),
        ["int8 zero point out of range"] = (() => MobileNet.WithTensor("conv1", t => t with { Quantization = TestModels.Act(0.1f, 128) }), ["'conv1'", "zero point 0 is 128", "Int8 range [-128, 127]"]),
        ["uint8 zero point out of range"] = (() => Fashion.WithTensor("pixels", t => t with { Quantization = TestModels.Act(0.1f, -1) }), ["'pixels'", "zero point 0 is -1", "UInt8 range [0, 255]"]),
        ["int32 zero point not zero"] = (() => MobileNet.WithTensor("fc.bias", t => t with { Quantization = new EqmQuantization([0.001f], [5]) }), ["'fc.bias'", "zero point 0 is 5", "Int32 range [0, 0]"]),

        // Input
        ["input index out of range"] = (() => MobileNet with { Input = MobileNet.Input with { Tensor = 99 } }, ["input section", "field 'tensor'", "tensor index 99"]),
        ["input is a constant"] = (() => MobileNet with { Input = MobileNet.Input with { Tensor = MobileNet.TensorIndex("conv1.weight") } }, ["input section", "is a constant"]),
        ["input not 8-bit"] = (() => MobileNet.WithTensor("input", t => t with { ElementType = Float32, Quantization = null }), ["input section", "field 'tensor'", "int8 or uint8", "Float32"]),
        ["input not rank 4"] = (() => MobileNet.WithTensor("input", t => t with { Shape = [1, 32, 96] }), ["input section", "not NHWC"]),
        ["input layout unknown"] = (() => MobileNet with { Input = MobileNet.Input with { Layout = (TensorLayout)3 } }, ["input section", "field 'layout'", "3"]),
        ["colour order channels"] = (() => MobileNet.WithPreprocessing(p => p with { ColorOrder = ColorOrder.Grey }), ["input section", "colour order", "needs 1 channels", "has 3"]),
        ["colour order unknown"] = (() => MobileNet.WithPreprocessing(p => p with { ColorOrder = (ColorOrder)7 }), ["input section", "colour order", "unknown value 7"]),
        ["resize mode unknown"] = (() => MobileNet.WithPreprocessing(p => p with { ResizeMode = (ResizeMode)5 }), ["input section", "resize mode", "unknown value 5"]),
        ["crop fraction zero"] = (() => MobileNet.WithPreprocessing(p => p with { CropFraction = 0 }), ["input section", "crop fraction", "outside (0, 1]"]),
        ["crop fraction above one"] = (() => MobileNet.WithPreprocessing(p => p with { CropFraction = 1.5f }), ["input section", "crop fraction", "1.5"]),
        ["crop fraction NaN"] = (() => MobileNet.WithPreprocessing(p => p with { CropFraction = float.NaN }), ["input section", "crop fraction", "NaN"]),
        ["mean count"] = (() => MobileNet.WithPreprocessing(p => p with { Mean = [1f, 2f] }), ["input section", "field 'mean'", "2 values for 3 channels"]),
        ["mean infinite"] = (() => MobileNet.WithPreprocessing(p => p with { Mean = [1f, float.NegativeInfinity, 3f] }), ["input section", "field 'mean'", "channel 1"]),
        ["std zero"] = (() => MobileNet.WithPreprocessing(p => p with { Std = [58f, 0f, 57f] }), ["input section", "field 'std'", "channel 1 value 0"]),

        // Outputs
        ["no output"] = (() => MobileNet with { Outputs = [] }, ["outputs section", "no output"]),
        ["output index out of range"] = (() => MobileNet with { Outputs = [new EqmOutputSpec(99)] }, ["outputs section", "output 0", "tensor index 99"]),
        ["output listed twice"] = (() => MobileNet with { Outputs = [MobileNet.Outputs[0], MobileNet.Outputs[0]] }, ["outputs section", "output 1", "listed twice"]),
        ["output is a constant"] = (() => MobileNet with { Outputs = [new EqmOutputSpec(MobileNet.TensorIndex("fc.bias"))] }, ["outputs section", "output 0", "'fc.bias'", "not a constant or the input"]),
        ["output is the input"] = (() => MobileNet with { Outputs = [new EqmOutputSpec(MobileNet.Input.Tensor)] }, ["outputs section", "output 0", "not a constant or the input"]),
        ["label count"] = (() => MobileNet with { Outputs = [MobileNet.Outputs[0] with { Labels = ["a", "b", "c"] }] }, ["outputs section", "output 0", "field 'labels'", "3 labels for a last dimension of 10"]),

        // Metadata
        ["empty option key"] = (() => MobileNet with { Metadata = MobileNet.Metadata with { Options = [new("", "x")] } }, ["metadata section", "option 0", "empty key"]),
        ["duplicate option key"] = (() => MobileNet with { Metadata = MobileNet.Metadata with { Options = [new("wbits", "8"), new("wbits", "4")] } }, ["metadata section", "option 1", "duplicate key 'wbits'"]),

        // Graph
        ["op input out of range"] = (() => MobileNet.WithOp(0, op => op with { Inputs = [99, op.Inputs[1], op.Inputs[2]] }), ["operators section, op 0 (Conv2D)", "input 0", "tensor index 99"]),
        ["ops out of order"] = (() => MobileNet with { Operators = [MobileNet.Operators[0], MobileNet.Operators[2], MobileNet.Operators[1], .. MobileNet.Operators.Skip(3)] },
            ["operators section, op 1 (Conv2D)", "input 0 reads tensor", "'dw1'", "before any op writes it"]),
        ["output written twice"] = (() => MobileNet.WithOp(2, op => op with { Outputs = [MobileNet.Operators[1].Output] }), ["operators section, op 2 (Conv2D)", "'dw1'", "already written by op 1"]),
        ["op writes a constant"] = (() => MobileNet.WithOp(0, op => op with { Outputs = [op.Inputs[1]] }), ["operators section, op 0 (Conv2D)", "'conv1.weight'", "constant or the input"]),
        ["op writes the input"] = (() => MobileNet.WithOp(0, op => op with { Outputs = [MobileNet.Input.Tensor] }), ["operators section, op 0 (Conv2D)", "constant or the input"]),
        ["tensor written by no op"] = (() => MobileNet.AddTensor(new EqmTensor("orphan", Int8, [1, 4], TestModels.Act(0.1f, 0))), ["tensors section", "'orphan'", "written by no op"]),
        ["op with two outputs"] = (() => MobileNet.WithOp(0, op => op with { Outputs = [op.Output, op.Output] }), ["operators section, op 0 (Conv2D)", "2 outputs, expected 1"]),
        ["op input count"] = (() => MobileNet.WithOp(0, op => op with { Inputs = [op.Inputs[0], op.Inputs[1]] }), ["operators section, op 0 (Conv2D)", "2 inputs, expected 3 (X, W, B)"]),

        // Shapes and parameters
        ["conv output shape"] = (() => MobileNet.WithTensor("conv1", t => t with { Shape = [1, 15, 15, 8] }),
            ["operators section, op 0 (Conv2D)", "'conv1' has shape [1, 15, 15, 8], the op produces [1, 16, 16, 8]"]),
        ["bias length"] = (() => MobileNet.WithTensor("conv1.bias", t => t with { Shape = [7], Data = t.Data[..28] }), ["op 0 (Conv2D)", "input B has 7 entries", "(8)"]),
        ["kernel differs from weights"] = (() => MobileNet.WithOp(0, op => op with { Params = (Conv2DParams)op.Params with { Window = new Window2D(5, 5, 2, 2, Pads: new(2, 2, 2, 2)) } }),
            ["op 0 (Conv2D)", "input W kernel 3x3 differs from the window's 5x5"]),
        ["groups do not divide channels"] = (() => UNet.WithOp(2, op => op with { Params = (Conv2DParams)op.Params with { Groups = 3 } }), ["op 2 (Conv2D)", "groups 3 must divide"]),
        ["groups zero"] = (() => UNet.WithOp(2, op => op with { Params = (Conv2DParams)op.Params with { Groups = 0 } }), ["op 2 (Conv2D)", "groups 0 must be >= 1"]),
        ["input channels per group"] = (() => UNet.WithOp(2, op => op with { Params = (Conv2DParams)op.Params with { Groups = 1 } }), ["op 2 (Conv2D)", "input W has 4 input channels per group"]),
        ["stride zero"] = (() => MobileNet.WithOp(7, op => op with { Params = (AveragePool2DParams)op.Params with { Window = new Window2D(2, 2, 0, 2) } }), ["op 7 (AveragePool2D)", "must all be >= 1"]),
        ["negative window pad"] = (() => MobileNet.WithOp(1, op => op with { Params = (DepthwiseConv2DParams)op.Params with { Window = new Window2D(3, 3, Pads: new(1, -1, 1, 3)) } }), ["op 1 (DepthwiseConv2D)", "pads", ">= 0"]),
        ["window exceeds input"] = (() => MobileNet.WithOp(7, op => op with { Params = (AveragePool2DParams)op.Params with { Window = new Window2D(20, 20) } }), ["op 7 (AveragePool2D)", "output height", "exceeds the padded input 16"]),
        ["transpose conv output not positive"] = (() => UNet.WithOp(3, op => op with { Params = (TransposeConv2DParams)op.Params with { Window = new Window2D(2, 2, 2, 2, Pads: new(20, 0, 0, 0)) } }),
            ["op 3 (TransposeConv2D)", "output height would be -4"]),
        ["depthwise multiplier"] = (() => MobileNet.WithTensor("dw1.weight", t => t with { Shape = [2, 3, 3, 4], Quantization = EqmQuantization.PerChannel(3, [1f, 1f, 1f, 1f]) }),
            ["op 1 (DepthwiseConv2D)", "input W dimension 0 is 2, must be 1"]),
        ["fc inputs"] = (() => MobileNet.WithTensor("fc.weight", t => t with { Shape = [10, 15], Data = t.Data[..150] }), ["op 10 (FullyConnected)", "input W has 15 inputs, X has 16"]),
        ["weights on the wrong channel axis"] = (() => MobileNet.WithTensor("conv1.weight", t => t with { Quantization = EqmQuantization.PerChannel(3, [0.1f, 0.1f, 0.1f]) }),
            ["op 0 (Conv2D)", "input W (tensor", "'conv1.weight'", "output-channel axis 0, is on axis 3"]),
        ["weight -128"] = (() => MobileNet.WithTensor("pw1.weight", t => t with { Data = WithByte(t.Data, 5, 0x80) }), ["op 2 (Conv2D)", "input W", "'pw1.weight'", "weight element 5 is -128"]),
        ["weights asymmetric"] = (() => MobileNet.WithTensor("fc.weight", t => t with { Quantization = TestModels.Act(0.004f, 3) }), ["op 10 (FullyConnected)", "input W", "zero points 0"]),
        ["weights not quantized"] = (() => MobileNet.WithTensor("fc.weight", t => t with { Quantization = null }), ["op 10 (FullyConnected)", "input W", "quantized int8 constant", "no quantization"]),
        ["accumulator overflow"] = (() => MobileNet.WithTensor("pw2.bias", t => t with { Data = WithInt32(t.Data, 3, int.MaxValue - 1000) }),
            ["op 5 (Conv2D)", "input B (tensor", "'pw2.bias'", "output channel 3 can overflow the int32 accumulator"]),
        ["bias not int32"] = (() => MobileNet.WithTensor("fc.bias", t => t with { ElementType = Float32 }), ["op 10 (FullyConnected)", "input B", "int32 constant", "Float32"]),
        ["bias quantized"] = (() => MobileNet.WithTensor("fc.bias", t => t with { Quantization = TestModels.Act(0.001f, 0) }), ["op 10 (FullyConnected)", "input B", "without quantization"]),
        ["activation per-channel"] = (() => MobileNet.WithTensor("dw1", t => t with { Quantization = EqmQuantization.PerChannel(3, new float[8].Select(_ => 0.1f).ToArray()) }),
            ["op 1 (DepthwiseConv2D)", "output (tensor", "'dw1'", "per-channel quantization on axis 3"]),
        ["clamp inverted"] = (() => MobileNet.WithOp(6, op => op with { Params = new AddParams(new OutputClamp(10, 5)) }), ["op 6 (Add)", "clamp", "[10, 5]"]),
        ["clamp outside type"] = (() => Fashion.WithOp(0, op => op with { Params = (Conv2DParams)op.Params with { Clamp = new OutputClamp(-1, 255) } }), ["op 0 (Conv2D)", "clamp", "0 <= qmin <= qmax <= 255"]),
        ["lut table size"] = (() => MobileNet.WithTensor("hswish.table", t => t with { Shape = [255], Data = t.Data[..255] }), ["op 3 (Lut)", "input T", "[256] table"]),
        ["lut table type"] = (() => MobileNet.WithTensor("hswish.table", t => t with { ElementType = UInt8 }), ["op 3 (Lut)", "input T", "must be a constant Int8 [256]"]),
        ["resize mode unknown"] = (() => UNet.WithOp(7, op => op with { Params = (ResizeParams)op.Params with { Mode = (InterpolationMode)9 } }), ["op 7 (Resize)", "parameter 'mode'", "9"]),
        ["resize size"] = (() => UNet.WithOp(7, op => op with { Params = (ResizeParams)op.Params with { OutputWidth = 0 } }), ["op 7 (Resize)", "output size 32x0"]),
        ["pad negative"] = (() => UNet.WithOp(5, op => op with { Params = new PadParams([0, -1, 1, 0], [0, 1, 1, 0]) }), ["op 5 (Pad)", "pad on axis 1", "negative"]),
        ["pad count"] = (() => UNet.WithOp(5, op => op with { Params = new PadParams([0, 1, 1], [0, 1, 1]) }), ["op 5 (Pad)", "3 before and 3 after entries, X has rank 4"]),
        ["concat axis"] = (() => UNet.WithOp(4, op => op with { Params = new ConcatParams(4) }), ["op 4 (Concat)", "axis 4 out of range"]),
        ["concat shapes"] = (() => UNet.WithOp(4, op => op with { Inputs = [op.Inputs[0], UNet.Operators[1].Output] }), ["op 4 (Concat)", "input X2 shape [1, 8, 8, 8] does not match X1"]),
        ["move changes type"] = (() => Fashion.WithTensor("pool", t => t with { ElementType = Int8 }), ["op 1 (MaxPool2D)", "input X", "is UInt8, the output is Int8"]),
        ["broadcast mismatch"] = (() => MobileNet.WithOp(6, op => op with { Inputs = [op.Inputs[0], MobileNet.Operators[1].Output] }), ["op 6 (Add)", "do not broadcast"]),
        ["reshape element count"] = (() => MobileNet.WithOp(9, op => op with { Params = new ReshapeParams([1, 15]) }), ["op 9 (Reshape)", "does not hold the 16 elements"]),
        ["reshape changes quantization"] = (() => MobileNet.WithTensor("flatten", t => t with { Quantization = TestModels.Act(0.5f, 0) }), ["op 9 (Reshape)", "reshape moves no values"]),
        ["softmax output not float"] = (() => MobileNet.WithTensor("probabilities", t => t with { ElementType = Int8, Quantization = TestModels.Act(0.1f, 0) }),
            ["op 11 (Softmax)", "output (tensor", "must be float32"]),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReaderRejectsAndNamesThePlace(string name)
    {
        var (breakModel, expected) = Cases[name];
        var parts = breakModel();
        var bytes = EqmWriter.ToBytes(parts.Unvalidated());

        var error = Assert.Throws<EqmFormatException>(() => EqmReader.Read(bytes));
        output.WriteLine(error.Message);
        foreach (string fragment in expected) Assert.Contains(fragment, error.Message);

        var constructorError = Assert.Throws<EqmFormatException>(() => new EqmModel(parts.Metadata, parts.Input, parts.Outputs, parts.Tensors, parts.Operators));
        Assert.Equal(error.Message, constructorError.Message);
    }

    [Fact]
    public void DequantizeRejectsAFloatInput()
    {
        // Feed the Softmax's float output into a Dequantize op.
        var parts = MobileNet;
        int probabilities = parts.TensorIndex("probabilities");
        parts = parts.AddTensor(new EqmTensor("dequantized", Float32, [1, 10])) with
        {
            Operators = [.. parts.Operators, new EqmOperator(new DequantizeParams(), [probabilities], parts.Tensors.Count)],
        };
        var error = Assert.Throws<EqmFormatException>(() => EqmReader.Read(EqmWriter.ToBytes(parts.Unvalidated())));
        Assert.Contains("op 12 (Dequantize): input X (tensor", error.Message);
        Assert.Contains("must be a quantized int8 or uint8 tensor", error.Message);
    }

    public static TheoryData<string> NullCases => ["tensor", "tensor name", "op params", "label", "metadata", "preprocessing"];

    [Theory]
    [MemberData(nameof(NullCases))]
    public void ConstructorRejectsNullsWithTheFormatException(string what)
    {
        // Nulls cannot come from a file, only from code that ignores the nullable annotations.
        var parts = what switch
        {
            "tensor" => MobileNet with { Tensors = [.. MobileNet.Tensors, null!] },
            "tensor name" => MobileNet.WithTensor("conv1", t => t with { Name = null! }),
            "op params" => MobileNet.WithOp(3, op => op with { Params = null! }),
            "label" => MobileNet with { Outputs = [MobileNet.Outputs[0] with { Labels = [.. MobileNet.Outputs[0].Labels.Take(9), null!] }] },
            "metadata" => MobileNet with { Metadata = MobileNet.Metadata with { Producer = null! } },
            _ => MobileNet.WithPreprocessing(_ => null!),
        };
        var error = Assert.Throws<EqmFormatException>(() => new EqmModel(parts.Metadata, parts.Input, parts.Outputs, parts.Tensors, parts.Operators));
        output.WriteLine(error.Message);
        Assert.Contains("null", error.Message);
    }

    [Fact]
    public void ConstructorRejectsZeroPointCountDifferentFromScaleCount()
    {
        // The file stores one zero point per scale, so only an in-memory model can get this wrong.
        var parts = MobileNet.WithTensor("conv1", t => t with { Quantization = new EqmQuantization([0.1f], [0, 1]) });
        var error = Assert.Throws<EqmFormatException>(() => new EqmModel(parts.Metadata, parts.Input, parts.Outputs, parts.Tensors, parts.Operators));
        Assert.Contains("tensors section, tensor 3 'conv1': field 'zero points': 2 zero points for 1 scales", error.Message);
    }

    private static ReadOnlyMemory<byte> WithInt32(ReadOnlyMemory<byte> data, int index, int value)
    {
        var copy = data.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(index * sizeof(int)), value);
        return copy;
    }

    private static ReadOnlyMemory<byte> WithByte(ReadOnlyMemory<byte> data, int index, byte value)
    {
        var copy = data.ToArray();
        copy[index] = value;
        return copy;
    }
}
