using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeQ.Format;

namespace EdgeQ.Device.Imaging;

/// <summary>
/// A YUYV camera frame or a decoded RGB image straight into the model's quantized NHWC input buffer (docs/camera.md,
/// "Conversion"); both go through the same resize, crop and quantization, so a still image is classified as the camera
/// would see it.
/// Prepare (<see cref="Create"/>, once per frame size): resize taps, centre crop, channel order and one
/// pixel-to-input table per channel. Convert (every frame): YUYV or RGB24 to planes, then per output row a vertical bilinear blend
/// of two source rows (vectorized) and a horizontal blend plus table lookup (scalar: its reads are irregular).
/// </summary>
public sealed class FrameToInput
{
    private readonly int frameWidth, frameHeight;
    private readonly FramePixels pixels;
    private readonly ModelInput input;
    private readonly ResizeTaps rows, columns;
    private readonly byte[][] tables;
    private readonly byte[][] planes;
    private readonly byte[] blendedRow;
    private readonly int firstColumn, columnSpan;

    private FrameToInput(int frameWidth, int frameHeight, FramePixels pixels, ModelInput input, ResizeTaps rows, ResizeTaps columns, byte[][] tables)
    {
        this.frameWidth = frameWidth;
        this.frameHeight = frameHeight;
        this.pixels = pixels;
        this.input = input;
        this.rows = rows;
        this.columns = columns;
        this.tables = tables;
        planes = new byte[tables.Length][];
        for (int i = 0; i < planes.Length; i++) planes[i] = new byte[frameWidth * frameHeight];
        // Taps never decrease along the axis, so the first and last taps bound the columns read.
        firstColumn = columns.First[0];
        columnSpan = columns.Second[^1] - firstColumn + 1;
        blendedRow = new byte[columnSpan];
    }

    /// <summary>Plans the conversion of <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frames of <paramref name="pixels"/> for <paramref name="input"/>.</summary>
    public static FrameToInput Create(int frameWidth, int frameHeight, ModelInput input, FramePixels pixels = FramePixels.Yuyv)
    {
        if (frameWidth <= 0 || frameHeight <= 0 || (pixels == FramePixels.Yuyv && frameWidth % 2 != 0))
            throw new ArgumentException($"{pixels} frames need a positive size (YUYV: an even width), not {frameWidth}x{frameHeight}");
        var (resizedWidth, resizedHeight) = ResizedSize(frameWidth, frameHeight, input);
        int left = (resizedWidth - input.Width) / 2, top = (resizedHeight - input.Height) / 2;
        if (left < 0 || top < 0)
            throw new InvalidDataException(
                $"a {frameWidth}x{frameHeight} frame resized to {resizedWidth}x{resizedHeight} cannot fill the model's {input.Width}x{input.Height} input");
        return new FrameToInput(frameWidth, frameHeight, pixels, input,
            ResizeTaps.Plan(frameHeight, resizedHeight, input.Height, top),
            ResizeTaps.Plan(frameWidth, resizedWidth, input.Width, left),
            Tables(input, pixels));
    }

    /// <summary>Preprocessing step 1 (docs/format.md): the size the frame is resized to before the centre crop.</summary>
    public static (int Width, int Height) ResizedSize(int frameWidth, int frameHeight, ModelInput input)
    {
        float crop = input.Preprocessing.CropFraction;
        if (input.Preprocessing.ResizeMode == ResizeMode.Stretch)
            return ((int)MathF.Round(input.Width / crop), (int)MathF.Round(input.Height / crop));
        double ratio = MathF.Round(Math.Min(input.Height, input.Width) / crop) / Math.Min(frameWidth, frameHeight);
        return ((int)Math.Round(frameWidth * ratio), (int)Math.Round(frameHeight * ratio));
    }

    public int FrameBytes => frameWidth * frameHeight * (pixels == FramePixels.Yuyv ? 2 : 3);

