using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Transforms;

/// <summary>Removes Identity and inference-mode Dropout nodes, rewiring their readers to their input.</summary>
public static class RemoveIdentities
{
    public static int Run(Graph graph) => graph.Nodes.OfType<IdentityNode>().ToList().Count(graph.Bypass);
}
