using System.Runtime.Intrinsics;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Tests;

public class RequantizationTests
{
    [Theory]
    [InlineData(5, 0.5f, 0, 2)]       // 2.5 -> 2 (ties to even)
    [InlineData(7, 0.5f, 0, 4)]       // 3.5 -> 4
    [InlineData(-5, 0.5f, 0, -2)]     // -2.5 -> -2
    [InlineData(-7, 0.5f, 10, 6)]     // -3.5 -> -4, + 10
    [InlineData(1, 0.5f, -128, -128)] // 0.5 -> 0, + zp
    [InlineData(int.MaxValue, 100f, 0, 127)]
    [InlineData(int.MinValue, 100f, 0, -128)]
    [InlineData(int.MinValue, 100f, 127, -128)]   // clamp to lo = -255 before rounding: no overflow
    [InlineData(1000, 1e-9f, -7, -7)]
    public void Scalar_follows_the_spec(int acc, float multiplier, int zeroPoint, int expected)
        => Assert.Equal(expected, Requantization.FromAccumulator(acc, multiplier, new OutputQuant(zeroPoint)));

    [Fact]
    public void Fused_activation_clamps_in_the_quantized_domain()
    {
        var relu = new OutputQuant(-20, -20, 127);
        Assert.Equal(-20, Requantization.FromAccumulator(-1000, 0.1f, relu));
        Assert.Equal(-10, Requantization.FromAccumulator(100, 0.1f, relu));
        var relu6 = new OutputQuant(-20, -20, 40);
        Assert.Equal(40, Requantization.FromAccumulator(100_000, 0.1f, relu6));
    }

    [Theory]
    [InlineData(-129, -128, 127)]
    [InlineData(0, -128, 128)]
    [InlineData(0, 10, 9)]
    public void Output_quantization_rejects_invalid_ranges(int zeroPoint, int qmin, int qmax)
        => Assert.ThrowsAny<ArgumentException>(() => new OutputQuant(zeroPoint, qmin, qmax));

    [Fact]
    public void Vector_requantization_equals_scalar_for_extreme_values()
    {
        var r = new CaseRandom(42);
        for (int trial = 0; trial < 2000; trial++)
        {
            var acc = new int[16];
            var m = new float[16];
            for (int i = 0; i < 16; i++)
            {
                acc[i] = r.Int(0, 9) switch { 0 => int.MaxValue, 1 => int.MinValue, 2 => r.Int(-3, 3), _ => r.Int(-5_000_000, 5_000_000) };
                m[i] = r.Int(0, 5) == 0 ? r.Pick(0.5f, 0.25f) : (float)r.LogUniform(1e-7, 10);
            }
            OutputQuant q = r.Chance(50) ? new OutputQuant(r.ZeroPoint()) : new OutputQuant(0, r.Int(-128, 0), r.Int(0, 127));
            sbyte[] scalar = new sbyte[16], vector = new sbyte[16];
            for (int i = 0; i < 16; i++) scalar[i] = Requantization.FromAccumulator(acc[i], m[i], q);
            Requantization.FromAccumulators(Vector128.Create(acc, 0), Vector128.Create(acc, 4), Vector128.Create(acc, 8),
                Vector128.Create(acc, 12), ref m[0], q).CopyTo(vector);
            Assert.Equal(scalar, vector);
            if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) continue;
            // The x86 form on 8-lane halves (the AVX2 and AVX-VNNI GEMM tiles).
            Requantization.FromAccumulators(Vector256.Create(acc, 0), Vector256.Create(acc, 8), ref m[0], new VectorQuant(q)).CopyTo(vector);
            Assert.Equal(scalar, vector);
        }
    }
}
