using System.Text;

namespace EdgeQ.Device.Imaging;

/// <summary>
/// Binary Netpbm: P6 (PPM, RGB) and P5 (PGM, grey, expanded to RGB). Header: magic, width, height, maxval as ASCII
/// numbers separated by whitespace, with <c>#</c> comments; then one whitespace byte and the raster, one byte per sample
/// for maxval below 256, two (big-endian) otherwise. Samples are rescaled to 0..255 when maxval is not 255.
/// </summary>
public static class NetpbmDecoder
{
    public static bool Recognizes(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 2 && bytes[0] == (byte)'P' && (bytes[1] == (byte)'5' || bytes[1] == (byte)'6');

    public static DecodedImage Decode(ReadOnlySpan<byte> bytes)
    {
        int channels = bytes[1] == (byte)'6' ? 3 : 1;
        int position = 2;
        int width = ReadNumber(bytes, ref position), height = ReadNumber(bytes, ref position), maxValue = ReadNumber(bytes, ref position);
        if (width == 0 || height == 0 || maxValue is 0 or > 65535)
            throw new InvalidDataException($"corrupt PPM/PGM header: {width}x{height}, maxval {maxValue}");
        position++;   // the single whitespace byte that ends the header
        int sampleBytes = maxValue < 256 ? 1 : 2;
        long pixelCount = (long)width * height;
        if (bytes.Length - position < pixelCount * channels * sampleBytes)
            throw new InvalidDataException($"truncated PPM/PGM: a {width}x{height} raster needs {pixelCount * channels * sampleBytes} bytes");

        var raster = bytes.Slice(position);
        var rgb = new byte[pixelCount * 3];
        for (int pixel = 0; pixel < pixelCount; pixel++)
            for (int channel = 0; channel < 3; channel++)
            {
                // PGM has one sample per pixel, repeated into R, G and B.
                int sample = pixel * channels + (channels == 3 ? channel : 0);
                int value = sampleBytes == 1 ? raster[sample] : raster[2 * sample] << 8 | raster[2 * sample + 1];
                rgb[3 * pixel + channel] = (byte)Math.Min(255, (value * 255 + maxValue / 2) / maxValue);
            }
        return new DecodedImage(width, height, rgb);
    }

    private static int ReadNumber(ReadOnlySpan<byte> bytes, ref int position)
    {
        while (position < bytes.Length && (IsSpace(bytes[position]) || bytes[position] == (byte)'#'))
        {
            if (bytes[position] == (byte)'#')
                while (position < bytes.Length && bytes[position] != (byte)'\n') position++;
            else position++;
        }
        int start = position;
        long value = 0;
        while (position < bytes.Length && char.IsAsciiDigit((char)bytes[position]) && value <= int.MaxValue)
            value = value * 10 + (bytes[position++] - '0');
        if (position == start || value > 1 << 24)
            throw new InvalidDataException($"corrupt PPM/PGM header near byte {start}: '{Encoding.ASCII.GetString(bytes.Slice(start, Math.Min(8, bytes.Length - start)))}'");
        return (int)value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
