namespace EdgeQ.Runtime.Loading;

/// <summary>A valid .eqm model uses an op or feature this runtime cannot run; the message names the op index, its kind,
/// its output tensor and what is unsupported.</summary>
public sealed class UnsupportedModelException(string message) : Exception(message);
