using EdgeQ.Host.Imaging;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Tests;

public sealed class ImagePreprocessorTests
{
    private static string Sample => Path.Combine(TestData.ImageNetSamples, "000_n01440764.jpg");

    [Fact]
    public void NchwAndNhwcHoldTheSameNormalisedCentreCrop()
    {
        var preprocessor = new ImagePreprocessor();
        var nchw = preprocessor.Load(Sample, Layout.Plain);
        var nhwc = preprocessor.Load(Sample, Layout.Nhwc);
        Assert.Equal([1, 3, 224, 224], nchw.Shape);
        Assert.Equal(nchw.Transpose(Nhwc.FromNchw).Floats, nhwc.Floats);
        Assert.All(nchw.Floats, v => Assert.InRange(v, -1f, 1f));

        // The crop is the centre of the 256x256 photo: pixel (0,0) of the crop is pixel (16,16) of the image.
        var (rgb, width, height) = ImagePreprocessor.DecodeRgb(Sample);
        Assert.Equal((256, 256), (width, height));
        Assert.Equal(rgb[(16 * 256 + 16) * 3 + 1] / 127.5f - 1, nhwc.Floats[1], 6);
    }

    [Fact]
    public void ResizesTheShorterSideFirstWhenAsked()
    {
        var tensor = new ImagePreprocessor { ResizeShorterSide = 160, CropSize = 128, Scale = 1, Offset = 0 }.Load(Sample, Layout.Nhwc);
        Assert.Equal([1, 128, 128, 3], tensor.Shape);
        Assert.All(tensor.Floats, v => Assert.InRange(v, 0f, 255f));
    }

    [Fact]
    public void UndecodableFilesAreInvalidData()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [0xFF, 0xD8, 0x00, 0x01]);
        try { Assert.Throws<InvalidDataException>(() => new ImagePreprocessor().Load(path, Layout.Nhwc)); }
        finally { File.Delete(path); }
    }
}
