namespace EdgeQ.Host.Ir;

/// <summary>Element types the IR carries: float32 for activations and weights, int64 for shapes and indices.</summary>
public enum ElementType { Float32, Int64 }

/// <summary>A dense row-major tensor: a shape and a flat array of float or long.</summary>
public sealed class TensorData
{
    private TensorData(int[] shape, Array data, ElementType type)
    {
        if (data.Length != Shapes.Size(shape))
            throw new ArgumentException($"tensor of shape {Shapes.Format(shape)} needs {Shapes.Size(shape)} elements, got {data.Length}");
        Shape = shape;
        Data = data;
        Type = type;
    }

    public int[] Shape { get; }
    public ElementType Type { get; }
    /// <summary>float[] or long[], by <see cref="Type"/>.</summary>
    public Array Data { get; }
    public int Length => Data.Length;
    public int Rank => Shape.Length;

    public float[] Floats => Data as float[] ?? throw new InvalidOperationException($"tensor is {Type}, not Float32");
    public long[] Longs => Data as long[] ?? throw new InvalidOperationException($"tensor is {Type}, not Int64");

    public static TensorData FromFloats(int[] shape, float[] data) => new(shape, data, ElementType.Float32);
    public static TensorData FromLongs(int[] shape, long[] data) => new(shape, data, ElementType.Int64);
    public static TensorData Zeros(ElementType type, int[] shape) => type == ElementType.Float32
        ? FromFloats(shape, new float[Shapes.Size(shape)])
        : FromLongs(shape, new long[Shapes.Size(shape)]);

    /// <summary>Same data, new shape (row-major order is unchanged, so no copy).</summary>
    public TensorData Reshape(int[] shape) => new(shape, Data, Type);

    public TensorData Transpose(int[] perm) => Reference.DataMovement.Transpose(this, perm);
}
