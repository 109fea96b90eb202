using System.Runtime.ExceptionServices;

namespace EdgeQ.Runtime.Execution;

/// <summary>Work that every thread of a <see cref="WorkerPool"/> runs its own part of.</summary>
internal interface IParallelJob
{
    void Execute(int part);
}

/// <summary>A fixed set of threads (the caller's plus <c>threads - 1</c> workers) that all run one job, then wait for
/// the next: no task or delegate per layer, no allocation per run (semaphores only).</summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _finished = new(0);
    private IParallelJob? _job;
    private Exception? _failure;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "need at least one thread");
        Threads = threads;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"edgeq-worker-{i + 1}" };
            _workers[i].Start(i);
        }
        // Take the blocking wait paths once now, so their lazily created synchronisation objects are not
        // allocated during a later inference.
        Run(new WarmUp());
    }

    private sealed class WarmUp : IParallelJob
    {
        public void Execute(int part)
        {
            if (part > 0) Thread.Sleep(2);
        }
    }

    public int Threads { get; }

    /// <summary>Runs <c>job.Execute(part)</c> for part 0 (this thread) to Threads - 1 and returns when all are done;
    /// rethrows the first failure.</summary>
    public void Run(IParallelJob job)
    {
        if (_workers.Length == 0)
        {
            job.Execute(0);
            return;
        }
        _job = job;
        _failure = null;
        foreach (SemaphoreSlim start in _start) start.Release();
        try
        {
            job.Execute(0);
        }
        finally
        {
            for (int i = 0; i < _workers.Length; i++) _finished.Wait();
            _job = null;
        }
        if (_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    private void Work(object? index)
    {
        int worker = (int)index!;
        while (true)
        {
            _start[worker].Wait();
            if (_stopping) return;
            try
            {
                _job!.Execute(worker + 1);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                _finished.Release();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim start in _start) start.Release();
        foreach (Thread worker in _workers) worker.Join();
        foreach (SemaphoreSlim start in _start) start.Dispose();
        _finished.Dispose();
    }
}
