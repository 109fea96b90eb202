using EdgeQ.Device.Imaging;
using EdgeQ.Format;

namespace EdgeQ.Device.Tests;

/// <summary>Still images share the camera's conversion: an RGB24 image must give exactly the bytes of a YUYV frame
/// with the same colours, whose path ConversionTests checks against the formulas.</summary>
public class ClassifyConversionTests
{
    [Theory]
    [InlineData(ColorOrder.Rgb, ResizeMode.KeepAspectRatio, 0.875f, true)]
    [InlineData(ColorOrder.Bgr, ResizeMode.Stretch, 1f, false)]
    public void An_rgb_image_converts_like_the_yuyv_frame_with_the_same_colours(ColorOrder order, ResizeMode mode, float crop, bool signed)
    {
        var random = new Random(9);
        var preprocessing = new ImagePreprocessing(order, mode, crop, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);
        foreach (var (frameWidth, frameHeight) in new[] { (6, 5), (34, 33), (90, 61) })
        {
            var input = new ModelInput(13, 13, 3, preprocessing, signed ? 0.0186f : 0.02f, signed ? -14 : 120, signed);
            var yuyv = new byte[frameWidth * frameHeight * 2];
            random.NextBytes(yuyv);
            var rgb = new byte[frameWidth * frameHeight * 3];
            for (int pixel = 0; pixel < frameWidth * frameHeight; pixel++)
            {
                int pair = pixel / 2 * 4;
                (rgb[3 * pixel], rgb[3 * pixel + 1], rgb[3 * pixel + 2]) = YuyvToPlanes.Reference(yuyv[pair + pixel % 2 * 2], yuyv[pair + 1], yuyv[pair + 3]);
            }
            byte[] fromYuyv = new byte[input.ByteCount], fromRgb = new byte[input.ByteCount];
            FrameToInput.Create(frameWidth, frameHeight, input).Convert(yuyv, fromYuyv);
            FrameToInput.Create(frameWidth, frameHeight, input, FramePixels.Rgb24).Convert(rgb, fromRgb);
            Assert.Equal(fromYuyv, fromRgb);
        }
    }

    [Fact]
    public void Grey_models_read_full_range_bt601_luma_of_rgb()
    {
        byte[] rgb = [255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        var planes = new[] { new byte[5] };
        RgbToPlanes.Split(rgb, ColorOrder.Grey, planes);
        Assert.Equal(new byte[] { 255, 77, 149, 29, 18 }, planes[0]);
    }
}
