using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Host.Transforms;
using EdgeQ.Tests;

namespace EdgeQ.Device.Tests;

/// <summary>
/// The real ImageNet MobileNetV1-0.25 from ../shared, packed by the host pipeline (per-channel W8A8, no bias
/// correction, a few calibration photos), and one real photo quantized as the device would quantize it: the model the
/// ARM byte-equality test runs, so real weights and real activation statistics go through every kernel path.
/// </summary>
public static class RealModelFiles
{
    private static readonly string SharedData = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data"));
    private static readonly string ModelPath = Path.Combine(SharedData, "models", "mobilenet_v1_0.25_224.onnx");
    private static readonly string Photos = Path.Combine(SharedData, "imagenet-samples");

    private static readonly Lazy<(byte[] Model, byte[] Input)> Packed = new(Pack);

    public static byte[] MobileNetV1Model => Packed.Value.Model;
    public static byte[] MobileNetV1Input => Packed.Value.Input;

    private static (byte[], byte[]) Pack()
    {
        if (!File.Exists(ModelPath)) throw new FileNotFoundException($"the real model is missing: {ModelPath} (../shared must sit beside the repository)");
        var graph = GraphOptimizer.Load(ModelPath);
        var calibration = new ImageCalibrationData(ImageCalibrationData.FindImages(Photos, 8),
            PreprocessingPresets.SymmetricUnit, graph.Inputs[0].Shape);
        var options = new PackOptions { Preprocessing = PreprocessingPresets.SymmetricUnit, CalibrationImages = 8, BiasCorrection = BiasCorrectionMethod.None };
        EqmModel model = ModelPacker.Pack(graph, calibration, options).Model;

        var photo = new ImageCalibrationData([Path.Combine(Photos, "207_n02099601.jpg")], PreprocessingPresets.SymmetricUnit,
            graph.Inputs[0].Shape).Load(0).Floats;
        var quantization = model.Tensors[model.Input.Tensor].Quantization!;
        var input = new AffineQuantization(quantization.Scales[0], quantization.ZeroPoints[0]);
        return (EqmWriter.ToBytes(model), photo.Select(x => (byte)(sbyte)input.Quantize(x)).ToArray());
    }
}
