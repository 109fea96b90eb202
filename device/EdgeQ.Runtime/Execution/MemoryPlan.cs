namespace EdgeQ.Runtime.Execution;

/// <summary>Offsets of every activation tensor in one arena, computed at load: tensors whose lifetimes (from the op
/// that writes them to the last op that reads them) overlap never share bytes; others reuse memory. Placement is
/// greedy by size (largest first, lowest offset that fits), as in TFLite's arena planner.</summary>
public sealed class MemoryPlan
{
    /// <summary>Tensor offsets are multiples of this (a cache line).</summary>
    public const int Alignment = 64;

    private readonly int[] _offsets;

    private MemoryPlan(int[] offsets, int arenaBytes)
    {
        _offsets = offsets;
        ArenaBytes = arenaBytes;
    }

    public int ArenaBytes { get; }

    public int Offset(int tensor) => _offsets[tensor];

    public static MemoryPlan Create(ModelPlan plan)
    {
        int count = plan.Tensors.Count;
        var (first, last) = (new int[count], new int[count]);
        Array.Fill(first, int.MaxValue);
        Array.Fill(last, -1);
        foreach (int t in plan.Inputs) first[t] = -1;   // written before the first op
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            PlanOp op = plan.Ops[i];
            first[op.Output] = Math.Min(first[op.Output], i);
            last[op.Output] = Math.Max(last[op.Output], i);
            foreach (int t in op.Inputs) last[t] = Math.Max(last[t], i);
        }
        foreach (int t in plan.Outputs) last[t] = plan.Ops.Count;   // read after the last op

        var offsets = new int[count];
        var placed = new List<int>();
        int arena = 0;
        var order = new List<int>(count);
        for (int t = 0; t < count; t++)
            if (last[t] >= 0) order.Add(t);
        order.Sort((a, b) => plan.Tensors[a].Bytes != plan.Tensors[b].Bytes ? plan.Tensors[b].Bytes.CompareTo(plan.Tensors[a].Bytes) : a.CompareTo(b));
        var neighbours = new List<int>();
        foreach (int t in order)
        {
            int size = plan.Tensors[t].Bytes, offset = 0;
            // Live neighbours by offset; take the first gap that holds this tensor.
            neighbours.Clear();
            foreach (int o in placed)
                if (first[o] <= last[t] && first[t] <= last[o]) neighbours.Add(o);
            neighbours.Sort((a, b) => offsets[a] != offsets[b] ? offsets[a].CompareTo(offsets[b]) : a.CompareTo(b));
            foreach (int other in neighbours)
            {
                if (offset + size <= offsets[other]) break;
                offset = Math.Max(offset, RoundUp(offsets[other] + plan.Tensors[other].Bytes));
            }
            offsets[t] = offset;
            placed.Add(t);
            arena = Math.Max(arena, offset + size);
        }
        return new MemoryPlan(offsets, RoundUp(arena));
    }

    private static int RoundUp(int bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
}
