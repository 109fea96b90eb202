namespace EdgeQ.Runtime.Diagnostics;

/// <summary>SplitMix64: a tiny generator whose sequence is fixed by its seed on every CPU and runtime, so the tests
/// on x86 and the self-test under QEMU draw the same kernel cases.</summary>
public sealed class CaseRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public int Int(int min, int max) => min + (int)(NextUInt64() % (ulong)((long)max - min + 1));

    public bool Chance(int percent) => Int(0, 99) < percent;

    public T Pick<T>(params ReadOnlySpan<T> items) => items[Int(0, items.Length - 1)];

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double Unit() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Log-uniform in [min, max].</summary>
    public double LogUniform(double min, double max) => min * Math.Pow(max / min, Unit());

    /// <summary>int8 values in [min, max]; one array in eight saturates at the extremes.</summary>
    public sbyte[] Bytes(int count, int min = sbyte.MinValue, int max = sbyte.MaxValue)
    {
        var values = new sbyte[count];
        bool extremes = Chance(12);
        for (int i = 0; i < count; i++)
            values[i] = (sbyte)(extremes ? (Chance(50) ? min : max) : Int(min, max));
        return values;
    }

    /// <summary>A zero point, often at the extremes -128 / 127.</summary>
    public int ZeroPoint() => Int(0, 9) switch { 0 => -128, 1 => 127, 2 => 0, _ => Int(-128, 127) };
}
