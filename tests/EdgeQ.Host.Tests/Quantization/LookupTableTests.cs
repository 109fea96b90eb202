using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Tests.Quantization;

public sealed class LookupTableTests
{
    private static double HardSwish(double x) => x * Math.Clamp(x / 6 + 0.5, 0, 1);

    public static TheoryData<ActivationKind, float, float> Functions => new()
    {
        { ActivationKind.HardSwish, 0, 0 },
        { ActivationKind.Sigmoid, 0, 0 },
        { ActivationKind.Tanh, 0, 0 },
        { ActivationKind.HardSigmoid, 0.2f, 0.5f },
        { ActivationKind.LeakyRelu, 0.1f, 0 },
    };

    private static double Reference(Activation a, double x) => a.Kind switch
    {
        ActivationKind.HardSwish => HardSwish(x),
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.HardSigmoid => Math.Clamp(a.Alpha * x + a.Beta, 0, 1),
        ActivationKind.LeakyRelu => x < 0 ? a.Alpha * x : x,
        _ => throw new ArgumentException(a.ToString()),
    };

    [Theory]
    [MemberData(nameof(Functions))]
    public void TableMatchesTheFloatFunctionWithinHalfAnOutputStep(ActivationKind kind, float alpha, float beta)
    {
        var activation = new Activation(kind, alpha, beta);
        var input = AffineQuantization.FromRange(-5, 7);
        var output = AffineQuantization.FromRange(-0.4, 3.5);   // clips some outputs on purpose
        var table = LookupTables.Build(activation, input, output);
        Assert.Equal(256, table.Length);
        for (int q = -128; q <= 127; q++)
        {
            double expected = Reference(activation, input.Dequantize(q));
            double clamped = Math.Clamp(expected, output.Min, output.Max);
            double actual = output.Dequantize(table[q + 128]);
            Assert.True(Math.Abs(actual - clamped) <= output.Scale / 2 + 1e-5,
                $"{activation}: q={q} x={input.Dequantize(q):G5}: table gives {actual:G5}, function {expected:G5} (step {output.Scale:G4})");
        }
    }

    [Fact]
    public void UndefinedValuesInsideTheInputRangeAreRejected()
    {
        var error = Assert.Throws<NotSupportedException>(() => LookupTables.Build(new Activation(ActivationKind.Sqrt),
            AffineQuantization.FromRange(-1, 1), AffineQuantization.FromRange(0, 1)));
        Assert.Contains("Sqrt", error.Message);
    }
}
