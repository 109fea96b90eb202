namespace EdgeQ.Host.Onnx;

/// <summary>The one error type of ONNX import: the model uses something EdgeQ does not read, or is malformed.</summary>
public class OnnxImportException(string message) : Exception(message);

/// <summary>A graph input has dimensions the model leaves free (e.g. <c>1x3xHxW</c>) and no size was given for them.</summary>
public sealed class DynamicInputException(string input, string message, string dimensions) : OnnxImportException(message)
{
    public string Input { get; } = input;

    /// <summary>The input's dimensions, free ones by their symbolic name (<c>1x3xHxW</c>).</summary>
    public string Dimensions { get; } = dimensions;
}
