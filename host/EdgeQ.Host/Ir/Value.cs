namespace EdgeQ.Host.Ir;

/// <summary>A tensor edge of the graph: a graph input, a constant, or a node output. Shapes are static.</summary>
public sealed class Value(string name, ElementType type, int[] shape)
{
    public string Name { get; set; } = name;
    public ElementType Type { get; set; } = type;
    /// <summary>Physical shape (for <see cref="Layout.Nhwc"/> values: N,H,W,C).</summary>
    public int[] Shape { get; set; } = shape;
    public Layout Layout { get; set; } = Layout.Plain;
    /// <summary>Set for initializers and folded constants.</summary>
    public TensorData? Constant { get; private set; }
    public bool IsConstant => Constant is not null;
    public int Rank => Shape.Length;

    public static Value FromConstant(string name, TensorData data) =>
        new(name, data.Type, data.Shape) { Constant = data };

    /// <summary>Shape in ONNX axis order (NCHW for an NHWC value).</summary>
    public int[] OnnxShape => Layout == Layout.Nhwc ? Shapes.Permute(Shape, Nhwc.ToNchw) : Shape;

    public override string ToString() => $"{Name}{Shapes.Format(Shape)}";
}
