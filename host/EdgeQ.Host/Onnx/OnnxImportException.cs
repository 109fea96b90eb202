namespace EdgeQ.Host.Onnx;

/// <summary>The one error type of ONNX import: the model uses something EdgeQ does not read, or is malformed.</summary>
public sealed class OnnxImportException(string message) : Exception(message);
