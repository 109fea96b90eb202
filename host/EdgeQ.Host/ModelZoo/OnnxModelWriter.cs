using System.Runtime.InteropServices;
using EdgeQ.Host.Onnx.Proto;
using Google.Protobuf;

namespace EdgeQ.Host.ModelZoo;

/// <summary>
/// Assembles an ONNX graph node by node with the generated protobuf classes (default domain; float graph inputs and
/// outputs, initializers of any of the element types EdgeQ stores).
/// </summary>
internal sealed class OnnxModelWriter(string graphName, int opset, string producer = "EdgeQ ModelZoo")
{
    private readonly GraphProto graph = new() { Name = graphName };
    private readonly Dictionary<string, int> nodesPerOp = [];
    // Names given by the caller (graph inputs, outputs, named node outputs), which generated node outputs must avoid.
    private readonly HashSet<string> givenNames = [];

    public string Input(string name, params int[] shape) => Input(name, shape, symbols: null);

    /// <summary>An input whose dimensions with a non-null symbol are left free (named, as exporters write them).</summary>
    public string Input(string name, int[] shape, string?[]? symbols)
    {
        givenNames.Add(name);
        graph.Input.Add(FloatValueInfo(name, shape, symbols));
        return name;
    }

    /// <summary>Declares a graph output; declare it before building the graph when its name may look generated.</summary>
    public void Output(string name, params int[] shape)
    {
        givenNames.Add(name);
        graph.Output.Add(FloatValueInfo(name, shape));
    }

    /// <param name="shape">Empty for a scalar.</param>
    public string Initializer<T>(string name, int[] shape, T[] values) where T : unmanaged
    {
        // Matched on the element, not the array: the runtime's array covariance makes a byte[] also an sbyte[].
        var type = default(T) switch
        {
            float => TensorProto.Types.DataType.Float,
            sbyte => TensorProto.Types.DataType.Int8,
            byte => TensorProto.Types.DataType.Uint8,
            int => TensorProto.Types.DataType.Int32,
            long => TensorProto.Types.DataType.Int64,
            _ => throw new ArgumentException($"initializer {name}: unsupported element type {typeof(T).Name}"),
        };
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node named after its op and returns its single output (named after the node).</summary>
    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        NamedNode(opType, null, inputs, attributes);

    /// <summary>As <see cref="Node"/>, with the output named <paramref name="output"/> (e.g. a graph output) when given.</summary>
    public string NamedNode(string opType, string? output, string[] inputs, params (string Name, object Value)[] attributes)
    {
        int index = nodesPerOp.GetValueOrDefault(opType);
        while (output is null && givenNames.Contains($"{opType}_{index}_out")) index++;
        nodesPerOp[opType] = index + 1;
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{index}" };
        node.Input.AddRange(inputs);
        if (output is not null) givenNames.Add(output);
        node.Output.Add(output ?? node.Name + "_out");
        node.Attribute.AddRange(attributes.Select(a => Attribute(a.Name, a.Value)));
        graph.Node.Add(node);
        return node.Output[0];
    }

    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = producer };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        int[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints.Select(v => (long)v) } },
        string text => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(text) },
        _ => throw new ArgumentException($"attribute {name}: unsupported type {value.GetType().Name}"),
    };

    private static ValueInfoProto FloatValueInfo(string name, int[] shape, string?[]? symbols = null)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        tensorType.Shape.Dim.AddRange(shape.Select((d, i) => symbols?[i] is { } symbol
            ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
            : new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
