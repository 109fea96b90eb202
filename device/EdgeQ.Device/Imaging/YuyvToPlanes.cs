using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Device.Imaging;

/// <summary>
/// YUYV (YUV 4:2:2, bytes <c>Y0 U Y1 V</c> per pixel pair, the format USB cameras stream uncompressed) to planar 8-bit
/// R, G, B or to the luma plane alone. Colour: BT.601 limited range ("studio swing", what V4L2 cameras send for YUYV),
/// in the usual 8-bit fixed-point form, exact in integers:
/// <code>
/// C = Y - 16, D = U - 128, E = V - 128
/// R = clamp((298 C + 409 E + 128) >> 8)
/// G = clamp((298 C - 100 D - 208 E + 128) >> 8)
/// B = clamp((298 C + 516 D + 128) >> 8)
/// </code>
/// Planar output lets the resize read each channel contiguously. Each vectorized loop has a scalar tail computing the
/// same integers, and <see cref="Reference"/> is the plain per-pixel oracle the tests compare against.
/// </summary>
public static class YuyvToPlanes
{
    private const int YScale = 298, VToR = 409, UToG = -100, VToG = -208, UToB = 516, Round = 128;

    /// <summary>Converts <paramref name="yuyv"/> (width * height * 2 bytes, no row padding) into three planes of width * height bytes.</summary>
    public static void ToRgb(ReadOnlySpan<byte> yuyv, Span<byte> red, Span<byte> green, Span<byte> blue)
    {
        int pairs = yuyv.Length / 4;
        if (yuyv.Length % 4 != 0 || red.Length < 2 * pairs || green.Length < 2 * pairs || blue.Length < 2 * pairs)
            throw new ArgumentException("YUYV frames hold whole pixel pairs and each plane one byte per pixel");
        ref byte source = ref MemoryMarshal.GetReference(yuyv);
        ref byte r = ref MemoryMarshal.GetReference(red);
        ref byte g = ref MemoryMarshal.GetReference(green);
        ref byte b = ref MemoryMarshal.GetReference(blue);
        nuint pair = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // 8 pairs per step: two vectors of 4 pairs (one uint lane = Y0 U Y1 V) give 16 pixels per plane.
            for (; pair + 8 <= (nuint)pairs; pair += 8)
            {
                var first = Vector128.LoadUnsafe(ref Unsafe.As<byte, uint>(ref source), pair);
                var second = Vector128.LoadUnsafe(ref Unsafe.As<byte, uint>(ref source), pair + 4);
                var (r0, g0, b0) = ConvertPairs(first);
                var (r1, g1, b1) = ConvertPairs(second);
                Vector128.Narrow(r0, r1).AsByte().StoreUnsafe(ref r, 2 * pair);
                Vector128.Narrow(g0, g1).AsByte().StoreUnsafe(ref g, 2 * pair);
                Vector128.Narrow(b0, b1).AsByte().StoreUnsafe(ref b, 2 * pair);
            }
        }
        for (; pair < (nuint)pairs; pair++)
        {
            nuint at = 4 * pair;
            int d = Unsafe.Add(ref source, at + 1) - 128, e = Unsafe.Add(ref source, at + 3) - 128;
            for (nuint half = 0; half < 2; half++)
            {
                int c = YScale * (Unsafe.Add(ref source, at + 2 * half) - 16) + Round;
                Unsafe.Add(ref r, 2 * pair + half) = ClampToByte((c + VToR * e) >> 8);
                Unsafe.Add(ref g, 2 * pair + half) = ClampToByte((c + UToG * d + VToG * e) >> 8);
                Unsafe.Add(ref b, 2 * pair + half) = ClampToByte((c + UToB * d) >> 8);
            }
        }
    }

    /// <summary>Copies the Y bytes (limited range, 16..235) into one plane: grey models fold the range expansion into their table.</summary>
    public static void ToLuma(ReadOnlySpan<byte> yuyv, Span<byte> luma)
    {
        int pixels = yuyv.Length / 2;
        if (yuyv.Length % 4 != 0 || luma.Length < pixels)
            throw new ArgumentException("YUYV frames hold whole pixel pairs and the luma plane one byte per pixel");
        ref byte source = ref MemoryMarshal.GetReference(yuyv);
        ref byte y = ref MemoryMarshal.GetReference(luma);
        nuint pixel = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // One ushort lane = Y | chroma << 8: narrowing keeps the low byte, the Y.
            for (; pixel + 16 <= (nuint)pixels; pixel += 16)
            {
                var low = Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref source), pixel);
                var high = Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref source), pixel + 8);
                Vector128.Narrow(low, high).StoreUnsafe(ref y, pixel);
            }
        }
        for (; pixel < (nuint)pixels; pixel++)
            Unsafe.Add(ref y, pixel) = Unsafe.Add(ref source, 2 * pixel);
    }

    /// <summary>Full-range luma for a limited-range Y: the R (= G = B) of a grey pixel.</summary>
    public static int ExpandLuma(int y) => ClampToByte((YScale * (y - 16) + Round) >> 8);

    /// <summary>The oracle: one pixel at a time, straight from the formula.</summary>
    public static (byte R, byte G, byte B) Reference(int y, int u, int v)
    {
        int c = y - 16, d = u - 128, e = v - 128;
        return (ClampToByte((298 * c + 409 * e + 128) >> 8),
                ClampToByte((298 * c - 100 * d - 208 * e + 128) >> 8),
                ClampToByte((298 * c + 516 * d + 128) >> 8));
    }

    // Returns, per lane, the two pixels of a pair packed as (first | second << 8), so narrowing to ushort lays the
    // bytes out in pixel order.
    private static (Vector128<uint> R, Vector128<uint> G, Vector128<uint> B) ConvertPairs(Vector128<uint> pairs)
    {
        var mask = Vector128.Create(0xFFu);
        var y0 = (pairs & mask).AsInt32();
        var u = ((pairs >> 8) & mask).AsInt32() - Vector128.Create(128);
        var y1 = ((pairs >> 16) & mask).AsInt32();
        var v = (pairs >> 24).AsInt32() - Vector128.Create(128);
        var c0 = (y0 - Vector128.Create(16)) * YScale + Vector128.Create(Round);
        var c1 = (y1 - Vector128.Create(16)) * YScale + Vector128.Create(Round);
        var red = v * VToR;
        var green = u * UToG + v * VToG;
        var blue = u * UToB;
        return (Pack(c0 + red, c1 + red), Pack(c0 + green, c1 + green), Pack(c0 + blue, c1 + blue));
    }

    private static Vector128<uint> Pack(Vector128<int> first, Vector128<int> second) =>
        Clamp(first) | (Clamp(second) << 8);

    private static Vector128<uint> Clamp(Vector128<int> fixedPoint) =>
        Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(fixedPoint, 8), Vector128<int>.Zero), Vector128.Create(255)).AsUInt32();

    private static byte ClampToByte(int value) => (byte)Math.Clamp(value, 0, 255);
}
