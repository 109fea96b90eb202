using System.Runtime.InteropServices;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Camera;

/// <summary>The camera loop's classifier on the int8 runtime: one inference per frame, scores of the first output.</summary>
public sealed class InferenceClassifier(InferenceModel model) : IClassifier
{
    private readonly sbyte[] _output = new sbyte[model.OutputBytes];
    private readonly OutputSpec _scores = model.Outputs[0];

    public int ClassCount => _scores.Tensor.Shape[^1];

    public void Classify(ReadOnlySpan<byte> input, Span<float> scores)
    {
        model.Run(MemoryMarshal.Cast<byte, sbyte>(input), _output);
        _scores.ToFloat(_output.AsSpan(_scores.Offset, _scores.Tensor.Bytes), scores);
    }

    public void Dispose() => model.Dispose();
}
