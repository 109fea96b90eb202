namespace EdgeQ.Benchmarks;

/// <summary>Issue 7's target: EdgeQ int8 at least this many times faster than each ONNX Runtime engine.</summary>
internal static class Target
{
    public const double OverOrtInt8 = 1.3;
    public const double OverOrtFp32 = 2;
}
