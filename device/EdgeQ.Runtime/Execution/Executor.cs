using System.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Execution;

/// <summary>Runs a <see cref="ModelPlan"/>: one arena for all activations (planned by liveness at construction),
/// per-thread scratch, a worker pool splitting each op's work units into contiguous slices. After the first run,
/// <see cref="Run()"/> allocates nothing; the output bytes are the same for every thread count.</summary>
public sealed class Executor : IDisposable, IParallelJob
{
    private readonly sbyte[] _arena;
    private readonly sbyte[][] _scratch;
    private readonly WorkerPool _pool;
    private readonly long[] _layerTicks;
    private PlanOp? _current;
    private int _parts;

    /// <param name="threads">Threads to use, the caller's included; 0: one per core.</param>
    public Executor(ModelPlan plan, int threads = 0)
    {
        Plan = plan;
        Memory = MemoryPlan.Create(plan);
        _arena = new sbyte[Memory.ArenaBytes];
        _pool = new WorkerPool(threads > 0 ? threads : Environment.ProcessorCount);
        int scratchBytes = 0;
        foreach (PlanOp op in plan.Ops) scratchBytes = Math.Max(scratchBytes, op.ScratchBytes);
        _scratch = new sbyte[_pool.Threads][];
        for (int i = 0; i < _scratch.Length; i++) _scratch[i] = new sbyte[scratchBytes];
        _layerTicks = new long[plan.Ops.Count];
    }

    public ModelPlan Plan { get; }
    public MemoryPlan Memory { get; }
    public KernelTable Kernels => Plan.Kernels;
    public int Threads => _pool.Threads;
    public int ScratchBytes => _scratch.Length * _scratch[0].Length;

    /// <summary>Record each op's wall time on every run (see <see cref="LayerTime"/>).</summary>
    public bool CollectLayerTimes { get; set; }

    public TimeSpan LayerTime(int op) => Stopwatch.GetElapsedTime(0, _layerTicks[op]);

    /// <summary>Graph input <paramref name="index"/>, to be filled before <see cref="Run()"/>.</summary>
    public Span<sbyte> Input(int index) => Tensor(Plan.Inputs[index]);

    /// <summary>Graph output <paramref name="index"/>, valid after <see cref="Run()"/> until the next run.</summary>
    public ReadOnlySpan<sbyte> Output(int index) => Tensor(Plan.Outputs[index]);

    /// <summary>Copies the first input in, runs, copies the first output out.</summary>
    public void Run(ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        Span<sbyte> target = Input(0);
        if (input.Length != target.Length) throw new ArgumentException($"input holds {input.Length} bytes, the model takes {target.Length}");
        input.CopyTo(target);
        Run();
        Output(0).CopyTo(output);
    }

    public void Run()
    {
        for (int i = 0; i < Plan.Ops.Count; i++)
        {
            long start = CollectLayerTimes ? Stopwatch.GetTimestamp() : 0;
            _current = Plan.Ops[i];
            _parts = Math.Min(Threads, _current.WorkUnits);
            if (_parts == 1) ExecutePart(0);
            else _pool.Run(this);
            if (CollectLayerTimes) _layerTicks[i] = Stopwatch.GetTimestamp() - start;
        }
        _current = null;
    }

    void IParallelJob.Execute(int part) => ExecutePart(part);

    /// <summary>Part <paramref name="part"/> of the current op: a contiguous slice of its work units.</summary>
    private void ExecutePart(int part)
    {
        PlanOp op = _current!;
        if (part >= _parts) return;
        int units = op.WorkUnits;
        int first = (int)((long)units * part / _parts), end = (int)((long)units * (part + 1) / _parts);
        op.Execute(Kernels, new OpIO(_arena, Memory, Plan, op), first, end - first, _scratch[part]);
    }

    private Span<sbyte> Tensor(int t) => _arena.AsSpan(Memory.Offset(t), Plan.Tensors[t].Bytes);

    public void Dispose() => _pool.Dispose();
}
