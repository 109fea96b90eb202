namespace EdgeQ.Host.Onnx;

/// <summary>The one error type of ONNX import: the model uses something EdgeQ does not read, or is malformed.</summary>
public sealed class OnnxImportException(string message) : Exception(message)
{
    /// <summary>Set when a graph input has dimensions the model leaves free and no size was given: the input's name.</summary>
    public string? DynamicInput { get; init; }

    /// <summary>With <see cref="DynamicInput"/>: its dimensions, free ones by their symbolic name (<c>1x3xHxW</c>).</summary>
    public string? DynamicShape { get; init; }
}
