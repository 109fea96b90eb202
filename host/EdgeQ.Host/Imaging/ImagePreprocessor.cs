using EdgeQ.Host.Ir;
using StbImageSharp;

namespace EdgeQ.Host.Imaging;

/// <summary>
/// Decodes an image (JPEG, PNG, BMP, TGA, ...) and turns it into a normalised RGB tensor: shorter side resized to
/// ResizeShorterSide (bilinear, skipped when it already matches), centre crop of CropSize, value = pixel * Scale + Offset.
/// Defaults are the MobileNet/ImageNet convention of ../shared/data/models/README.md (pixel / 127.5 - 1).
/// </summary>
public sealed record ImagePreprocessor
{
    public int ResizeShorterSide { get; init; } = 256;
    public int CropSize { get; init; } = 224;
    public float Scale { get; init; } = 1f / 127.5f;
    public float Offset { get; init; } = -1f;

    /// <summary>A [1,3,S,S] (NCHW, ONNX order) or [1,S,S,3] (NHWC, the runtime's order) tensor.</summary>
    public TensorData Load(string path, Layout layout)
    {
        var (rgb, imageWidth, imageHeight) = DecodeRgb(path);
        var (pixels, width, height) = ResizeShorter(rgb, imageWidth, imageHeight);
        int size = CropSize, left = (width - size) / 2, top = (height - size) / 2;
        if (left < 0 || top < 0) throw new InvalidDataException($"image '{path}' is smaller than the {size}x{size} crop after resizing");
        var values = new float[3 * size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                for (int c = 0; c < 3; c++)
                {
                    float v = pixels[((top + y) * width + left + x) * 3 + c] * Scale + Offset;
                    values[layout == Layout.Nhwc ? (y * size + x) * 3 + c : (c * size + y) * size + x] = v;
                }
        return TensorData.FromFloats(layout == Layout.Nhwc ? [1, size, size, 3] : [1, 3, size, size], values);
    }

    /// <summary>8-bit RGB pixels: JPEG through libjpeg-turbo (Pillow's decoder), other formats through StbImageSharp.</summary>
    public static (byte[] Rgb, int Width, int Height) DecodeRgb(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (IOException e) { throw new InvalidDataException($"cannot read image '{path}': {e.Message}", e); }
        bool isJpeg = file.Length > 2 && file[0] == 0xFF && file[1] == 0xD8;
        try
        {
            if (isJpeg) return LibJpegTurbo.DecodeRgb(file);
            var image = ImageResult.FromMemory(file, ColorComponents.RedGreenBlue);
            return (image.Data, image.Width, image.Height);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"cannot decode image '{path}': {e.Message}", e);
        }
    }

    private (byte[] Pixels, int Width, int Height) ResizeShorter(byte[] rgb, int width, int height)
    {
        int shorter = Math.Min(width, height);
        if (shorter == ResizeShorterSide) return (rgb, width, height);
        double ratio = ResizeShorterSide / (double)shorter;
        int w = (int)Math.Round(width * ratio), h = (int)Math.Round(height * ratio);
        var result = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            double sy = Math.Clamp((y + 0.5) / ratio - 0.5, 0, height - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, height - 1);
            double fy = sy - y0;
            for (int x = 0; x < w; x++)
            {
                double sx = Math.Clamp((x + 0.5) / ratio - 0.5, 0, width - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, width - 1);
                double fx = sx - x0;
                for (int c = 0; c < 3; c++)
                {
                    double top = rgb[(y0 * width + x0) * 3 + c] * (1 - fx) + rgb[(y0 * width + x1) * 3 + c] * fx;
                    double bottom = rgb[(y1 * width + x0) * 3 + c] * (1 - fx) + rgb[(y1 * width + x1) * 3 + c] * fx;
                    result[(y * w + x) * 3 + c] = (byte)Math.Round(top * (1 - fy) + bottom * fy);
                }
            }
        }
        return (result, w, h);
    }
}
