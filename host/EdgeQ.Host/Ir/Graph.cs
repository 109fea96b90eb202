namespace EdgeQ.Host.Ir;

/// <summary>A graph in topological node order, with static shapes everywhere.</summary>
public sealed class Graph
{
    public string Name { get; set; } = "";
    public int Opset { get; set; }
    public List<Value> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];
    public List<Node> Nodes { get; } = [];

    public bool IsGraphOutput(Value value) => Outputs.Contains(value);
    public bool IsGraphInput(Value value) => Inputs.Contains(value);

    public Node? Producer(Value value) => Nodes.FirstOrDefault(n => n.Outputs.Contains(value));

    public List<Node> Consumers(Value value) => Nodes.Where(n => n.Inputs.Contains(value)).ToList();

    /// <summary>True when only one node reads the value and it is not a graph output (so it may be rewritten).</summary>
    public bool HasSingleUse(Value value) => !IsGraphOutput(value) && Consumers(value).Count == 1;

    public void ReplaceUses(Value old, Value replacement)
    {
        foreach (var node in Nodes)
            for (int i = 0; i < node.Inputs.Count; i++)
                if (node.Inputs[i] == old) node.Inputs[i] = replacement;
    }

    public void InsertBefore(Node anchor, Node node) => Nodes.Insert(Nodes.IndexOf(anchor), node);

    /// <summary>
    /// Removes a node whose output equals its first input (identity-like), rewiring readers to that input.
    /// A graph output keeps its name. Returns false where the rewiring would merge a graph input or constant into
    /// a graph output.
    /// </summary>
    public bool Bypass(Node node)
    {
        Value input = node.Input, output = node.Output;
        if (IsGraphOutput(output))
        {
            if (IsGraphInput(input) || IsGraphOutput(input) || input.IsConstant) return false;
            input.Name = output.Name;
            Outputs[Outputs.IndexOf(output)] = input;
        }
        Nodes.Remove(node);
        ReplaceUses(output, input);
        return true;
    }

    /// <summary>Drops nodes none of whose outputs is read (after a pass rewired around them).</summary>
    public void RemoveDeadNodes()
    {
        var live = new HashSet<Value>(Outputs);
        for (int i = Nodes.Count - 1; i >= 0; i--)
        {
            var node = Nodes[i];
            if (node.Outputs.Any(live.Contains)) live.UnionWith(node.Inputs);
            else Nodes.RemoveAt(i);
        }
    }

    public string UniqueName(string stem)
    {
        var taken = new HashSet<string>(Nodes.Select(n => n.Name).Concat(Nodes.SelectMany(n => n.Outputs.Select(v => v.Name))));
        taken.UnionWith(Inputs.Select(v => v.Name));
        if (!taken.Contains(stem)) return stem;
        for (int i = 1; ; i++)
            if (!taken.Contains($"{stem}_{i}")) return $"{stem}_{i}";
    }

    /// <summary>Re-infers every shape in order; a pass that broke the graph fails here instead of at run time.</summary>
    public void InferShapes()
    {
        foreach (var node in Nodes) node.InferShapes();
    }

    public long TotalMacs => Nodes.Sum(n => n.Macs);
    public long TotalParameters => Nodes.Sum(n => n.Parameters);
}
