using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx.Proto;
using AttributeType = EdgeQ.Host.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace EdgeQ.Host.Onnx;

/// <summary>One ONNX node being converted: typed access to its attributes and inputs, and errors that name the node.</summary>
internal sealed class NodeContext(NodeProto proto, string name, int opset, Func<string, Value> lookup)
{
    public NodeProto Proto => proto;
    public string Name => name;
    public int Opset => opset;
    public string OpType => proto.OpType;

    public OnnxImportException Fail(string detail) => new($"{proto.OpType} node '{name}' (opset {opset}): {detail}");

    private AttributeProto? Attribute(string attributeName) => proto.Attribute.FirstOrDefault(a => a.Name == attributeName);

    public bool Has(string attributeName) => Attribute(attributeName) is not null;

    public long Int(string attributeName, long fallback) => Attribute(attributeName)?.I ?? fallback;
    public float Float(string attributeName, float fallback) => Attribute(attributeName)?.F ?? fallback;
    public string String(string attributeName, string fallback) => Attribute(attributeName)?.S.ToStringUtf8() ?? fallback;
    public long[]? Ints(string attributeName) => Attribute(attributeName)?.Ints.ToArray();
    public float[]? Floats(string attributeName) => Attribute(attributeName)?.Floats.ToArray();

    public TensorData? Tensor(string attributeName)
    {
        var attribute = Attribute(attributeName);
        if (attribute is null) return null;
        return attribute.Type switch
        {
            AttributeType.Tensor => TensorReader.Read(attribute.T),
            AttributeType.Float => TensorData.FromFloats([], [attribute.F]),
            AttributeType.Floats => TensorData.FromFloats([attribute.Floats.Count], [.. attribute.Floats]),
            AttributeType.Int => TensorData.FromLongs([], [attribute.I]),
            AttributeType.Ints => TensorData.FromLongs([attribute.Ints.Count], [.. attribute.Ints]),
            _ => throw Fail($"attribute '{attributeName}' of type {attribute.Type} is not supported"),
        };
    }

    public int InputCount => proto.Input.Count;
    public bool HasInput(int index) => index < proto.Input.Count && proto.Input[index].Length > 0;

    public Value Input(int index) => HasInput(index) ? lookup(proto.Input[index]) : throw Fail($"input {index} is missing");
    public Value? OptionalInput(int index) => HasInput(index) ? lookup(proto.Input[index]) : null;

    /// <summary>An input EdgeQ needs at import time (weights, shapes, axes): it must be an initializer or fold to one.</summary>
    public TensorData ConstantInput(int index) => OptionalConstantInput(index) ?? throw Fail($"input {index} is missing");

    public TensorData? OptionalConstantInput(int index)
    {
        var value = OptionalInput(index);
        if (value is null) return null;
        return value.Constant ?? throw Fail($"input {index} ('{value.Name}') must be a constant: EdgeQ needs static weights and shapes");
    }

    /// <summary>A constant scalar input (Clip bounds, Pad value) read as float whatever its element type.</summary>
    public float? OptionalScalarInput(int index)
    {
        var tensor = OptionalConstantInput(index);
        if (tensor is null) return null;
        if (tensor.Length != 1) throw Fail($"input {index} must be a scalar");
        return tensor.Type == ElementType.Float32 ? tensor.Floats[0] : tensor.Longs[0];
    }

    public int[] InputShape(int index = 0) => Input(index).Shape;
}
