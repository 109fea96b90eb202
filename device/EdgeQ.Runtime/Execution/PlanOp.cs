using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Execution;

/// <summary>The buffers one op reads and writes during a run: slices of the arena.</summary>
public readonly struct OpIO
{
    private readonly sbyte[] _arena;
    private readonly MemoryPlan _memory;
    private readonly ModelPlan _plan;
    private readonly PlanOp _op;

    internal OpIO(sbyte[] arena, MemoryPlan memory, ModelPlan plan, PlanOp op)
    {
        _arena = arena; _memory = memory; _plan = plan; _op = op;
    }

    public ReadOnlySpan<sbyte> Input(int index) => Tensor(_op.Inputs[index]);
    public Span<sbyte> Output => Tensor(_op.Output);

    private Span<sbyte> Tensor(int t) => _arena.AsSpan(_memory.Offset(t), _plan.Tensors[t].Bytes);
}

/// <summary>One op of a plan, prepared (TFLite Micro style): construction validates, packs weights and precomputes;
/// <see cref="Execute"/> only computes, on a slice of the op's work units so threads can share it.</summary>
public abstract class PlanOp(string name, int[] inputs, int output, Nhwc outputShape)
{
    public string Name { get; } = name;
    public IReadOnlyList<int> Inputs { get; } = inputs;
    public int Output { get; } = output;
    public Nhwc OutputShape { get; } = outputShape;

    /// <summary>Independent slices of work (output pixels for most ops); 1 when the op is not split.</summary>
    public virtual int WorkUnits => OutputShape.Pixels;

    /// <summary>Scratch bytes each thread needs for <see cref="Execute"/>.</summary>
    public virtual int ScratchBytes => 0;

    public virtual long WeightBytes => 0;

    /// <summary>Computes work units [first, first + count); writes only that part of the output.</summary>
    public abstract void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch);
}
