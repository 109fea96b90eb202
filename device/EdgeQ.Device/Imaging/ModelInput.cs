using EdgeQ.Format;

namespace EdgeQ.Device.Imaging;

/// <summary>What the camera path needs to know about a model's image input: its tensor geometry, preprocessing and quantization.</summary>
public sealed record ModelInput(
    int Height,
    int Width,
    int Channels,
    ImagePreprocessing Preprocessing,
    float Scale,
    int ZeroPoint,
    bool IsSigned)
{
    public int ByteCount => Height * Width * Channels;

    /// <summary>Reads the input spec; the reader has already validated shape, types and quantization (docs/format.md).</summary>
    public static ModelInput From(EqmModel model)
    {
        var tensor = model.Tensors[model.Input.Tensor];
        var shape = tensor.Shape;
        if (shape[0] != 1)
            throw new InvalidDataException($"the camera loop feeds one frame at a time, but the model's input batch is {shape[0]}");
        var quantization = tensor.Quantization
            ?? throw new InvalidDataException("the model's input tensor is not quantized");
        return new ModelInput(shape[1], shape[2], shape[3], model.Input.Preprocessing,
            quantization.Scales[0], quantization.ZeroPoints[0], tensor.ElementType == ElementType.Int8);
    }
}
