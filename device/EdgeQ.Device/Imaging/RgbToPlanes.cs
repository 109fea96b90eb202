using EdgeQ.Format;

namespace EdgeQ.Device.Imaging;

/// <summary>
/// Interleaved RGB24 to planes in the model's channel order, or to one full-range BT.601 luma plane for grey models
/// (<c>Y = (77 R + 150 G + 29 B + 128) >> 8</c>, the weights stb_image and libjpeg use). Runs once per still image, so
/// it stays scalar.
/// </summary>
public static class RgbToPlanes
{
    public static void Split(ReadOnlySpan<byte> rgb, ColorOrder order, byte[][] planes)
    {
        int pixelCount = rgb.Length / 3;
        if (order == ColorOrder.Grey)
        {
            var luma = planes[0].AsSpan(0, pixelCount);
            for (int i = 0; i < luma.Length; i++)
                luma[i] = (byte)((77 * rgb[3 * i] + 150 * rgb[3 * i + 1] + 29 * rgb[3 * i + 2] + 128) >> 8);
            return;
        }
        var (red, blue) = order == ColorOrder.Bgr ? (planes[2], planes[0]) : (planes[0], planes[2]);
        var green = planes[1];
        for (int i = 0; i < pixelCount; i++)
        {
            red[i] = rgb[3 * i];
            green[i] = rgb[3 * i + 1];
            blue[i] = rgb[3 * i + 2];
        }
    }
}
