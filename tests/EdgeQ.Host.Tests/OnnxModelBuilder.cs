using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx.Proto;
using Google.Protobuf;

namespace EdgeQ.Host.Tests;

/// <summary>Builds small ONNX models in memory for pass and importer tests (written to a temp file for ORT).</summary>
internal sealed class OnnxModelBuilder(int opset = 13)
{
    private readonly GraphProto graph = new() { Name = "test" };
    private int counter;

    public OnnxModelBuilder Input(string name, params int[] shape)
    {
        graph.Input.Add(ValueInfo(name, shape));
        return this;
    }

    public OnnxModelBuilder Output(string name)
    {
        graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        return this;
    }

    public string Initializer(string name, int[] shape, float[] values, bool raw = true)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        if (raw) tensor.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
        else tensor.FloatData.AddRange(values);
        graph.Initializer.Add(tensor);
        return name;
    }

    public string Initializer(string name, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        graph.Initializer.Add(tensor);
        return name;
    }

    public TensorProto AddTensor(TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        return tensor;
    }

    /// <summary>Deterministic weights in [-scale, scale), seeded from the name. Not string.GetHashCode: that is
    /// randomized per process, which would give every test run different weights.</summary>
    public string Random(string name, int[] shape, float scale = 0.5f, float offset = 0f)
    {
        var random = new Random(name.Aggregate(17, (hash, c) => unchecked(hash * 31 + c)) & 0xffff);
        return Initializer(name, shape, Enumerable.Range(0, Shapes.Size(shape)).Select(_ => (random.NextSingle() * 2 - 1) * scale + offset).ToArray());
    }

    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        NodeOutputs(opType, inputs, 1, attributes)[0];

    public string[] NodeOutputs(string opType, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType.ToLowerInvariant()}{counter++}" };
        node.Input.AddRange(inputs);
        for (int i = 0; i < outputs; i++) node.Output.Add($"{node.Name}_out{i}");
        foreach (var (name, value) in attributes)
        {
            var attribute = new AttributeProto { Name = name };
            switch (value)
            {
                case int i: attribute.Type = AttributeProto.Types.AttributeType.Int; attribute.I = i; break;
                case float f: attribute.Type = AttributeProto.Types.AttributeType.Float; attribute.F = f; break;
                case string s: attribute.Type = AttributeProto.Types.AttributeType.String; attribute.S = ByteString.CopyFromUtf8(s); break;
                case int[] ints: attribute.Type = AttributeProto.Types.AttributeType.Ints; attribute.Ints.AddRange(ints.Select(v => (long)v)); break;
                default: throw new ArgumentException($"attribute {name}: {value.GetType()}");
            }
            node.Attribute.Add(attribute);
        }
        graph.Node.Add(node);
        return [.. node.Output];
    }

    public byte[] Build()
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "EdgeQ tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    /// <summary>Writes the model to a temp file (ORT and the path-based importer read files).</summary>
    public string Save()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeq-test-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, Build());
        return path;
    }

    private static ValueInfoProto ValueInfo(string name, int[] shape)
    {
        var type = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() };
        type.Shape.Dim.AddRange(shape.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } };
    }
}
