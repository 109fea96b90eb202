namespace EdgeQ.Device.Camera;

/// <summary>Exponential reconnect delays: <c>initial * 2^attempt</c>, capped at <c>maximum</c>.</summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Maximum)
{
    public static readonly Backoff Camera = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    public TimeSpan Delay(int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(Maximum.Ticks, Initial.Ticks * Math.Pow(2, Math.Min(attempt, 30))));
}
