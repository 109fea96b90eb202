using System.Numerics.Tensors;

namespace EdgeQ.Runtime.Kernels;

/// <summary>Float post-processing of the int8 output tensor, for display only: the int8 bytes are the result that
/// is compared across machines.</summary>
public static class OutputFloat
{
    /// <summary>real = scale * (q - zero_point).</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> input, float scale, int zeroPoint, Span<float> output)
    {
        Checks.Length<float>(output, input.Length, "dequantize output");
        for (int i = 0; i < input.Length; i++) output[i] = scale * (input[i] - zeroPoint);
    }

    /// <summary>Softmax over consecutive rows of <paramref name="classes"/> values (max subtracted for stability).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, int classes, Span<float> probabilities)
    {
        if (classes < 1 || logits.Length % classes != 0) throw new ArgumentException($"{logits.Length} logits are not rows of {classes}");
        Checks.Length<float>(probabilities, logits.Length, "softmax output");
        for (int row = 0; row < logits.Length; row += classes)
            TensorPrimitives.SoftMax(logits.Slice(row, classes), probabilities.Slice(row, classes));
    }
}
