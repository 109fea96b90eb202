using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeQ.Format;

/// <summary>
/// Builds a model tensor by tensor and op by op, for packers: op outputs get their shape from
/// <see cref="ShapeInference"/>, and <see cref="Build"/> validates the whole model.
/// </summary>
public sealed class EqmModelBuilder(EqmMetadata metadata)
{
    private readonly List<EqmTensor> _tensors = [];
    private readonly List<EqmOperator> _operators = [];
    private readonly List<EqmOutputSpec> _outputs = [];
    private EqmInputSpec? _input;

    public IReadOnlyList<EqmTensor> Tensors => _tensors;

    /// <summary>Adds any tensor and returns its index.</summary>
    public int AddTensor(EqmTensor tensor)
    {
        _tensors.Add(tensor);
        return _tensors.Count - 1;
    }

    /// <summary>Adds the image input tensor [N, H, W, C] and returns its index.</summary>
    public int SetInput(string name, ElementType type, EquatableArray<int> shape, EqmQuantization quantization, ImagePreprocessing preprocessing)
    {
        if (_input is not null) throw new InvalidOperationException("the model already has an input");
        int tensor = AddTensor(new EqmTensor(name, type, shape, quantization));
        _input = new EqmInputSpec(tensor, preprocessing);
        return tensor;
    }

    /// <summary>Adds int8 weights in the layout their op expects (docs/format.md).</summary>
    public int AddWeights(string name, EquatableArray<int> shape, EqmQuantization quantization, ReadOnlySpan<sbyte> values) =>
        AddTensor(new EqmTensor(name, ElementType.Int8, shape, quantization, MemoryMarshal.AsBytes(values).ToArray()));

    /// <summary>Adds an int32 bias [values.Length].</summary>
    public int AddBias(string name, ReadOnlySpan<int> values)
    {
        var bytes = new byte[values.Length * sizeof(int)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        return AddTensor(new EqmTensor(name, ElementType.Int32, (int[])[values.Length], null, bytes));
    }

    /// <summary>Adds a 256-entry int8 lookup table for a Lut op.</summary>
    public int AddTable(string name, ReadOnlySpan<sbyte> table) =>
        AddTensor(new EqmTensor(name, ElementType.Int8, (int[])[table.Length], null, MemoryMarshal.AsBytes(table).ToArray()));

    /// <summary>Adds an op and its output tensor, whose shape follows from the inputs; returns the output's index.</summary>
    public int AddOperator(OpParams parameters, EquatableArray<int> inputs, string outputName, ElementType outputType, EqmQuantization? outputQuantization)
    {
        var shape = ShapeInference.OutputShape(parameters, inputs, _tensors);
        int output = AddTensor(new EqmTensor(outputName, outputType, shape, outputQuantization));
        _operators.Add(new EqmOperator(parameters, inputs, output));
        return output;
    }

    public void AddOutput(int tensor, params string[] labels) => _outputs.Add(new EqmOutputSpec(tensor, labels));

    public EqmModel Build() => new(
        metadata, _input ?? throw new InvalidOperationException("the model has no input"), [.. _outputs], [.. _tensors], [.. _operators]);
}
