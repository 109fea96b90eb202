using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Execution;

/// <summary>An activation tensor of a plan; constants (weights, tables) live inside the ops that use them.</summary>
public sealed record PlanTensor(string Name, Nhwc Shape)
{
    public int Bytes => Shape.Length;
}

/// <summary>A model ready to execute: activation tensors, ops in execution order with their weights packed for one
/// kernel table, and the graph's inputs and outputs. The .eqm loader (or a test) builds it; the executor runs it.</summary>
public sealed class ModelPlan
{
    public ModelPlan(KernelTable kernels, IReadOnlyList<PlanTensor> tensors, IReadOnlyList<PlanOp> ops,
        IReadOnlyList<int> inputs, IReadOnlyList<int> outputs)
    {
        Kernels = kernels; Tensors = tensors; Ops = ops; Inputs = inputs; Outputs = outputs;
        var produced = new bool[tensors.Count];
        foreach (int t in inputs) MarkProduced(produced, t, "graph input");
        foreach (PlanOp op in ops)
        {
            foreach (int t in op.Inputs)
            {
                CheckIndex(t, op.Name);
                if (!produced[t]) throw new ArgumentException($"op '{op.Name}' reads tensor '{tensors[t].Name}' before it is written");
            }
            MarkProduced(produced, op.Output, op.Name);
            if (op.OutputShape != tensors[op.Output].Shape)
                throw new ArgumentException($"op '{op.Name}' writes {op.OutputShape} into tensor '{tensors[op.Output].Name}' of shape {tensors[op.Output].Shape}");
        }
        foreach (int t in outputs)
        {
            CheckIndex(t, "graph output");
            if (!produced[t]) throw new ArgumentException($"graph output '{tensors[t].Name}' is never written");
        }
    }

    public KernelTable Kernels { get; }
    public IReadOnlyList<PlanTensor> Tensors { get; }
    public IReadOnlyList<PlanOp> Ops { get; }
    public IReadOnlyList<int> Inputs { get; }
    public IReadOnlyList<int> Outputs { get; }

    /// <summary>Bytes of packed weights, biases, multipliers and tables over all ops.</summary>
    public long WeightBytes
    {
        get
        {
            long bytes = 0;
            foreach (PlanOp op in Ops) bytes += op.WeightBytes;
            return bytes;
        }
    }

    private void MarkProduced(bool[] produced, int tensor, string writer)
    {
        CheckIndex(tensor, writer);
        if (produced[tensor]) throw new ArgumentException($"tensor '{Tensors[tensor].Name}' is written twice ({writer})");
        produced[tensor] = true;
    }

    private void CheckIndex(int tensor, string user)
    {
        if ((uint)tensor >= (uint)Tensors.Count) throw new ArgumentException($"{user} refers to tensor {tensor}; the plan has {Tensors.Count}");
    }
}
