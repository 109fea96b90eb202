namespace EdgeQ.Host.Ir;

/// <summary>
/// One IR operation. Attributes are typed fields of the subclass; weights of conv/gemm nodes are fields too (the
/// quantizer and bias correction rewrite them), other constant operands are constant input values.
/// </summary>
public abstract class Node(string name)
{
    public string Name { get; set; } = name;
    public List<Value> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];

    /// <summary>The op name shown by inspect (ONNX spelling where there is one).</summary>
    public abstract string OpType { get; }

    /// <summary>Recomputes output shapes and types from the inputs and attributes.</summary>
    public abstract void InferShapes();

    public virtual long Macs => 0;

    /// <summary>Data-movement and shape-arithmetic nodes also run on int64; everything else is float32 only.</summary>
    public virtual bool AcceptsInt64 => false;
    /// <summary>Constant elements this node carries (weights, biases, constant operands).</summary>
    public virtual long Parameters => Inputs.Where(v => v.IsConstant).Sum(v => (long)v.Constant!.Length);

    public Value Input => Inputs[0];
    public Value Output => Outputs[0];

    protected void SetOutput(int[] shape) => SetOutput(0, shape, Input.Type);

    protected void SetOutput(int index, int[] shape, ElementType type)
    {
        Outputs[index].Shape = shape;
        Outputs[index].Type = type;
    }

    public override string ToString() => $"{OpType} '{Name}'";
}

/// <summary>A node the int8 runtime can apply an activation inside of (conv, gemm, add).</summary>
public interface IFusedActivation
{
    Activation Activation { get; set; }
}
