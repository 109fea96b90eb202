using StbImageSharp;

namespace EdgeQ.Device.Imaging;

/// <summary>A decoded still image: <see cref="Width"/> x <see cref="Height"/> pixels of RGB24, rows packed.</summary>
public sealed record DecodedImage(int Width, int Height, byte[] Rgb);

/// <summary>
/// Still images to RGB24. JPEG, PNG (and BMP, GIF, TGA, PSD) through StbImageSharp, a pure C# port of stb_image: no
/// native library to cross-build for arm64, no reflection, so it compiles under NativeAOT and trimming unchanged.
/// stb_image's PNM loader is not in the port, so binary PPM/PGM go through <see cref="NetpbmDecoder"/>.
/// Every unreadable input is an <see cref="InvalidDataException"/> naming the reason.
/// </summary>
public static class ImageDecoder
{
    public static DecodedImage Decode(byte[] bytes)
    {
        if (NetpbmDecoder.Recognizes(bytes))
            return NetpbmDecoder.Decode(bytes);
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
        }
        // stb_image reports every failure ("unknown image type", "bad huffman code", ...) as a plain Exception.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"not a decodable JPEG, PNG or PPM/PGM image ({e.Message})");
        }
        return new DecodedImage(image.Width, image.Height, image.Data);
    }
}
