using EdgeQ.Runtime.Execution;

namespace EdgeQ.Runtime.Tests;

public class WorkerPoolTests
{
    /// <summary>Counts each chunk's runs and checks that no two chunks run on one thread index at once (per-thread scratch).</summary>
    private sealed class RecordingJob(int chunks, int threads, int seed) : IParallelJob
    {
        public readonly int[] Runs = new int[chunks];
        private readonly int[] _threadBusy = new int[threads];
        public int ThreadClashes;

        public void Execute(int chunk, int thread)
        {
            if (Interlocked.Exchange(ref _threadBusy[thread], 1) != 0) Interlocked.Increment(ref ThreadClashes);
            // Uneven chunks, so that workers join, finish and leave at different points of the job.
            if ((chunk * 7 + seed) % 5 == 0) Thread.SpinWait(2000);
            if ((chunk + seed) % 11 == 0) Thread.Yield();
            Interlocked.Increment(ref Runs[chunk]);
            Volatile.Write(ref _threadBusy[thread], 0);
        }
    }

    private sealed class FailingJob(int failingChunk) : IParallelJob
    {
        public int Runs;

        public void Execute(int chunk, int thread)
        {
            Interlocked.Increment(ref Runs);
            if (chunk == failingChunk) throw new InvalidOperationException($"chunk {chunk} failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_chunk_of_every_job_runs_exactly_once_before_Run_returns(int threads)
    {
        using var pool = new WorkerPool(threads);
        var random = new Random(threads);
        for (int job = 0; job < 400; job++)
        {
            // Back-to-back jobs (as layers are) and, now and then, a pause long enough for idle workers to block.
            if (job % 100 == 99) Thread.Sleep(2);
            var recording = new RecordingJob(random.Next(1, 40), threads, job);
            pool.Run(recording, recording.Runs.Length);
            Assert.All(recording.Runs, runs => Assert.Equal(1, runs));
            Assert.Equal(0, recording.ThreadClashes);
        }
    }

    [Fact]
    public void A_failing_chunk_is_rethrown_after_the_job_and_the_pool_keeps_working()
    {
        using var pool = new WorkerPool(2);
        var failing = new FailingJob(failingChunk: 3);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 8));
        Assert.Equal("chunk 3 failed", error.Message);
        Assert.Equal(8, failing.Runs);
        var next = new RecordingJob(8, 2, 0);
        pool.Run(next, 8);
        Assert.All(next.Runs, runs => Assert.Equal(1, runs));
    }
}
