namespace EdgeQ.Host.Ir;

public enum BinaryKind { Add, Sub, Mul, Div, PRelu, Pow }

/// <summary>Elementwise binary op with ONNX broadcasting. PRelu: y = x &lt; 0 ? slope * x : x (slope is input 1).</summary>
public sealed class BinaryNode(string name) : Node(name), IFusedActivation
{
    public override string OpType => Kind.ToString();
    public override bool AcceptsInt64 => Kind is not (BinaryKind.PRelu or BinaryKind.Pow);
    public required BinaryKind Kind { get; init; }
    public Activation Activation { get; set; } = Activation.None;

    public override void InferShapes() => SetOutput(Shapes.Broadcast(Inputs[0].Shape, Inputs[1].Shape));
}

/// <summary>A standalone elementwise activation (one that was not fused into its producer).</summary>
public sealed class ActivationNode(string name) : Node(name)
{
    public override string OpType => Activation.Kind.ToString();
    public required Activation Activation { get; set; }
    public override void InferShapes() => SetOutput(Input.Shape);
}

/// <summary>y = x W^T + b over the last axis. Weights: [M, K] (OI), explicit bias [M].</summary>
public sealed class FullyConnectedNode(string name) : Node(name), IFusedActivation
{
    public override string OpType => "Gemm";
    public required TensorData Weights { get; set; }
    public required float[] Bias { get; set; }
    public Activation Activation { get; set; } = Activation.None;

    public int InFeatures => Weights.Shape[1];
    public int OutFeatures => Weights.Shape[0];

    public override void InferShapes()
    {
        if (Input.Shape[^1] != InFeatures) throw new InvalidOperationException($"{this}: input {Input} does not end in {InFeatures}");
        SetOutput([.. Input.Shape[..^1], OutFeatures]);
    }

    public override long Macs => (long)Shapes.Size(Input.Shape) / InFeatures * InFeatures * OutFeatures;
    public override long Parameters => Weights.Length + Bias.Length;
}

/// <summary>MatMul of two activations (rank &gt;= 2, batch axes broadcast). A constant right operand becomes a Gemm.</summary>
public sealed class MatMulNode(string name) : Node(name)
{
    public override string OpType => "MatMul";

    public override void InferShapes()
    {
        int[] a = Inputs[0].Shape, b = Inputs[1].Shape;
        if (a.Length < 2 || b.Length < 2) throw new InvalidOperationException($"{this}: operands must have rank >= 2");
        if (a[^1] != b[^2]) throw new InvalidOperationException($"{this}: {Inputs[0]} x {Inputs[1]} do not chain");
        SetOutput([.. Shapes.Broadcast(a[..^2], b[..^2]), a[^2], b[^1]]);
    }

    public override long Macs => (long)Shapes.Size(Output.Shape) * Inputs[0].Shape[^1];
}

/// <summary>BatchNormalization in inference form, y = x * Scale[c] + Shift[c] along Axis (folded into a conv when possible).</summary>
public sealed class BatchNormalizationNode(string name) : Node(name)
{
    public override string OpType => "BatchNormalization";
    public required int Axis { get; set; }
    public required float[] Scale { get; set; }
    public required float[] Shift { get; set; }
    public override void InferShapes() => SetOutput(Input.Shape);
    public override long Parameters => Scale.Length + Shift.Length;
}

/// <summary>
/// Softmax (or LogSoftmax) along Axis; Coerced2D is the opset &lt; 13 form (normalise over all axes from Axis on).
/// </summary>
public sealed class SoftmaxNode(string name) : Node(name)
{
    public override string OpType => Log ? "LogSoftmax" : "Softmax";
    public bool Log { get; init; }
    public required int Axis { get; set; }
    public bool Coerced2D { get; init; }
    public override void InferShapes() => SetOutput(Input.Shape);
}

public enum ReduceKind { Mean, Sum, Max, Min }

/// <summary>
/// A reduction over Axes (sorted). GlobalAveragePool / GlobalMaxPool import as the spatial ReduceMean / ReduceMax
/// with KeepDims.
/// </summary>
public sealed class ReduceNode(string name) : Node(name)
{
    public override string OpType => "Reduce" + Kind;
    public required ReduceKind Kind { get; init; }
    public required int[] Axes { get; set; }
    public bool KeepDims { get; init; } = true;

    public override void InferShapes()
    {
        var shape = new List<int>();
        for (int i = 0; i < Input.Rank; i++)
        {
            if (!Axes.Contains(i)) shape.Add(Input.Shape[i]);
            else if (KeepDims) shape.Add(1);
        }
        SetOutput([.. shape]);
    }
}

