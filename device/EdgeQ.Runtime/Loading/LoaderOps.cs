using EdgeQ.Runtime.Execution;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Loading;

/// <summary>Writes a constant activation (e.g. a learned gate that an op multiplies with) into its arena slot: the
/// executor's ops read only arena tensors. One copy per run; such constants are small.</summary>
internal sealed class ConstantOp(string name, int output, Nhwc shape, sbyte[] values) : PlanOp(name, [], output, shape)
{
    public override int WorkUnits => 1;
    public override long WeightBytes => values.Length;

    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
        => values.CopyTo(io.Output);
}

/// <summary>The requantize step that follows a value-moving op (max pool, pad, nearest resize) whose output has
/// another scale or zero point than its input (quantization.md).</summary>
internal sealed class RequantizeOp(string name, int input, int output, Nhwc shape, RequantizeParams quant) : PlanOp(name, [input], output, shape)
{
    public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch)
    {
        int c = OutputShape.C;
        RequantizeTensor.Run(kernels, io.Input(0).Slice(first * c, count * c), quant, io.Output.Slice(first * c, count * c));
    }
}
