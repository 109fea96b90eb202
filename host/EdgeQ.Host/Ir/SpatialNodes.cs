namespace EdgeQ.Host.Ir;

/// <summary>Sliding-window geometry shared by convolutions and pooling; pads are explicit (auto_pad resolved at import).</summary>
public record struct Window(int KernelH, int KernelW, int StrideH = 1, int StrideW = 1, int DilationH = 1, int DilationW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
{
    public readonly int OutputHeight(int inputHeight, bool ceil = false) =>
        OutputSize(inputHeight, PadTop, PadBottom, KernelH, StrideH, DilationH, ceil);

    public readonly int OutputWidth(int inputWidth, bool ceil = false) =>
        OutputSize(inputWidth, PadLeft, PadRight, KernelW, StrideW, DilationW, ceil);

    private static int OutputSize(int input, int padBegin, int padEnd, int kernel, int stride, int dilation, bool ceil)
    {
        int reach = input + padBegin + padEnd - (dilation * (kernel - 1) + 1);
        int steps = ceil ? (reach + stride - 1) / stride : reach / stride;
        // With ceil_mode a window that would start in the end padding is dropped (ONNX Runtime, PyTorch).
        if (ceil && steps * stride >= input + padBegin) steps--;
        return steps + 1;
    }
}

/// <summary>A node over 4-D activations whose data layout (NCHW as imported, NHWC after conversion) is an attribute.</summary>
public abstract class SpatialNode(string name) : Node(name)
{
    /// <summary>Plain = NCHW (ONNX), Nhwc = the runtime layout; set by the NHWC conversion pass.</summary>
    public Layout DataLayout { get; set; } = Layout.Plain;

    public (int N, int C, int H, int W) InputDims => Dims(Input.Shape);

    public (int N, int C, int H, int W) Dims(int[] s) => DataLayout == Layout.Nhwc ? (s[0], s[3], s[1], s[2]) : (s[0], s[1], s[2], s[3]);

    protected int[] MakeShape(int n, int c, int h, int w) => DataLayout == Layout.Nhwc ? [n, h, w, c] : [n, c, h, w];

    protected void RequireRank4()
    {
        if (Input.Rank != 4) throw new InvalidOperationException($"{this}: needs a 4-D input, got {Input}");
    }
}

/// <summary>
/// 2-D convolution with explicit bias. Weights: OHWI [Cout, KH, KW, Cin/group]; depthwise (group == Cin):
/// [1, KH, KW, Cout] so that a row of taps is contiguous over channels (output channel o reads input o / multiplier).
/// </summary>
public sealed class ConvNode(string name) : SpatialNode(name), IFusedActivation
{
    public override string OpType => IsDepthwise ? "DepthwiseConv" : "Conv";
    public required TensorData Weights { get; set; }
    public required float[] Bias { get; set; }
    public required Window Window { get; set; }
    public int Group { get; init; } = 1;
    public Activation Activation { get; set; } = Activation.None;

    public int OutChannels => Bias.Length;
    public int InChannels => InputDims.C;
    public bool IsDepthwise => Group > 1 && Group == InChannels;
    public int KernelElementsPerOutput => Window.KernelH * Window.KernelW * (InChannels / Group);

    public override void InferShapes()
    {
        RequireRank4();
        var (n, c, h, w) = InputDims;
        if (c % Group != 0 || OutChannels % Group != 0) throw new InvalidOperationException($"{this}: channels not divisible by group {Group}");
        SetOutput(MakeShape(n, OutChannels, Window.OutputHeight(h), Window.OutputWidth(w)));
    }

    public override long Macs
    {
        get
        {
            var (n, _, h, w) = Dims(Output.Shape);
            return (long)n * h * w * OutChannels * KernelElementsPerOutput;
        }
    }

    public override long Parameters => Weights.Length + Bias.Length;
}

/// <summary>Transposed convolution (upsampling). Weights: [Cin, KH, KW, Cout/group].</summary>
public sealed class ConvTransposeNode(string name) : SpatialNode(name), IFusedActivation
{
    public override string OpType => "ConvTranspose";
    public required TensorData Weights { get; set; }
    public required float[] Bias { get; set; }
    /// <summary>Pads here crop the full transposed output, as in ONNX.</summary>
    public required Window Window { get; set; }
    public int Group { get; init; } = 1;
    public int OutputPaddingH { get; init; }
    public int OutputPaddingW { get; init; }
    public Activation Activation { get; set; } = Activation.None;

    public int OutChannels => Bias.Length;

    public override void InferShapes()
    {
        RequireRank4();
        var (n, _, h, w) = InputDims;
        var k = Window;
        int oh = (h - 1) * k.StrideH + k.DilationH * (k.KernelH - 1) + 1 + OutputPaddingH - k.PadTop - k.PadBottom;
        int ow = (w - 1) * k.StrideW + k.DilationW * (k.KernelW - 1) + 1 + OutputPaddingW - k.PadLeft - k.PadRight;
        SetOutput(MakeShape(n, OutChannels, oh, ow));
    }

    public override long Macs
    {
        get
        {
            var (n, c, h, w) = InputDims;
            return (long)n * h * w * c * Window.KernelH * Window.KernelW * (OutChannels / Group);
        }
    }

    public override long Parameters => Weights.Length + Bias.Length;
}

public enum PoolKind { Max, Average }

public sealed class PoolNode(string name) : SpatialNode(name)
{
    public override string OpType => Kind == PoolKind.Max ? "MaxPool" : "AveragePool";
    public required PoolKind Kind { get; init; }
    public required Window Window { get; set; }
    public bool CeilMode { get; init; }
    /// <summary>AveragePool: padded taps count in the divisor.</summary>
    public bool CountIncludePad { get; init; }

    public override void InferShapes()
    {
        RequireRank4();
        var (n, c, h, w) = InputDims;
        SetOutput(MakeShape(n, c, Window.OutputHeight(h, CeilMode), Window.OutputWidth(w, CeilMode)));
    }
}

public enum ResizeMode { Nearest, Linear }
public enum CoordinateMode { HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn }
public enum NearestRounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil }

/// <summary>Spatial resize (N and C are never resized). ScaleH/ScaleW map output to input coordinates.</summary>
public sealed class ResizeNode(string name) : SpatialNode(name)
{
    public override string OpType => "Resize";
    public required ResizeMode Mode { get; init; }
    public CoordinateMode CoordinateMode { get; init; } = CoordinateMode.HalfPixel;
    public NearestRounding NearestRounding { get; init; } = NearestRounding.RoundPreferFloor;
    public required int OutputHeight { get; init; }
    public required int OutputWidth { get; init; }
    public required float ScaleH { get; init; }
    public required float ScaleW { get; init; }

    public override void InferShapes()
    {
        RequireRank4();
        var (n, c, _, _) = InputDims;
        SetOutput(MakeShape(n, c, OutputHeight, OutputWidth));
    }
}
