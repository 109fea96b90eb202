using EdgeQ.Format;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>Small valid .eqm models whose input spec is what the camera path reads (the loop tests fake the executor).</summary>
public static class CameraModels
{
    public static readonly ImagePreprocessing ImageNet = new(
        ColorOrder.Rgb, ResizeMode.KeepAspectRatio, 0.875f, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    /// <summary>Input [1, H, W, C] → GlobalAveragePool → output [1, 1, 1, C]: C classes.</summary>
    public static EqmModel Build(int height, int width, ImagePreprocessing preprocessing, ElementType type = ElementType.Int8,
        float scale = 0.0186f, int zeroPoint = -14, string[]? labels = null)
    {
        int channels = preprocessing.ColorOrder == ColorOrder.Grey ? 1 : 3;
        var builder = new EqmModelBuilder(new EqmMetadata("camera-test", "edgeq tests", "", []));
        int x = builder.SetInput("image", type, [1, height, width, channels], EqmQuantization.PerTensor(scale, zeroPoint), preprocessing);
        int pooled = builder.AddOperator(new GlobalAveragePoolParams(new OutputClamp(type == ElementType.Int8 ? -128 : 0, type == ElementType.Int8 ? 127 : 255)),
            [x], "pooled", type, EqmQuantization.PerTensor(scale, zeroPoint));
        builder.AddOutput(pooled, labels ?? []);
        return builder.Build();
    }

    /// <summary>A 16x16 RGB int8 model with ImageNet preprocessing and three labelled classes.</summary>
    public static EqmModel Classifier() => Build(16, 16, ImageNet, labels: ["background", "target", "other"]);

    public static string WriteTemp(EqmModel model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeq-camera-{Guid.NewGuid():N}.eqm");
        EqmWriter.WriteFile(model, path);
        return path;
    }
}
