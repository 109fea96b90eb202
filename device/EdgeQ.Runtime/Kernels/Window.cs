using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>A sliding-window operation on pinned NHWC tensors: what the shared pixel loop needs.</summary>
internal readonly unsafe struct WindowOp(ConvGeometry geometry, sbyte* input, Nhwc inputShape, sbyte* output, int outputChannels, sbyte* padding)
{
    public readonly ConvGeometry Geometry = geometry;
    public readonly sbyte* Input = input;
    public readonly Nhwc InputShape = inputShape;
    public readonly sbyte* Output = output;
    public readonly int OutputChannels = outputChannels;
    /// <summary>What padding taps read (depthwise: the zero-point row), or null to leave them out (pooling).</summary>
    public readonly sbyte* Padding = padding;
}

/// <summary>The work of one output pixel of a window kernel, given the input pixels under its taps.</summary>
internal unsafe interface IPixelKernel<TArgs> where TArgs : struct
{
    static abstract void Pixel(sbyte** taps, int tapCount, sbyte* dst, in TArgs args);
}

/// <summary>Indirection for sliding-window kernels (depthwise conv, pooling): the input pixel under each tap.</summary>
internal static unsafe class Window
{
    /// <summary>Runs <typeparamref name="TKernel"/> on output pixels [first, first + count) (flattened N x OH x OW).</summary>
    public static void Run<TKernel, TArgs>(in WindowOp op, in TArgs args, int first, int count)
        where TKernel : struct, IPixelKernel<TArgs> where TArgs : struct
    {
        ConvGeometry g = op.Geometry;
        Nhwc s = op.InputShape;
        int outputW = g.OutputW(s.W), outputH = g.OutputH(s.H);
        (int interiorFirst, int interiorLast) = g.InteriorColumns(s.W);
        nint step = (nint)g.StrideW * s.C;
        sbyte** taps = stackalloc sbyte*[g.Taps];
        int tapCount = 0;
        bool sameRow = false;
        int ox = first % outputW, oy = first / outputW % outputH, n = first / (outputW * outputH);
        for (int p = first; p < first + count; p++)
        {
            if (sameRow && ox > interiorFirst && ox <= interiorLast)
                Slide(taps, tapCount, step, op.Padding);
            else
                tapCount = Taps(g, op.Input, s, n, oy, ox, op.Padding, taps);
            TKernel.Pixel(taps, tapCount, op.Output + (nint)p * op.OutputChannels, args);
            sameRow = ++ox < outputW;
            if (!sameRow)
            {
                ox = 0;
                if (++oy == outputH) { oy = 0; n++; }
            }
        }
    }

    /// <summary>Moves the taps of a pixel to its right-hand neighbour in the same row, both with their window inside
    /// the input along W: every in-bounds tap moves by one stride (<paramref name="step"/> bytes), the rest stay on the
    /// padding.</summary>
    public static void Slide(sbyte** taps, int tapCount, nint step, sbyte* padding)
    {
        for (int t = 0; t < tapCount; t++)
        {
            if (taps[t] != padding) taps[t] += step;
        }
    }

    /// <summary>Writes the address of the input pixel under each tap of output pixel (n, oy, ox), in kernel order;
    /// a tap in the padding gets <paramref name="padding"/>, or is left out when that is null. Returns the number
    /// of addresses written.</summary>
    public static int Taps(in ConvGeometry g, sbyte* input, Nhwc s, int n, int oy, int ox, sbyte* padding, sbyte** taps)
    {
        // Locals, not g's or s's fields: the stores through taps would make the JIT reload those every tap.
        int kernelW = g.KernelW, dilationW = g.DilationW, width = s.W, height = s.H, written = 0;
        int firstColumn = ox * g.StrideW - g.PadLeft, iy = oy * g.StrideH - g.PadTop;
        nint pixelBytes = s.C, rowBytes = width * pixelBytes, tapBytes = dilationW * pixelBytes;
        for (int ky = 0; ky < g.KernelH; ky++, iy += g.DilationH)
        {
            bool rowInside = (uint)iy < (uint)height;
            sbyte* pixel = input + ((nint)n * height + iy) * rowBytes + firstColumn * pixelBytes;
            for (int kx = 0, ix = firstColumn; kx < kernelW; kx++, ix += dilationW, pixel += tapBytes)
            {
                if (rowInside && (uint)ix < (uint)width)
                    taps[written++] = pixel;
                else if (padding != null)
                    taps[written++] = padding;
            }
        }
        return written;
    }

    /// <summary>Loads the 16 channels at <paramref name="p"/>, or the first <paramref name="count"/> of them
    /// (zero-filled) at a channel tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> LoadChannels(sbyte* p, nuint count)
        => count == 16 ? Vector128.Load(p) : VectorIO.LoadPartial(ref *p, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreChannels(Vector128<sbyte> v, sbyte* p, nuint count)
    {
        if (count == 16) v.Store(p);
        else VectorIO.StorePartial(v, ref *p, count);
    }
}