public sealed class ConcatNode(string name) : Node(name)
{
    public override string OpType => "Concat";
    public override bool AcceptsInt64 => true;
    public required int Axis { get; set; }

    public override void InferShapes()
    {
        var shape = (int[])Input.Shape.Clone();
        shape[Axis] = Inputs.Sum(v => v.Shape[Axis]);
        SetOutput(shape);
    }
}

public sealed class SplitNode(string name) : Node(name)
{
    public override string OpType => "Split";
    public override bool AcceptsInt64 => true;
    public required int Axis { get; set; }
    public required int[] Sizes { get; init; }

    public override void InferShapes()
    {
        if (Sizes.Sum() != Input.Shape[Axis]) throw new InvalidOperationException($"{this}: split sizes do not add up to {Input}");
        for (int i = 0; i < Outputs.Count; i++)
        {
            var shape = (int[])Input.Shape.Clone();
            shape[Axis] = Sizes[i];
            SetOutput(i, shape, Input.Type);
        }
    }
}

/// <summary>Strided slice with every axis resolved: element Start[d] + k * Step[d] for k &lt; Count[d].</summary>
public sealed class SliceNode(string name) : Node(name)
{
    public override string OpType => "Slice";
    public override bool AcceptsInt64 => true;
    public required int[] Start { get; set; }
    public required int[] Step { get; set; }
    public required int[] Count { get; set; }
    public override void InferShapes() => SetOutput((int[])Count.Clone());
}

public enum PadMode { Constant, Reflect, Edge }

/// <summary>Pads: [begin_0..begin_{r-1}, end_0..end_{r-1}] as in ONNX, non-negative.</summary>
public sealed class PadNode(string name) : Node(name)
{
    public override string OpType => "Pad";
    public override bool AcceptsInt64 => true;
    public required int[] Pads { get; set; }
    public PadMode Mode { get; init; }
    public float ConstantValue { get; init; }

    public override void InferShapes()
    {
        int rank = Input.Rank;
        SetOutput(Enumerable.Range(0, rank).Select(d => Input.Shape[d] + Pads[d] + Pads[d + rank]).ToArray());
    }
}

public sealed class TransposeNode(string name) : Node(name)
{
    public override string OpType => "Transpose";
    public override bool AcceptsInt64 => true;
    public required int[] Perm { get; set; }
    public override void InferShapes() => SetOutput(Shapes.Permute(Input.Shape, Perm));
}

/// <summary>A change of shape with the same row-major data (Reshape, Flatten, Squeeze, Unsqueeze import as this).</summary>
public sealed class ReshapeNode(string name) : Node(name)
{
    public override string OpType => "Reshape";
    public override bool AcceptsInt64 => true;
    public required int[] TargetShape { get; set; }

    public override void InferShapes()
    {
        if (Shapes.Size(TargetShape) != Shapes.Size(Input.Shape))
            throw new InvalidOperationException($"{this}: cannot reshape {Input} to {Shapes.Format(TargetShape)}");
        SetOutput((int[])TargetShape.Clone());
    }
}

/// <summary>Gather along Axis with constant, non-negative indices.</summary>
public sealed class GatherNode(string name) : Node(name)
{
    public override string OpType => "Gather";
    public override bool AcceptsInt64 => true;
    public required int Axis { get; set; }
    public required TensorData Indices { get; init; }

    public override void InferShapes() =>
        SetOutput([.. Input.Shape[..Axis], .. Indices.Shape, .. Input.Shape[(Axis + 1)..]]);
}

/// <summary>The static shape of the input as int64 (always folded to a constant).</summary>
public sealed class ShapeNode(string name) : Node(name)
{
    public override string OpType => "Shape";
    public override bool AcceptsInt64 => true;
    public int Start { get; init; }
    public int End { get; init; } = int.MaxValue;

    public int[] Dims => Input.OnnxShape[Math.Min(Start, Input.Rank)..Math.Min(End, Input.Rank)];
    public override void InferShapes() => SetOutput(0, [Dims.Length], ElementType.Int64);
}

/// <summary>Element type conversion; float to int64 rounds toward zero as ONNX Cast does.</summary>
public sealed class CastNode(string name) : Node(name)
{
    public override string OpType => "Cast";
    public override bool AcceptsInt64 => true;
    public required ElementType To { get; init; }
    public override void InferShapes() => SetOutput(0, Input.Shape, To);
}

/// <summary>Identity and inference-mode Dropout; removed by <c>RemoveIdentities</c>.</summary>
public sealed class IdentityNode(string name, string opType) : Node(name)
{
    public override string OpType => opType;
    public override bool AcceptsInt64 => true;
    public override void InferShapes() => SetOutput(Input.Shape);
}
