namespace EdgeQ.Format.Binary;

/// <summary>The parameter bytes of each op kind (docs/format.md, Operators); encode and decode side by side.</summary>
internal static class OpParamsCodec
{
    public static void Write(OpParams parameters, ByteSink sink)
    {
        switch (parameters)
        {
            case Conv2DParams p: Write(p.Window, sink); sink.I32(p.Groups); Write(p.Clamp, sink); break;
            case DepthwiseConv2DParams p: Write(p.Window, sink); Write(p.Clamp, sink); break;
            case TransposeConv2DParams p: Write(p.Window, sink); Write(p.Clamp, sink); break;
            case AveragePool2DParams p: Write(p.Window, sink); sink.U8(p.CountIncludePad ? (byte)1 : (byte)0); Write(p.Clamp, sink); break;
            case MaxPool2DParams p: Write(p.Window, sink); break;
            case IClampedOp p: Write(p.Clamp, sink); break; // FullyConnected, GlobalAveragePool, Add, Mul
            case ConcatParams p: sink.I32(p.Axis); break;
            case PadParams p: sink.I32List(p.Before.AsSpan()); sink.I32List(p.After.AsSpan()); break;
            case ResizeParams p:
                sink.U8((byte)p.Mode); sink.U8((byte)p.Transform); sink.U8((byte)p.Rounding); sink.U8(0);
                sink.I32(p.OutputHeight); sink.I32(p.OutputWidth);
                break;
            case ReshapeParams p: sink.I32List(p.Shape.AsSpan()); break;
            case LutParams or SoftmaxParams or DequantizeParams: break;
            default: throw new EqmFormatException($"no encoding for op kind {parameters.Kind}");
        }
    }

    public static OpParams Read(uint kind, ref SpanReader r) => (OpKind)kind switch
    {
        OpKind.Conv2D => new Conv2DParams(ReadWindow(ref r), r.I32("groups"), ReadClamp(ref r)),
        OpKind.DepthwiseConv2D => new DepthwiseConv2DParams(ReadWindow(ref r), ReadClamp(ref r)),
        OpKind.TransposeConv2D => new TransposeConv2DParams(ReadWindow(ref r), ReadClamp(ref r)),
        OpKind.FullyConnected => new FullyConnectedParams(ReadClamp(ref r)),
        OpKind.AveragePool2D => new AveragePool2DParams(ReadWindow(ref r), ReadFlag(ref r, "count_include_pad"), ReadClamp(ref r)),
        OpKind.MaxPool2D => new MaxPool2DParams(ReadWindow(ref r)),
        OpKind.GlobalAveragePool => new GlobalAveragePoolParams(ReadClamp(ref r)),
        OpKind.Add => new AddParams(ReadClamp(ref r)),
        OpKind.Mul => new MulParams(ReadClamp(ref r)),
        OpKind.Concat => new ConcatParams(r.I32("axis")),
        OpKind.Pad => new PadParams(ReadI32List(ref r, "pads before"), ReadI32List(ref r, "pads after")),
        OpKind.Resize => ReadResize(ref r),
        OpKind.Lut => new LutParams(),
        OpKind.Reshape => new ReshapeParams(ReadI32List(ref r, "shape")),
        OpKind.Softmax => new SoftmaxParams(),
        OpKind.Dequantize => new DequantizeParams(),
        _ => throw new EqmFormatException($"field 'kind': unknown op kind {kind}"),
    };

    private static void Write(Window2D w, ByteSink sink)
    {
        foreach (int v in (ReadOnlySpan<int>)[w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.DilationH, w.DilationW,
                     w.Pads.Top, w.Pads.Left, w.Pads.Bottom, w.Pads.Right])
            sink.I32(v);
    }

    private static Window2D ReadWindow(ref SpanReader r) => new(
        r.I32("kernel_h"), r.I32("kernel_w"), r.I32("stride_h"), r.I32("stride_w"), r.I32("dilation_h"), r.I32("dilation_w"),
        new Padding2D(r.I32("pad_top"), r.I32("pad_left"), r.I32("pad_bottom"), r.I32("pad_right")));

    private static void Write(OutputClamp clamp, ByteSink sink)
    {
        sink.I32(clamp.Min);
        sink.I32(clamp.Max);
    }

    private static OutputClamp ReadClamp(ref SpanReader r) => new(r.I32("qmin"), r.I32("qmax"));

    private static bool ReadFlag(ref SpanReader r, string field) => r.U8(field) switch
    {
        0 => false,
        1 => true,
        var v => throw new EqmFormatException($"field '{field}': {v} is not 0 or 1"),
    };

    private static int[] ReadI32List(ref SpanReader r, string field) => r.I32Array(r.Count(field, 4), field);

    private static ResizeParams ReadResize(ref SpanReader r)
    {
        var mode = (InterpolationMode)r.U8("mode");
        var transform = (CoordinateTransform)r.U8("coordinate transform");
        var rounding = (NearestRounding)r.U8("nearest rounding");
        r.U8("reserved");
        return new ResizeParams(mode, transform, rounding, r.I32("out_h"), r.I32("out_w"));
    }
}
