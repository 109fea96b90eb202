using EdgeQ.Device.Imaging;
using EdgeQ.Format;

namespace EdgeQ.Device.Tests.Camera;

/// <summary>The vectorized frame path against plain per-pixel loops written from the formulas in docs/camera.md.</summary>
public class ConversionTests
{
    [Fact]
    public void Yuyv_to_rgb_matches_the_per_pixel_formula_for_every_u_v_and_y()
    {
        // One pixel pair per (U, V); the Y values sweep 0..255 in both halves of the pair.
        var yuyv = new byte[65536 * 4];
        for (int i = 0; i < 65536; i++)
            (yuyv[4 * i], yuyv[4 * i + 1], yuyv[4 * i + 2], yuyv[4 * i + 3]) = ((byte)i, (byte)(i >> 8), (byte)(i * 7 + 3), (byte)i);
        AssertRgbMatchesReference(yuyv);
    }

    [Fact]
    public void Yuyv_to_rgb_handles_every_tail_length()
    {
        var random = new Random(6);
        for (int pairs = 1; pairs <= 40; pairs++)
        {
            var yuyv = new byte[pairs * 4];
            random.NextBytes(yuyv);
            AssertRgbMatchesReference(yuyv);
        }
    }

    [Fact]
    public void Luma_plane_is_every_other_byte_for_every_tail_length()
    {
        var random = new Random(7);
        for (int pairs = 1; pairs <= 40; pairs++)
        {
            var yuyv = new byte[pairs * 4];
            random.NextBytes(yuyv);
            var luma = new byte[pairs * 2];
            YuyvToPlanes.ToLuma(yuyv, luma);
            Assert.Equal(Enumerable.Range(0, pairs * 2).Select(i => yuyv[2 * i]), luma);
        }
    }

    public static TheoryData<ColorOrder, ResizeMode, float, bool> Preprocessings => new()
    {
        { ColorOrder.Rgb, ResizeMode.KeepAspectRatio, 0.875f, true },
        { ColorOrder.Rgb, ResizeMode.Stretch, 1f, false },
        { ColorOrder.Bgr, ResizeMode.KeepAspectRatio, 1f, true },
        { ColorOrder.Bgr, ResizeMode.Stretch, 0.5f, true },
        { ColorOrder.Grey, ResizeMode.KeepAspectRatio, 0.8f, false },
        { ColorOrder.Grey, ResizeMode.Stretch, 0.875f, true },
    };

    [Theory]
    [MemberData(nameof(Preprocessings))]
    public void Frame_to_input_matches_a_scalar_reference_for_odd_sizes(ColorOrder order, ResizeMode mode, float crop, bool signed)
    {
        var random = new Random(8);
        int channels = order == ColorOrder.Grey ? 1 : 3;
        var preprocessing = new ImagePreprocessing(order, mode, crop,
            [.. new[] { 123.675f, 116.28f, 103.53f }.Take(channels)], [.. new[] { 58.395f, 57.12f, 57.375f }.Take(channels)]);
        int checkedCases = 0;
        foreach (var (frameWidth, frameHeight) in new[] { (2, 1), (6, 5), (18, 7), (34, 33), (64, 48), (90, 61), (8, 30) })
            foreach (var (height, width) in new[] { (1, 1), (3, 5), (7, 7), (13, 17), (16, 16) })
            {
                var input = new ModelInput(height, width, channels, preprocessing, signed ? 0.0186f : 0.02f, signed ? -14 : 120, signed);
                FrameToInput converter;
                try { converter = FrameToInput.Create(frameWidth, frameHeight, input); }
                catch (InvalidDataException) { continue; } // the resized frame cannot cover this input shape
                var yuyv = new byte[frameWidth * frameHeight * 2];
                random.NextBytes(yuyv);
                var actual = new byte[input.ByteCount];
                converter.Convert(yuyv, actual);
                Assert.Equal(Reference(yuyv, frameWidth, frameHeight, input), actual);
                checkedCases++;
            }
        Assert.True(checkedCases >= 20, $"only {checkedCases} size combinations could be checked");
    }

    [Fact]
    public void Keep_aspect_resizes_the_shorter_side_to_size_over_crop()
    {
        var input = new ModelInput(224, 224, 3, CameraModels.ImageNet, 0.0186f, -14, true);
        Assert.Equal((341, 256), FrameToInput.ResizedSize(640, 480, input));
        Assert.Equal((256, 256), FrameToInput.ResizedSize(480, 480, input));
    }

