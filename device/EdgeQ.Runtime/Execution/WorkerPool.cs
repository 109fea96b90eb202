using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace EdgeQ.Runtime.Execution;

/// <summary>Work split into chunks that any thread of a <see cref="WorkerPool"/> may run.</summary>
internal interface IParallelJob
{
    /// <param name="chunk">Which chunk of the job.</param>
    /// <param name="thread">The running thread, 0 (the caller) to Threads - 1: selects per-thread scratch.</param>
    void Execute(int chunk, int thread);
}

/// <summary>
/// A fixed set of threads (the caller's plus <c>threads - 1</c> workers) that claim the chunks of one job at a time.
/// Chunks are claimed, not assigned: the caller starts on them at once and runs every chunk no worker claimed, so a
/// worker that the OS has not scheduled (a busy machine, or fewer free cores than threads) costs the caller nothing,
/// where a fixed split made it wait for the late worker's share at every layer. The caller spins only on chunks a
/// worker is running. Idle workers spin briefly for the next job (the next layer follows within microseconds), then
/// block. No task, delegate or allocation per job.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    // _claim packs the job being claimed: generation (bits 32-63, new per job, so a stale claim never succeeds),
    // chunk count (16-31) and next unclaimed chunk (0-15).
    private const int ChunkBits = 16;
    private const int MaxChunks = (1 << ChunkBits) - 1;

    /// <summary>How long an idle worker polls for the next job before blocking: about the gap between two layers
    /// on a busy machine, far below a scheduler time slice.</summary>
    private static readonly long IdleSpinTicks = Stopwatch.Frequency / 20_000;   // 50 µs

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private long _claim;
    private int _completed;
    private IParallelJob? _job;
    private Exception? _failure;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "need at least one thread");
        Threads = threads;
        _workers = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"edgeq-worker-{i + 1}" };
            _workers[i].Start(i);
        }
        // Let the workers reach their blocking wait, then wake them once, so the lazily created synchronisation
        // objects of both sides exist before the first inference.
        if (_workers.Length > 0)
        {
            Thread.Sleep(1);
            Run(new WarmUp(), Threads);
        }
    }

    private sealed class WarmUp : IParallelJob
    {
        public void Execute(int chunk, int thread) { }
    }

    public int Threads { get; }

    /// <summary>Runs <c>job.Execute(chunk, thread)</c> for every chunk in [0, <paramref name="chunks"/>) on this thread
    /// and whichever workers join, and returns when all are done; rethrows the first failure.</summary>
    public void Run(IParallelJob job, int chunks)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunks, MaxChunks);
        if (_workers.Length == 0 || chunks == 1)
        {
            for (int chunk = 0; chunk < chunks; chunk++) job.Execute(chunk, 0);
            return;
        }
        _job = job;
        _failure = null;
        _completed = 0;
        long generation = (Volatile.Read(ref _claim) >> 32) + 1;
        Volatile.Write(ref _claim, generation << 32 | (long)chunks << ChunkBits);
        for (int i = 0; i < _workers.Length; i++)
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();

        RunChunks(thread: 0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _completed) < chunks) spin.SpinOnce(sleep1Threshold: -1);
        if (_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Claims and runs chunks of the current job until none is left; false if there was none to claim.</summary>
    private bool RunChunks(int thread)
    {
        bool ranAny = false;
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int next = (int)(claim & MaxChunks), chunks = (int)(claim >> ChunkBits & MaxChunks);
            if (next >= chunks) return ranAny;
            // Read after the claim word: if the CAS below succeeds, no chunk was claimed since, so the job cannot have
            // completed and been replaced in between.
            IParallelJob job = _job!;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            ranAny = true;
            try
            {
                job.Execute(next, thread);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                Interlocked.Increment(ref _completed);
            }
        }
    }

    private void Work(object? index)
    {
        int worker = (int)index!;
        while (!_stopping)
        {
            if (RunChunks(worker + 1)) continue;
            long deadline = Stopwatch.GetTimestamp() + IdleSpinTicks;
            var spin = new SpinWait();
            while (!HasUnclaimedChunk() && !_stopping && Stopwatch.GetTimestamp() < deadline) spin.SpinOnce(sleep1Threshold: -1);
            if (HasUnclaimedChunk() || _stopping) continue;
            // Announce the sleep, then look once more: a job published before the announcement is seen here, one after
            // it finds the flag and releases the semaphore (consumed below if the flag was already taken back).
            Interlocked.Exchange(ref _sleeping[worker], 1);   // a full fence: the claim word is read after it
            if (HasUnclaimedChunk() && Interlocked.Exchange(ref _sleeping[worker], 0) == 1) continue;
            _wake[worker].Wait();
        }
    }

    private bool HasUnclaimedChunk()
    {
        long claim = Volatile.Read(ref _claim);
        return (claim & MaxChunks) < (claim >> ChunkBits & MaxChunks);
    }

    public void Dispose()
    {
        _stopping = true;
        for (int i = 0; i < _workers.Length; i++) _wake[i].Release();
        foreach (Thread worker in _workers) worker.Join();
        foreach (SemaphoreSlim wake in _wake) wake.Dispose();
    }
}
