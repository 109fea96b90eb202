using System.Numerics.Tensors;

namespace EdgeQ.Host.Ir;

public enum ActivationKind { None, Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Sqrt, Exp, Neg, Abs, Reciprocal }

/// <summary>
/// An elementwise unary op: an activation, standalone or fused into the op producing its input, or plain math
/// (Sqrt, Exp, Neg, Abs, Reciprocal, as in decomposed normalisations).
/// Parameters: Clip (Alpha = min, Beta = max), LeakyRelu (Alpha = slope), HardSigmoid (y = clamp(Alpha*x + Beta, 0, 1)).
/// </summary>
public readonly record struct Activation(ActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    public static readonly Activation None = new(ActivationKind.None);
    public static readonly Activation Relu = new(ActivationKind.Relu);

    /// <summary>The activations the int8 runtime applies inside its conv/gemm/add kernels (clamps and LUTs).</summary>
    public bool IsFusable => Kind is ActivationKind.Relu or ActivationKind.Clip or ActivationKind.HardSwish
        or ActivationKind.HardSigmoid or ActivationKind.Sigmoid;

    public void Apply(Span<float> data)
    {
        switch (Kind)
        {
            case ActivationKind.None: break;
            case ActivationKind.Relu: TensorPrimitives.Max(data, 0f, data); break;
            case ActivationKind.Clip: Clamp(data, Alpha, Beta); break;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(data, data); break;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(data, data); break;
            case ActivationKind.HardSigmoid:
                AffineClamp(data, Alpha, Beta, data);
                break;
            case ActivationKind.HardSwish:
                // x * clamp(x/6 + 1/2, 0, 1), as ONNX HardSwish defines it.
                float[] gate = System.Buffers.ArrayPool<float>.Shared.Rent(data.Length);
                Span<float> g = gate.AsSpan(0, data.Length);
                AffineClamp(data, 1f / 6f, 0.5f, g);
                TensorPrimitives.Multiply(data, g, data);
                System.Buffers.ArrayPool<float>.Shared.Return(gate);
                break;
            case ActivationKind.Sqrt: TensorPrimitives.Sqrt(data, data); break;
            case ActivationKind.Exp: TensorPrimitives.Exp(data, data); break;
            case ActivationKind.Neg: TensorPrimitives.Negate(data, data); break;
            case ActivationKind.Abs: TensorPrimitives.Abs(data, data); break;
            case ActivationKind.Reciprocal: TensorPrimitives.Divide(1f, data, data); break;
            case ActivationKind.LeakyRelu:
                foreach (ref float x in data) if (x < 0) x *= Alpha;
                break;
            default: throw new InvalidOperationException($"activation {Kind}");
        }
    }

    /// <summary>destination = clamp(alpha * x + beta, 0, 1).</summary>
    private static void AffineClamp(ReadOnlySpan<float> x, float alpha, float beta, Span<float> destination)
    {
        TensorPrimitives.Multiply(x, alpha, destination);
        TensorPrimitives.Add(destination, beta, destination);
        Clamp(destination, 0f, 1f);
    }

    private static void Clamp(Span<float> data, float min, float max)
    {
        TensorPrimitives.Max(data, min, data);
        TensorPrimitives.Min(data, max, data);
    }

    public override string ToString() => Kind switch
    {
        ActivationKind.Clip => $"Clip({Alpha:G4},{Beta:G4})",
        ActivationKind.LeakyRelu => $"LeakyRelu({Alpha:G4})",
        ActivationKind.HardSigmoid => $"HardSigmoid({Alpha:G4},{Beta:G4})",
        _ => Kind.ToString(),
    };
}
