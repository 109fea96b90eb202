using System.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Execution;

/// <summary>Runs a <see cref="ModelPlan"/>: one arena for all activations (planned by liveness at construction),
/// per-thread scratch, a worker pool whose threads claim contiguous chunks of each op's work units. After the first
/// run, <see cref="Run()"/> allocates nothing; the output bytes are the same for every thread count.</summary>
public sealed class Executor : IDisposable, IParallelJob
{
    private readonly sbyte[] _arena;
    private readonly sbyte[][] _scratch;
    private readonly WorkerPool _pool;
    private readonly long[] _layerTicks;
    private PlanOp? _current;
    private int _chunks;

    /// <summary>Chunks per thread: enough that a thread which starts late or runs slower leaves its share to the others.</summary>
    private const int ChunksPerThread = 4;

    /// <summary>Fewest work units (output pixels) per chunk, so small layers are not cut into slivers whose fixed
    /// per-call cost (im2col setup, partial GEMM tiles) outweighs the split; layers this small run on the caller alone.</summary>
    private const int MinUnitsPerChunk = 16;

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
            // One thread runs a layer in one call: chunks only pay when there is another thread to take some.
            _chunks = Threads == 1 ? 1 : Math.Clamp(_current.WorkUnits / MinUnitsPerChunk, 1, Threads * ChunksPerThread);
            _pool.Run(this, _chunks);
            if (CollectLayerTimes) _layerTicks[i] = Stopwatch.GetTimestamp() - start;
        }
        _current = null;
    }

    /// <summary>Chunk <paramref name="chunk"/> of the current op: a contiguous slice of its work units.</summary>
    void IParallelJob.Execute(int chunk, int thread)
    {
        PlanOp op = _current!;
        int units = op.WorkUnits;
        int first = (int)((long)units * chunk / _chunks), end = (int)((long)units * (chunk + 1) / _chunks);
        op.Execute(Kernels, new OpIO(_arena, Memory, Plan, op), first, end - first, _scratch[thread]);
    }

    private Span<sbyte> Tensor(int t) => _arena.AsSpan(Memory.Offset(t), Plan.Tensors[t].Bytes);

    public void Dispose() => _pool.Dispose();
}
