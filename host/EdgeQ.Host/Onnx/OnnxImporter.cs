using System.Globalization;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx.Proto;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Host.Onnx;

public sealed record ImportOptions
{
    /// <summary>Replaces a symbolic (dynamic) batch dimension of the graph inputs.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Static shapes (ONNX order) for graph inputs with dynamic dimensions, by input name.</summary>
    public IReadOnlyDictionary<string, int[]>? InputShapes { get; init; }

    /// <summary>Height and width for the dynamic spatial dimensions (2 and 3) of 4-D (NCHW) graph inputs.</summary>
    public (int Height, int Width)? InputSize { get; init; }

    /// <summary>Values for graph inputs that should be treated as constants (e.g. shape inputs of operator tests).</summary>
    public IReadOnlyDictionary<string, TensorData>? ConstantInputs { get; init; }
}

/// <summary>
/// Reads an ONNX model (opsets 7-21) into the IR, in ONNX semantics (NCHW activations), with static shapes and
/// shape chains folded. Conv/ConvTranspose/Gemm weights are converted to the IR layouts here.
/// </summary>
public static class OnnxImporter
{
    public const int MinOpset = 7, MaxOpset = 21;

    public static IReadOnlyList<string> SupportedOps => [.. OpConverters.All.Keys.Order(StringComparer.Ordinal)];

    public static Graph Load(string path, ImportOptions? options = null)
    {
        if (!File.Exists(path)) throw new OnnxImportException($"model file '{path}' does not exist");
        using var stream = File.OpenRead(path);
        return Load(stream, options);
    }

