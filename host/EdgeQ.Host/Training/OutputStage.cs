using EdgeQ.Host.Ir;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Training;

/// <summary>An int8 grid a value is rounded onto: the tensor's quantization and the output clamp (fused ReLU/ReLU6).</summary>
internal readonly record struct Int8Grid(AffineQuantization Quantization, int Low, int High)
{
    public static Int8Grid Full(AffineQuantization quantization) => new(quantization, AffineQuantization.QMin, AffineQuantization.QMax);

    /// <summary>
    /// values = dequantize(clamp(round_half_even(v / scale) + zp)) in place; derivative *= 0 where the clamp cut the
    /// value (straight-through estimator: rounding passes the gradient, clipping stops it).
    /// </summary>
    public void FakeQuantize(Span<float> values, Span<float> derivative)
    {
        float scale = Quantization.Scale;
        int zeroPoint = Quantization.ZeroPoint;
        for (int i = 0; i < values.Length; i++)
        {
            float level = MathF.Round(values[i] / scale) + zeroPoint;
            if (level < Low || level > High) derivative[i] = 0;
            values[i] = scale * (Math.Clamp(level, Low, High) - zeroPoint);
        }
    }
}

/// <summary>
/// What turns a node's computed value z into its stored output y, and dy/dz for the backward pass. In the float network
/// it is the fused activation; in the fake-quantized one it mirrors the int8 lowering (EqmLowering.EmitClamped): the
/// requantization onto the output grid with the activation's clamp, or, for an activation that is not a clamp,
/// the pre-activation grid, the activation (the runtime's lookup table) and the output grid.
/// </summary>
internal sealed record OutputStage(Int8Grid? PreActivation, Activation Activation, Int8Grid? Output)
{
    public static OutputStage Float(Activation activation) => new(null, activation, null);

    /// <summary>In place: z becomes y, and <paramref name="derivative"/> receives dy/dz.</summary>
    public void Apply(Span<float> values, Span<float> derivative)
    {
        derivative.Fill(1);
        PreActivation?.FakeQuantize(values, derivative);
        if (Activation.Kind != ActivationKind.None)
        {
            for (int i = 0; i < values.Length; i++) derivative[i] *= ActivationDerivative.At(Activation, values[i]);
            Activation.Apply(values);
        }
        Output?.FakeQuantize(values, derivative);
    }
}

/// <summary>dy/dx of the activations the models use, at the activation's input x.</summary>
internal static class ActivationDerivative
{
    public static float At(Activation activation, float x) => activation.Kind switch
    {
        ActivationKind.None => 1,
        ActivationKind.Relu => x > 0 ? 1 : 0,
        ActivationKind.LeakyRelu => x < 0 ? activation.Alpha : 1,
        ActivationKind.Clip => x > activation.Alpha && x < activation.Beta ? 1 : 0,
        ActivationKind.Sigmoid => Sigmoid(x) * (1 - Sigmoid(x)),
        ActivationKind.Tanh => 1 - MathF.Tanh(x) * MathF.Tanh(x),
        ActivationKind.HardSigmoid => activation.Alpha * x + activation.Beta is > 0 and < 1 ? activation.Alpha : 0,
        // y = x * clamp(x / 6 + 1/2, 0, 1)
        ActivationKind.HardSwish => x <= -3 ? 0 : x >= 3 ? 1 : x / 3 + 0.5f,
        _ => throw new NotSupportedException($"bias fine-tuning has no gradient for activation {activation}"),
    };

    private static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));
}
