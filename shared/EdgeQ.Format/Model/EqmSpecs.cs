namespace EdgeQ.Format;

/// <summary>Model description: what it is, what made it, for which board, with which options.</summary>
public sealed record EqmMetadata(string Name, string Producer, string Board, EquatableArray<MetadataOption> Options = default);

public readonly record struct MetadataOption(string Key, string Value);

public enum TensorLayout : byte { Nhwc = 0 }

public enum ColorOrder : byte { Rgb = 0, Bgr = 1, Grey = 2 }

public enum ResizeMode : byte
{
    /// <summary>Resize both sides independently to the input size divided by the crop fraction.</summary>
    Stretch = 0,
    /// <summary>Resize the shorter side to min(H, W) / crop fraction, keeping the aspect ratio.</summary>
    KeepAspectRatio = 1,
}

/// <summary>
/// How camera pixels (0..255) become the input tensor: resize, centre crop, channel order, then
/// <c>(pixel - Mean[c]) / Std[c]</c>, then the input tensor's quantization.
/// </summary>
public sealed record ImagePreprocessing(
    ColorOrder ColorOrder,
    ResizeMode ResizeMode,
    float CropFraction,
    EquatableArray<float> Mean,
    EquatableArray<float> Std);

/// <summary>The model's image input: a tensor [N, H, W, C] and its preprocessing.</summary>
public sealed record EqmInputSpec(int Tensor, ImagePreprocessing Preprocessing, TensorLayout Layout = TensorLayout.Nhwc);

/// <summary>A model output; <see cref="Labels"/> name the classes along the last axis (empty if none).</summary>
public sealed record EqmOutputSpec(int Tensor, EquatableArray<string> Labels = default);
