using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Imaging;

/// <summary>What the image paths (camera frames, still images) need to know about a model's image input: its tensor
/// geometry, preprocessing and quantization.</summary>
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
        var quantization = tensor.Quantization
            ?? throw new InvalidDataException("the model's input tensor is not quantized");
        return Create(tensor.Shape, model.Input.Preprocessing, quantization.Scales[0], quantization.ZeroPoints[0], tensor.ElementType);
    }

    public static ModelInput From(InferenceModel model) =>
        Create(model.Input.Shape, model.Preprocessing, model.Input.Scale, model.Input.ZeroPoint, model.Input.ElementType);

    private static ModelInput Create(EquatableArray<int> shape, ImagePreprocessing preprocessing, float scale, int zeroPoint, ElementType type)
    {
        if (shape[0] != 1)
            throw new InvalidDataException($"images are fed one at a time, but the model's input batch is {shape[0]}");
        return new ModelInput(shape[1], shape[2], shape[3], preprocessing, scale, zeroPoint, type == ElementType.Int8);
    }
}
