using System.Diagnostics;

namespace EdgeQ.Device.Camera;

/// <summary>Time as the loop sees it: injected so tests drive hold times and back-off without waiting.</summary>
public interface IClock
{
    /// <summary>Monotonic time since an arbitrary start.</summary>
    TimeSpan Now { get; }

    /// <summary>Waits <paramref name="duration"/>; returns early (without throwing) when <paramref name="cancellation"/> fires.</summary>
    void Sleep(TimeSpan duration, CancellationToken cancellation);
}

public sealed class SystemClock : IClock
{
    private readonly long start = Stopwatch.GetTimestamp();

    public TimeSpan Now => Stopwatch.GetElapsedTime(start);

    public void Sleep(TimeSpan duration, CancellationToken cancellation) => cancellation.WaitHandle.WaitOne(duration);
}
