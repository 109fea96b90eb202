namespace EdgeQ.Device.Camera;

/// <summary>
/// Runs the model on one prepared input. The loop owns the input buffer: the model's quantized NHWC input tensor
/// (<c>H * W * C</c> bytes of int8 or uint8, exactly as docs/format.md's preprocessing produces them) and writes one score
/// per class of the model's first output (dequantized, or probabilities when the model ends in Softmax).
/// </summary>
public interface IClassifier : IDisposable
{
    int ClassCount { get; }

    void Classify(ReadOnlySpan<byte> input, Span<float> scores);
}
