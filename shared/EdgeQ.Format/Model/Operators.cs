namespace EdgeQ.Format;

/// <summary>Operator kinds of the int8 runtime after fusion (numbers as stored; new kinds get new numbers).</summary>
public enum OpKind : uint
{
    Conv2D = 1,
    DepthwiseConv2D = 2,
    TransposeConv2D = 3,
    FullyConnected = 4,
    AveragePool2D = 5,
    MaxPool2D = 6,
    GlobalAveragePool = 7,
    Add = 8,
    Mul = 9,
    Concat = 10,
    Pad = 11,
    Resize = 12,
    Lut = 13,
    Reshape = 14,
    Softmax = 15,
    Dequantize = 16,
}

/// <summary>The fixed input names of each kind, in order (Concat takes one or more inputs named X1..Xn).</summary>
public static class OpInputs
{
    public static bool IsVariadic(OpKind kind) => kind == OpKind.Concat;

    public static IReadOnlyList<string> Names(OpKind kind) => kind switch
    {
        OpKind.Conv2D or OpKind.DepthwiseConv2D or OpKind.TransposeConv2D or OpKind.FullyConnected => ["X", "W", "B"],
        OpKind.Add or OpKind.Mul => ["A", "B"],
        OpKind.Lut => ["X", "T"],
        _ => ["X"],
    };

    public static string Name(OpKind kind, int index) => IsVariadic(kind) ? $"X{index + 1}" : Names(kind)[index];
}

/// <summary>One step of the graph: reads <see cref="Inputs"/>, writes <see cref="Outputs"/> (one tensor in 1.0).</summary>
public sealed record EqmOperator(OpParams Params, EquatableArray<int> Inputs, EquatableArray<int> Outputs)
{
    public EqmOperator(OpParams parameters, EquatableArray<int> inputs, int output) : this(parameters, inputs, [output]) { }

    public OpKind Kind => Params.Kind;

    /// <summary>The single output every 1.0 kind has (validation guarantees it).</summary>
    public int Output => Outputs[0];
}

/// <summary>Parameters of one op kind; the record type determines the kind.</summary>
public abstract record OpParams
{
    public abstract OpKind Kind { get; }
}

public readonly record struct Padding2D(int Top, int Left, int Bottom, int Right);

/// <summary>A sliding window over H and W: kernel, stride, dilation and padding.</summary>
public readonly record struct Window2D(
    int KernelH, int KernelW, int StrideH = 1, int StrideW = 1, int DilationH = 1, int DilationW = 1, Padding2D Pads = default);

/// <summary>An op that requantizes its output and so can clamp it (the fused activation).</summary>
public interface IClampedOp
{
    OutputClamp Clamp { get; }
}

/// <summary>A fused activation as the quantized output range [Min, Max] (quantization.md).</summary>
public readonly record struct OutputClamp(int Min, int Max)
{
    public static readonly OutputClamp FullInt8 = new(sbyte.MinValue, sbyte.MaxValue);
}

/// <summary>Inputs X, W [Cout, KH, KW, Cin/groups] (OHWI), B int32 [Cout].</summary>
public sealed record Conv2DParams(Window2D Window, int Groups, OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.Conv2D;
}

/// <summary>Inputs X, W [1, KH, KW, C] (1HWC, channel multiplier 1), B int32 [C].</summary>
public sealed record DepthwiseConv2DParams(Window2D Window, OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.DepthwiseConv2D;
}

/// <summary>Inputs X, W [Cout, KH, KW, Cin] (OHWI), B int32 [Cout].</summary>
public sealed record TransposeConv2DParams(Window2D Window, OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.TransposeConv2D;
}

/// <summary>Inputs X [N, In], W [Out, In], B int32 [Out].</summary>
public sealed record FullyConnectedParams(OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.FullyConnected;
}

public sealed record AveragePool2DParams(Window2D Window, bool CountIncludePad, OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.AveragePool2D;
}

public sealed record MaxPool2DParams(Window2D Window) : OpParams
{
    public override OpKind Kind => OpKind.MaxPool2D;
}

public sealed record GlobalAveragePoolParams(OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.GlobalAveragePool;
}

/// <summary>Inputs A, B with numpy broadcasting.</summary>
public sealed record AddParams(OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.Add;
}

/// <summary>Inputs A, B with numpy broadcasting.</summary>
public sealed record MulParams(OutputClamp Clamp) : OpParams, IClampedOp
{
    public override OpKind Kind => OpKind.Mul;
}

public sealed record ConcatParams(int Axis) : OpParams
{
    public override OpKind Kind => OpKind.Concat;
}

/// <summary>Padding per dimension; padded elements hold the input's zero point.</summary>
public sealed record PadParams(EquatableArray<int> Before, EquatableArray<int> After) : OpParams
{
    public override OpKind Kind => OpKind.Pad;
}

public enum InterpolationMode : byte { Nearest = 0, Bilinear = 1 }

/// <summary>How an output coordinate maps to an input coordinate (ONNX coordinate_transformation_mode).</summary>
public enum CoordinateTransform : byte { HalfPixel = 0, AlignCorners = 1, Asymmetric = 2, PytorchHalfPixel = 3 }

/// <summary>How nearest mode rounds the mapped coordinate (ONNX nearest_mode).</summary>
public enum NearestRounding : byte { RoundPreferFloor = 0, RoundPreferCeil = 1, Floor = 2, Ceil = 3 }

public sealed record ResizeParams(
    InterpolationMode Mode, CoordinateTransform Transform, NearestRounding Rounding, int OutputHeight, int OutputWidth) : OpParams
{
    public override OpKind Kind => OpKind.Resize;
}

/// <summary>Inputs X, T (a constant 256-entry table): Y = T[X + 128] for int8.</summary>
public sealed record LutParams : OpParams
{
    public override OpKind Kind => OpKind.Lut;
}

/// <summary>Same elements, new shape (stored so that shape inference needs no output tensor).</summary>
public sealed record ReshapeParams(EquatableArray<int> Shape) : OpParams
{
    public override OpKind Kind => OpKind.Reshape;
}

/// <summary>Float softmax over the last axis, for display after the int8 output.</summary>
public sealed record SoftmaxParams : OpParams
{
    public override OpKind Kind => OpKind.Softmax;
}

public sealed record DequantizeParams : OpParams
{
    public override OpKind Kind => OpKind.Dequantize;
}