    public void Convert(ReadOnlySpan<byte> frame, Span<byte> destination)
    {
        if (frame.Length != FrameBytes || destination.Length != input.ByteCount)
            throw new ArgumentException($"expected a {FrameBytes}-byte frame and a {input.ByteCount}-byte input buffer");
        if (pixels == FramePixels.Yuyv) YuyvIntoPlanes(frame);
        else RgbToPlanes.Split(frame, input.Preprocessing.ColorOrder, planes);
        int channels = planes.Length;
        for (int y = 0; y < input.Height; y++)
        {
            var outputRow = destination.Slice(y * input.Width * channels, input.Width * channels);
            for (int c = 0; c < channels; c++)
            {
                var plane = planes[c].AsSpan();
                BlendRows(plane.Slice(rows.First[y] * frameWidth + firstColumn, columnSpan),
                    plane.Slice(rows.Second[y] * frameWidth + firstColumn, columnSpan),
                    rows.FirstWeight[y], blendedRow);
                BlendColumnsAndQuantize(blendedRow, tables[c], outputRow[c..], channels);
            }
        }
    }

    // Planes are kept in the model's channel order, so BGR only swaps where red and blue are written.
    private void YuyvIntoPlanes(ReadOnlySpan<byte> yuyv)
    {
        switch (input.Preprocessing.ColorOrder)
        {
            case ColorOrder.Grey: YuyvToPlanes.ToLuma(yuyv, planes[0]); break;
            case ColorOrder.Bgr: YuyvToPlanes.ToRgb(yuyv, planes[2], planes[1], planes[0]); break;
            default: YuyvToPlanes.ToRgb(yuyv, planes[0], planes[1], planes[2]); break;
        }
    }

    // One table per model channel (mean and std are in the model's channel order); grey models fed YUYV read
    // limited-range Y, so its expansion to full range is folded into the table (RGB sources give full-range luma).
    private static byte[][] Tables(ModelInput input, FramePixels pixels)
    {
        var p = input.Preprocessing;
        byte[] Table(int channel, Func<int, int>? pixelOf = null) =>
            PixelQuantizationTable.Build(p.Mean[channel], p.Std[channel], input.Scale, input.ZeroPoint, input.IsSigned, pixelOf);
        if (p.ColorOrder != ColorOrder.Grey) return [Table(0), Table(1), Table(2)];
        return [pixels == FramePixels.Yuyv ? Table(0, YuyvToPlanes.ExpandLuma) : Table(0)];
    }

    /// <summary>result[i] = (first[i] * w + second[i] * (256 - w) + 128) >> 8; w + (256 - w) = 256 keeps every sum within ushort.</summary>
    private static void BlendRows(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, int firstWeight, Span<byte> result)
    {
        ref byte a = ref MemoryMarshal.GetReference(first);
        ref byte b = ref MemoryMarshal.GetReference(second);
        ref byte r = ref MemoryMarshal.GetReference(result);
        int secondWeight = ResizeTaps.WeightOne - firstWeight;
        nuint i = 0, length = (nuint)result.Length;
        if (Vector128.IsHardwareAccelerated)
        {
            var wa = Vector128.Create((ushort)firstWeight);
            var wb = Vector128.Create((ushort)secondWeight);
            var half = Vector128.Create((ushort)128);
            for (; i + 16 <= length; i += 16)
            {
                var (aLow, aHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref a, i));
                var (bLow, bHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref b, i));
                var low = (aLow * wa + bLow * wb + half) >> 8;
                var high = (aHigh * wa + bHigh * wb + half) >> 8;
                Vector128.Narrow(low, high).StoreUnsafe(ref r, i);
            }
        }
        for (; i < length; i++)
            Unsafe.Add(ref r, i) = (byte)((Unsafe.Add(ref a, i) * firstWeight + Unsafe.Add(ref b, i) * secondWeight + 128) >> 8);
    }

    private void BlendColumnsAndQuantize(ReadOnlySpan<byte> blended, byte[] table, Span<byte> output, int stride)
    {
        for (int x = 0; x < input.Width; x++)
        {
            int value = (blended[columns.First[x] - firstColumn] * columns.FirstWeight[x]
                + blended[columns.Second[x] - firstColumn] * columns.SecondWeight[x] + 128) >> 8;
            output[x * stride] = table[value];
        }
    }
}
