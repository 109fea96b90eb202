namespace EdgeQ.Device.Imaging;

/// <summary>The pixel layout <see cref="FrameToInput"/> reads: packed rows, no padding.</summary>
public enum FramePixels
{
    /// <summary>YUV 4:2:2 from a V4L2 camera, BT.601 limited range, 2 bytes per pixel.</summary>
    Yuyv,

    /// <summary>8-bit R, G, B per pixel, full range, as image decoders produce it.</summary>
    Rgb24,
}
