using System.Globalization;
using System.Text.RegularExpressions;
using EdgeQ.Host.Onnx.Proto;

namespace EdgeQ.Benchmarks.Layers;

/// <summary>An ONNX node as far as mapping needs it.</summary>
internal sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs)
{
    public static IReadOnlyList<OnnxNode> ReadAll(string onnxPath) =>
    [
        .. ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).Graph.Node
            .Select(n => new OnnxNode(n.Name, n.OpType, [.. n.Input], [.. n.Output])),
    ];
}

/// <summary>
/// Maps the nodes ONNX Runtime profiles to EdgeQ layers. ORT names a node of its optimized graph after a node or a
/// tensor of the file it loaded plus suffixes (<c>Conv_5_token_76</c> for the NHWC QLinearConv fused from the
/// export's <c>Conv_5</c>, <c>DequantizeLinear_4/duplicated</c>, <c>conv1_relu_nchwc</c> for an NCHWc conv named after
/// the Clip fused into it); nodes it adds (<c>Transpose</c>, <c>ReorderOutput</c>) match nothing. From the matched file node the map walks the graph to the
/// nearest <em>anchor</em>, a tensor known to be an EdgeQ layer's output, so the nodes an engine fuses into one layer
/// (Conv, BN, Relu, Q/DQ) all land on it: forward in the QDQ export (a layer's anchor is the QuantizeLinear after
/// it), backward in the float model (EdgeQ's fusions keep the first node's output name: Conv -> BN -> Clip is the layer
/// named after the Conv's output). A <em>barrier</em> (a quantized tensor no layer writes: the graph input) ends the
/// walk, so the input's QuantizeLinear stays ORT's own work.
/// </summary>
internal sealed partial class NodeLayerMap
{
    /// <summary>How far the walk goes before giving up (a QDQ layer is at most Cast, Add, Gather or op, Clip, Q).</summary>
    private const int MaxNodesVisited = 16;

    private const int Barrier = -1;

    /// <summary>EdgeQ's suffix for a layer's output before its lookup-table activation (EqmLowering).</summary>
    private const string PreActivation = ":pre";

    private readonly Dictionary<string, OnnxNode> _nodesByName = [];
    private readonly Dictionary<string, OnnxNode> _producers = [];
    private readonly Dictionary<string, List<OnnxNode>> _consumers = [];

    /// <summary>Tensor name -> the EdgeQ layer writing it, or <see cref="Barrier"/>.</summary>
    private readonly IReadOnlyDictionary<string, int> _anchors;

    /// <summary>Walk towards consumers (true) or producers (false).</summary>
    private readonly bool _forward;

    private NodeLayerMap(IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, int> anchors, bool forward)
    {
        _anchors = anchors;
        _forward = forward;
        foreach (var node in nodes)
        {
            if (node.Name.Length > 0) _nodesByName.TryAdd(node.Name, node);
            foreach (string output in node.Outputs) _producers[output] = node;
            foreach (string input in node.Inputs)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    /// <summary>
    /// The original float model: EdgeQ's importer keeps ONNX tensor names, so a layer's name (its output tensor) is the
    /// anchor; a conv whose fused activation became a lookup table is named <c>x:pre</c> before the Lut named <c>x</c>,
    /// and takes tensor <c>x</c> (the float conv's output; the activation node behind it walks back to it too).
    /// </summary>
    public static NodeLayerMap ForFloatModel(IReadOnlyList<OnnxNode> nodes, IReadOnlyList<string> layerNames)
    {
        var anchors = new Dictionary<string, int>();
        for (int layer = 0; layer < layerNames.Count; layer++)
        {
            string name = layerNames[layer];
            anchors.TryAdd(name.EndsWith(PreActivation, StringComparison.Ordinal) ? name[..^PreActivation.Length] : name, layer);
        }
        return new(nodes, anchors, forward: false);
    }

    /// <summary>
    /// EdgeQ's QDQ export of the .eqm: every layer's output is a QuantizeLinear (or, for a lookup table, a Gather) whose
    /// scale (table) initializer is named <c>t{N}_scale</c> (<c>t{N}_table</c>) after the .eqm tensor N it produces
    /// (QdqExporter's naming); <paramref name="layerOutputTensors"/>[layer] is the .eqm tensor each layer writes.
    /// </summary>
    public static NodeLayerMap ForQdqExport(IReadOnlyList<OnnxNode> nodes, IReadOnlyList<int> layerOutputTensors)
    {
        var layerOfTensor = new Dictionary<int, int>();
        for (int layer = 0; layer < layerOutputTensors.Count; layer++) layerOfTensor[layerOutputTensors[layer]] = layer;
        var anchors = new Dictionary<string, int>();
        foreach (var node in nodes)
        {
            string? named = node.OpType switch
            {
                "QuantizeLinear" when node.Inputs.Count > 1 => node.Inputs[1],
                "Gather" => node.Inputs[0],
                _ => null,
            };
            if (named is not null && ExportedTensor().Match(named) is { Success: true } match)
                anchors[node.Outputs[0]] = layerOfTensor.GetValueOrDefault(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), Barrier);
        }
        return new(nodes, anchors, forward: true);
    }

    [GeneratedRegex(@"^t(\d+)_(scale|table)$")]
    private static partial Regex ExportedTensor();

    /// <summary>The EdgeQ layer a profiled node computes (part of), or null for a node with no EdgeQ counterpart.</summary>
    public int? LayerOf(string profiledNode)
    {
        var start = Source(profiledNode);
        if (start is null) return null;
        var queue = new Queue<OnnxNode>([start]);
        var visited = new HashSet<OnnxNode>();
        while (queue.TryDequeue(out var node) && visited.Count < MaxNodesVisited)
        {
            if (!visited.Add(node)) continue;
            foreach (string output in node.Outputs)
                if (_anchors.TryGetValue(output, out int layer)) return layer == Barrier ? null : layer;
            foreach (var next in _forward
                         ? node.Outputs.SelectMany(output => _consumers.GetValueOrDefault(output, []))
                         : node.Inputs.Where(_producers.ContainsKey).Select(input => _producers[input]))
                queue.Enqueue(next);
        }
        return null;
    }

    /// <summary>The file node behind a profiled name: the longest node or tensor name that is the whole name or a prefix
    /// followed by one of ORT's suffix separators ('_', '/'); a tensor stands for the node producing it.</summary>
    private OnnxNode? Source(string profiledNode)
    {
        for (int end = profiledNode.Length; end > 0; end = profiledNode.LastIndexOfAny(['_', '/'], end - 1))
        {
            string candidate = profiledNode[..end];
            if (_nodesByName.TryGetValue(candidate, out var node) || _producers.TryGetValue(candidate, out node)) return node;
        }
        return null;
    }
}