    public static Graph Load(Stream stream, ImportOptions? options = null)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(stream); }
        catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new OnnxImportException($"not a valid ONNX model: {e.Message}"); }
        return Import(model, options ?? new ImportOptions());
    }

    private static Graph Import(ModelProto model, ImportOptions options)
    {
        if (model.Graph is null) throw new OnnxImportException("the model has no graph");
        var defaultDomain = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new OnnxImportException("the model imports no default-domain opset");
        int opset = (int)defaultDomain.Version;
        if (opset < MinOpset || opset > MaxOpset)
            throw new OnnxImportException($"opset {opset} is not supported (EdgeQ reads opsets {MinOpset} to {MaxOpset})");

        var graph = new Graph { Name = model.Graph.Name, Opset = opset };
        var values = new Dictionary<string, Value>();
        foreach (var initializer in model.Graph.Initializer)
        {
            try { values[initializer.Name] = Value.FromConstant(initializer.Name, TensorReader.Read(initializer)); }
            catch (Exception e) when (e is OverflowException or ArgumentException)
            {
                throw new OnnxImportException($"initializer '{initializer.Name}' is malformed: {e.Message}");
            }
        }
        foreach (var input in model.Graph.Input)
        {
            if (values.ContainsKey(input.Name)) continue; // an initializer listed as input (IR version < 4): a constant
            if (options.ConstantInputs?.TryGetValue(input.Name, out var bound) == true)
            {
                values[input.Name] = Value.FromConstant(input.Name, bound);
                continue;
            }
            var value = GraphInput(input, options);
            values[input.Name] = value;
            graph.Inputs.Add(value);
        }

        Value Lookup(string name) => values.TryGetValue(name, out var v) ? v
            : throw new OnnxImportException($"value '{name}' is used before it is produced (graph not in topological order?)");

        for (int i = 0; i < model.Graph.Node.Count; i++)
        {
            var proto = model.Graph.Node[i];
            string name = proto.Name.Length > 0 ? proto.Name : $"{proto.OpType}_{i}";
            var context = new NodeContext(proto, name, opset, Lookup);
            if (proto.Domain is not ("" or "ai.onnx") || !OpConverters.All.TryGetValue(proto.OpType, out var convert))
                throw context.Fail($"operator '{(proto.Domain.Length > 0 ? proto.Domain + "." : "")}{proto.OpType}' is not supported. " +
                    $"Supported operators: {string.Join(", ", SupportedOps)}");
            try
            {
                foreach (var (outputName, value) in convert(context, graph)) values[outputName] = value;
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException)
            {
                // A malformed node (wrong attribute lengths, inconsistent shapes) is an import error like any other.
                throw context.Fail($"malformed node: {e.Message}");
            }
        }

        foreach (var output in model.Graph.Output)
            graph.Outputs.Add(Lookup(output.Name));
        return graph;
    }

    private static Value GraphInput(ValueInfoProto input, ImportOptions options)
    {
        var tensorType = input.Type?.TensorType
            ?? throw new OnnxImportException($"graph input '{input.Name}' is not a tensor (sequences, maps and optionals are not supported)");
        var type = TensorReader.ElementTypeOf(tensorType.ElemType)
            ?? throw new OnnxImportException($"graph input '{input.Name}' has element type {(TensorProto.Types.DataType)tensorType.ElemType}, which is not supported");
        if ((TensorProto.Types.DataType)tensorType.ElemType is TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16)
            throw new OnnxImportException($"graph input '{input.Name}' is 16-bit float; EdgeQ runs float32 (16-bit initializers are converted)");
        if (options.InputShapes?.TryGetValue(input.Name, out var given) == true) return new Value(input.Name, type, (int[])given.Clone());
        var dims = tensorType.Shape?.Dim ?? throw new OnnxImportException($"graph input '{input.Name}' has no shape");
        var shape = new int[dims.Count];
        var dynamic = new List<int>();
        for (int d = 0; d < dims.Count; d++)
        {
            if (dims[d].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[d].DimValue > 0)
                shape[d] = (int)dims[d].DimValue;
            else if (d == 0)
                shape[d] = options.BatchSize;
            else
                dynamic.Add(d);
        }
        if (options.InputSize is { } size && dims.Count == 4)
        {
            // Only dynamic dimensions take the given size; a fixed size that differs is the caller's mistake.
            foreach (var (d, length) in new[] { (2, size.Height), (3, size.Width) })
            {
                if (dynamic.Remove(d)) shape[d] = length;
                else if (shape[d] != length)
                    throw new OnnxImportException($"graph input '{input.Name}' has a fixed size {shape[2]}x{shape[3]}, not {size.Height}x{size.Width}");
            }
        }
        if (dynamic.Count > 0)
        {
            string dimensions = string.Join("x", dims.Select((dim, d) => dynamic.Contains(d) ? (dim.DimParam is "" ? "?" : dim.DimParam) : shape[d].ToString(CultureInfo.InvariantCulture)));
            throw new OnnxImportException($"graph input '{input.Name}' has a dynamic dimension {dynamic[0]} ('{dims[dynamic[0]].DimParam}') " +
                $"({dimensions}); give its shape (ImportOptions.InputShapes or InputSize)") { DynamicInput = input.Name, DynamicShape = dimensions };
        }
        return new Value(input.Name, type, shape);
    }

    /// <summary>Adds a converted node, infers its shapes and folds it when its inputs are constant.</summary>
    internal static IEnumerable<(string Name, Value Value)> Add(NodeContext context, Graph graph, Node node)
    {
        if (!node.AcceptsInt64 && node.Inputs.Any(v => v.Type != ElementType.Float32 && !v.IsConstant))
            throw context.Fail("integer activations are not supported (float32 only; integers only in shape arithmetic)");
        var outputs = context.Proto.Output;
        foreach (var outputName in outputs.Take(OutputCount(node)))
            node.Outputs.Add(new Value(outputName, ElementType.Float32, []));
        graph.Nodes.Add(node);
        node.InferShapes();
        var folded = ConstantFolding.TryFold(graph, node);
        var produced = folded ?? [.. node.Outputs];
        return produced.Select(v => (v.Name, v));
    }

    private static int OutputCount(Node node) => node is SplitNode split ? split.Sizes.Length : 1;
}