    [Fact]
    public void A_frame_that_cannot_cover_the_input_is_refused_with_the_sizes_named()
    {
        var input = new ModelInput(10, 40, 3, CameraModels.ImageNet with { CropFraction = 1f }, 0.0186f, -14, true);
        var error = Assert.Throws<InvalidDataException>(() => FrameToInput.Create(20, 20, input));
        Assert.Contains("20x20", error.Message);
        Assert.Contains("40x10", error.Message);
    }

    private static void AssertRgbMatchesReference(byte[] yuyv)
    {
        int pixels = yuyv.Length / 2;
        byte[] r = new byte[pixels], g = new byte[pixels], b = new byte[pixels];
        YuyvToPlanes.ToRgb(yuyv, r, g, b);
        for (int p = 0; p < pixels; p++)
        {
            int pair = p / 2 * 4;
            var expected = YuyvToPlanes.Reference(yuyv[pair + (p % 2) * 2], yuyv[pair + 1], yuyv[pair + 3]);
            Assert.True(expected == (r[p], g[p], b[p]), $"pixel {p} of {pixels}: expected {expected}, got ({r[p]}, {g[p]}, {b[p]})");
        }
    }

    // Straight from the spec: resize (bilinear, half-pixel centres, vertical then horizontal in 8-bit fixed point),
    // centre crop, channel order, then the quantization formula in float for every output value.
    private static byte[] Reference(byte[] yuyv, int frameWidth, int frameHeight, ModelInput input)
    {
        var p = input.Preprocessing;
        int Pixel(int x, int y, int channel)
        {
            int at = (y * frameWidth + x) * 2, pair = at & ~3;
            if (p.ColorOrder == ColorOrder.Grey)
                return yuyv[at];
            var (r, g, b) = YuyvToPlanes.Reference(yuyv[at], yuyv[pair + 1], yuyv[pair + 3]);
            return (p.ColorOrder == ColorOrder.Bgr ? 2 - channel : channel) switch { 0 => r, 1 => g, _ => b };
        }
        int resizedWidth, resizedHeight;
        if (p.ResizeMode == ResizeMode.Stretch)
            (resizedWidth, resizedHeight) = ((int)MathF.Round(input.Width / p.CropFraction), (int)MathF.Round(input.Height / p.CropFraction));
        else
        {
            double ratio = MathF.Round(Math.Min(input.Width, input.Height) / p.CropFraction) / Math.Min(frameWidth, frameHeight);
            (resizedWidth, resizedHeight) = ((int)Math.Round(frameWidth * ratio), (int)Math.Round(frameHeight * ratio));
        }
        (int First, int Second, int SecondWeight) Tap(int i, int offset, int source, int resized)
        {
            double s = Math.Clamp((i + offset + 0.5) / (resized / (double)source) - 0.5, 0, source - 1);
            int first = (int)Math.Floor(s);
            return (first, Math.Min(first + 1, source - 1), (int)Math.Round((s - first) * 256));
        }
        int left = (resizedWidth - input.Width) / 2, top = (resizedHeight - input.Height) / 2;
        var result = new byte[input.ByteCount];
        for (int y = 0; y < input.Height; y++)
            for (int x = 0; x < input.Width; x++)
                for (int c = 0; c < input.Channels; c++)
                {
                    var (y0, y1, wy) = Tap(y, top, frameHeight, resizedHeight);
                    var (x0, x1, wx) = Tap(x, left, frameWidth, resizedWidth);
                    int a = (Pixel(x0, y0, c) * (256 - wy) + Pixel(x0, y1, c) * wy + 128) >> 8;
                    int b = (Pixel(x1, y0, c) * (256 - wy) + Pixel(x1, y1, c) * wy + 128) >> 8;
                    int value = (a * (256 - wx) + b * wx + 128) >> 8;
                    if (p.ColorOrder == ColorOrder.Grey)
                        value = Math.Clamp((298 * (value - 16) + 128) >> 8, 0, 255);
                    float real = (value - p.Mean[c]) / p.Std[c];
                    int q = (int)MathF.Round(real / input.Scale, MidpointRounding.ToEven) + input.ZeroPoint;
                    result[(y * input.Width + x) * input.Channels + c] = input.IsSigned
                        ? (byte)(sbyte)Math.Clamp(q, -128, 127) : (byte)Math.Clamp(q, 0, 255);
                }
        return result;
    }
}
