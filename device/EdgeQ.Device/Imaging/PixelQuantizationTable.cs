namespace EdgeQ.Device.Imaging;

/// <summary>
/// The model's per-channel preprocessing as a 256-entry table, pixel value to input byte, built once at start so the
/// per-frame path does no float math: <c>q = clamp(round_half_even(((pixel - mean) / std) / scale) + zero_point)</c>
/// to the input type's range (docs/format.md, Preprocessing step 4 and 5), stored as the raw int8/uint8 byte.
/// </summary>
public static class PixelQuantizationTable
{
    public static byte[] Build(float mean, float std, float scale, int zeroPoint, bool signed, Func<int, int>? pixelOf = null)
    {
        var table = new byte[256];
        for (int value = 0; value < 256; value++)
            table[value] = Quantize(pixelOf?.Invoke(value) ?? value, mean, std, scale, zeroPoint, signed);
        return table;
    }

    /// <summary>One pixel, straight from the formula: the table's entries and the tests' reference.</summary>
    public static byte Quantize(int pixel, float mean, float std, float scale, int zeroPoint, bool signed)
    {
        float real = (pixel - mean) / std;
        // Clamped before the cast: float-to-int conversion of out-of-range values differs between x64 and arm64.
        int q = (int)Math.Clamp(MathF.Round(real / scale, MidpointRounding.ToEven), -1024f, 1024f) + zeroPoint;
        return signed ? (byte)(sbyte)Math.Clamp(q, sbyte.MinValue, sbyte.MaxValue) : (byte)Math.Clamp(q, 0, 255);
    }
}
