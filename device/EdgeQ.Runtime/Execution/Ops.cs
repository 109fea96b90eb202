using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Execution;

/// <summary>Convolution of any kind the GEMM path covers: KxK, grouped, pointwise, and fully connected (a 1x1
/// convolution over [N, 1, 1, In]).</summary>
public sealed class ConvOp(string name, int input, int output, Nhwc inputShape, PackedConv conv)
    : PlanOp(name, [input], output, conv.Geometry.OutputShape(inputShape, conv.OutputChannels))
{
    public override int ScratchBytes => Conv.ScratchBytes(conv);
    public override long WeightBytes => conv.PackedBytes;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => Conv.Run(kernels, conv, io.Input(0), inputShape, io.Output, scratch, first, count);
}

/// <summary>Transposed convolution; one work unit (the spread-out input is built once per run).</summary>
public sealed class TransposeConvOp(string name, int input, int output, Nhwc inputShape, PackedTransposeConv conv)
    : PlanOp(name, [input], output, conv.OutputShape(inputShape))
{
    public override int WorkUnits => 1;
    public override int ScratchBytes => TransposeConv.ScratchBytes(conv, inputShape);
    public override long WeightBytes => conv.PackedBytes;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => TransposeConv.Run(kernels, conv, io.Input(0), inputShape, io.Output, scratch);
}

public sealed class DepthwiseOp(string name, int input, int output, Nhwc inputShape, PackedDepthwise dw)
    : PlanOp(name, [input], output, dw.Geometry.OutputShape(inputShape, dw.Channels))
{
    public override long WeightBytes => dw.PackedBytes;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => Depthwise.Run(kernels, dw, io.Input(0), inputShape, io.Output, first, count);
}

/// <summary>Max, average or global average pooling (the latter two by their <see cref="PoolingParams"/>).</summary>
public sealed class PoolOp(string name, int input, int output, Nhwc inputShape, PoolingParams pool, bool average)
    : PlanOp(name, [input], output, pool.Geometry.OutputShape(inputShape, inputShape.C))
{
    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
    {
        if (average) Pooling.AveragePool(kernels, pool, io.Input(0), inputShape, io.Output, first, count);
        else Pooling.MaxPool(kernels, pool, io.Input(0), inputShape, io.Output, first, count);
    }
}

public sealed class BinaryOp(string name, int a, int b, int output, Nhwc aShape, Nhwc bShape, BinaryQuant quant, bool multiply)
    : PlanOp(name, [a, b], output, Elementwise.BroadcastShape(aShape, bShape))
{
    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
    {
        if (multiply) Elementwise.Mul(kernels, io.Input(0), aShape, io.Input(1), bShape, quant, io.Output, first, count);
        else Elementwise.Add(kernels, io.Input(0), aShape, io.Input(1), bShape, quant, io.Output, first, count);
    }
}

/// <summary>Channel concat; <paramref name="requantize"/>[i] maps input i to the output's quantization (null: same).</summary>
public sealed class ConcatOp(string name, int[] inputs, int output, Nhwc[] inputShapes, RequantizeParams?[] requantize)
    : PlanOp(name, inputs, output, ConcatShape(inputShapes))
{
    private static Nhwc ConcatShape(Nhwc[] inputShapes)
    {
        int channels = 0;
        foreach (Nhwc shape in inputShapes) channels += shape.C;
        return inputShapes[0] with { C = channels };
    }

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
    {
        int offset = 0;
        for (int i = 0; i < inputShapes.Length; i++)
        {
            Concat.Into(kernels, io.Input(i), inputShapes[i].C, requantize[i], io.Output, offset, OutputShape.C, first, count);
            offset += inputShapes[i].C;
        }
    }
}

public sealed class LutOp(string name, int input, int output, Nhwc shape, sbyte[] table) : PlanOp(name, [input], output, shape)
{
    public override long WeightBytes => table.Length;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
    {
        int c = OutputShape.C;
        Lut.Run(kernels, table, io.Input(0).Slice(first * c, count * c), io.Output.Slice(first * c, count * c));
    }
}

public sealed class ResizeBilinearOp(string name, int input, int output, ResizeBilinear resize)
    : PlanOp(name, [input], output, resize.Output)
{
    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => resize.Run(kernels, io.Input(0), io.Output, first, count);
}

/// <summary>Pure data movement ops (pad, nearest resize): cheap, run on one thread.</summary>
public sealed class MoveOp(string name, int input, int output, Nhwc outputShape, MoveOp.Move move)
    : PlanOp(name, [input], output, outputShape)
{
    public delegate void Move(ReadOnlySpan<sbyte> input, Span<sbyte> output);

    public override int WorkUnits => 1;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => move(io.Input(0), io.Output);
}
