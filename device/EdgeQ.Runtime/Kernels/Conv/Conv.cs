using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>A KxK convolution (any stride, dilation, asymmetric padding, groups) packed as one GEMM per group.</summary>
public sealed class PackedConv
{
    internal PackedConv(ConvGeometry geometry, int inputChannels, int outputChannels, int groups, int inputZeroPoint, PackedGemm[] groupGemms)
    {
        Geometry = geometry; InputChannels = inputChannels; OutputChannels = outputChannels; Groups = groups;
        InputZeroPoint = inputZeroPoint; GroupGemms = groupGemms;
    }

    public ConvGeometry Geometry { get; }
    public int InputChannels { get; }
    public int OutputChannels { get; }
    public int Groups { get; }
    public int InputZeroPoint { get; }
    internal PackedGemm[] GroupGemms { get; }

    /// <summary>Bytes from one im2col row to the next: the patch (KH * KW * input channels per group) padded to the
    /// GEMM tile's K group.</summary>
    internal int PatchStride => GroupGemms[0].Depth;

    /// <summary>1x1, stride 1, no padding: the NHWC input is the GEMM's left operand as it stands.</summary>
    public bool ReadsInputDirectly => Geometry.IsPointwise;

    public int PackedBytes => GroupGemms.Sum(g => g.PackedBytes);
}

/// <summary>Convolution as im2col + GEMM: each output pixel's receptive field (padding taps read the input zero
/// point) is copied into a scratch row of the GEMM's left operand, a chunk of pixels at a time.</summary>
public static class Conv
{
    /// <summary>Output pixels gathered per im2col chunk: enough rows for full GEMM tiles, small enough for L1/L2.</summary>
    public const int PixelsPerChunk = 32;

    /// <param name="weights">O-H-W-I, I = input channels per group, values in [-127, 127].</param>
    /// <param name="multipliers">1 (per tensor) or <paramref name="outputChannels"/> (per channel).</param>
    public static PackedConv Pack(KernelTable kernels, ReadOnlySpan<sbyte> weights, int outputChannels, int inputChannels,
        int groups, ConvGeometry geometry, ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers,
        OutputQuant output)
    {
        if (groups < 1 || inputChannels % groups != 0 || outputChannels % groups != 0)
            throw new ArgumentException($"{groups} groups do not divide {inputChannels} input and {outputChannels} output channels");
        if (!bias.IsEmpty && bias.Length != outputChannels) throw new ArgumentException($"conv bias has {bias.Length} entries, needs {outputChannels}");
        int groupOut = outputChannels / groups, patch = geometry.Taps * (inputChannels / groups);
        Checks.Length(weights, (long)outputChannels * patch, "conv weights");
        var gemms = new PackedGemm[groups];
        for (int g = 0; g < groups; g++)
        {
            // src = O-H-W-I rows of group g (contiguous)   dst = GEMM layout of the table's tile (see Gemm.Pack)
            gemms[g] = Gemm.Pack(weights.Slice(g * groupOut * patch, groupOut * patch), groupOut, patch,
                bias.IsEmpty ? default : bias.Slice(g * groupOut, groupOut), inputZeroPoint,
                multipliers.Length == 1 ? multipliers : multipliers.Slice(g * groupOut, groupOut), output, kernels.GemmTile,
                paddedRows: !geometry.IsPointwise);
        }
        return new PackedConv(geometry, inputChannels, outputChannels, groups, inputZeroPoint, gemms);
    }

    /// <summary>Scratch bytes <see cref="Run"/> needs (0 when the input feeds the GEMM directly).</summary>
    public static int ScratchBytes(PackedConv conv) => conv.ReadsInputDirectly ? 0 : PixelsPerChunk * conv.PatchStride;

    /// <summary>Computes output pixels [firstPixel, firstPixel + pixelCount) (flattened N x OH x OW; all by default),
    /// so threads can split a layer (each with its own scratch); the bytes do not depend on the split.</summary>
    public static void Run(KernelTable kernels, PackedConv conv, ReadOnlySpan<sbyte> input, Nhwc inputShape,
        Span<sbyte> output, Span<sbyte> scratch, int firstPixel = 0, int pixelCount = -1)
    {
        inputShape.Validate("conv input");
        if (inputShape.C != conv.InputChannels) throw new ArgumentException($"conv expects {conv.InputChannels} input channels, got {inputShape}");
        conv.Geometry.Validate(inputShape);
        Nhwc outputShape = conv.Geometry.OutputShape(inputShape, conv.OutputChannels);
        Checks.Length(input, inputShape.Length, "conv input");
        Checks.Length<sbyte>(output, outputShape.Length, "conv output");
        Checks.Length<sbyte>(scratch, ScratchBytes(conv), "conv scratch");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, outputShape.Pixels);

        int groupIn = conv.InputChannels / conv.Groups, groupOut = conv.OutputChannels / conv.Groups;
        for (int g = 0; g < conv.Groups; g++)
        {
            PackedGemm gemm = conv.GroupGemms[g];
            if (conv.ReadsInputDirectly)
            {
                Gemm.Run(kernels, input[(firstPixel * inputShape.C + g * groupIn)..], inputShape.C, pixelCount, gemm,
                    output[(firstPixel * conv.OutputChannels + g * groupOut)..], conv.OutputChannels);
                continue;
            }
            for (int first = firstPixel; first < firstPixel + pixelCount; first += PixelsPerChunk)
            {
                int count = Math.Min(PixelsPerChunk, firstPixel + pixelCount - first);
                Im2Col(input, inputShape, conv.Geometry, outputShape, g * groupIn, groupIn, (sbyte)conv.InputZeroPoint, first, count,
                    scratch, conv.PatchStride);
                Gemm.Run(kernels, scratch, conv.PatchStride, count, gemm, output[(first * conv.OutputChannels + g * groupOut)..], conv.OutputChannels);
            }
        }
    }

    /// <summary>Writes the receptive fields of output pixels [first, first + count) as rows of H-W-I bytes (the weights'
    /// order), <paramref name="rowStride"/> bytes apart, for channels [channelOffset, channelOffset + channels); taps in
    /// the padding read the zero point. The bytes between a patch and the next row are left as they are (the GEMM's
    /// weights are zero there). <see cref="Run"/> has validated all sizes, so the copies use unchecked refs.</summary>
    internal static void Im2Col(ReadOnlySpan<sbyte> input, Nhwc inputShape, in ConvGeometry g, Nhwc outputShape,
        int channelOffset, int channels, sbyte zeroPoint, int first, int count, Span<sbyte> rows, int rowStride)
    {
        ref sbyte src = ref MemoryMarshal.GetReference(input);
        ref sbyte dst = ref MemoryMarshal.GetReference(rows);
        ref sbyte srcEnd = ref Unsafe.Add(ref src, input.Length), dstEnd = ref Unsafe.Add(ref dst, rows.Length);
        nint c = channels, pixelBytes = inputShape.C, rowBytes = (nint)inputShape.W * inputShape.C;
        nint tapRowBytes = g.KernelW * c, imageBytes = inputShape.H * rowBytes, patchBytes = g.KernelH * tapRowBytes;
        nint patchGap = rowStride - patchBytes;
        // In NHWC a row of kernel taps is one contiguous run when the taps are dense and take every channel.
        bool denseTapRows = g.DilationW == 1 && channels == inputShape.C;
        // A first layer's tap rows (3 taps x 3 channels) fit one vector: interior pixels then take one load and one
        // store per tap row, with the coordinates and bounds worked out once per run of pixels.
        bool vectorTapRows = denseTapRows && tapRowBytes <= 16;
        Span<nint> tapRows = vectorTapRows ? stackalloc nint[g.KernelH] : default;
        (int columnFirst, int columnLast) = g.InteriorColumns(inputShape.W);
        int ox = first % outputShape.W, oy = first / outputShape.W % outputShape.H, n = first / (outputShape.W * outputShape.H);
        for (int p = 0; p < count;)
        {
            int iy0 = oy * g.StrideH - g.PadTop, ix0 = ox * g.StrideW - g.PadLeft;
            ref sbyte image = ref Unsafe.Add(ref src, n * imageBytes + channelOffset);
            int pixels = 0;
            if (vectorTapRows && ox >= columnFirst && ox <= columnLast)
            {
                // Offsets of the first pixel's tap rows from its top-left input pixel (-1: the row is padding).
                nint lastRow = 0;
                for (int ky = 0; ky < g.KernelH; ky++)
                {
                    int iy = iy0 + ky * g.DilationH;
                    tapRows[ky] = (uint)iy < (uint)inputShape.H ? iy * rowBytes : -1;
                    lastRow = Math.Max(lastRow, tapRows[ky]);
                }
                ref sbyte corner = ref Unsafe.Add(ref image, ix0 * pixelBytes);
                nint step = g.StrideW * pixelBytes;
                // Pixels whose 16-byte loads and stores stay inside both buffers: bytes a store writes past its tap
                // row are rewritten by the next writes or lie past the rows the GEMM reads (see Copy).
                nint readRoom = Unsafe.ByteOffset(ref corner, ref srcEnd) - lastRow - 16;
                nint writeRoom = Unsafe.ByteOffset(ref dst, ref dstEnd) + tapRowBytes - 16 - patchBytes;
                nint whole = Math.Min(Math.Min(columnLast + 1 - ox, count - p), writeRoom / rowStride + 1);
                pixels = readRoom < 0 || writeRoom < 0 ? 0 : (int)Math.Min(whole, readRoom / step + 1);
                VectorTapRows(ref corner, tapRows, step, ref dst, tapRowBytes, patchGap, pixels, Vector128.Create(zeroPoint));
                dst = ref Unsafe.Add(ref dst, pixels * rowStride);
            }
            if (pixels == 0)
            {
                pixels = 1;
                bool tapRowInside = ix0 >= 0 && ix0 + (g.KernelW - 1) * g.DilationW < inputShape.W;
                for (int ky = 0; ky < g.KernelH; ky++, dst = ref Unsafe.Add(ref dst, tapRowBytes))
                {
                    int iy = iy0 + ky * g.DilationH;
                    if ((uint)iy >= (uint)inputShape.H)
                    {
                        Fill(ref dst, (nuint)tapRowBytes, zeroPoint);
                        continue;
                    }
                    ref sbyte inputRow = ref Unsafe.Add(ref image, iy * rowBytes);
                    if (denseTapRows && tapRowInside)
                    {
                        Copy(ref Unsafe.Add(ref inputRow, ix0 * pixelBytes), ref srcEnd, ref dst, ref dstEnd, (nuint)tapRowBytes);
                        continue;
                    }
                    for (int kx = 0; kx < g.KernelW; kx++)
                    {
                        int ix = ix0 + kx * g.DilationW;
                        if ((uint)ix < (uint)inputShape.W)
                            Copy(ref Unsafe.Add(ref inputRow, ix * pixelBytes), ref srcEnd, ref Unsafe.Add(ref dst, kx * c), ref dstEnd, (nuint)c);
                        else Fill(ref Unsafe.Add(ref dst, kx * c), (nuint)c, zeroPoint);
                    }
                }
                dst = ref Unsafe.Add(ref dst, patchGap);
            }
            p += pixels;
            ox += pixels;
            if (ox == outputShape.W)
            {
                ox = 0;
                if (++oy == outputShape.H) { oy = 0; n++; }
            }
        }
    }

    /// <summary>The im2col rows of <paramref name="pixels"/> neighbouring pixels, <paramref name="step"/> input bytes
    /// apart, whose tap rows are one 16-byte vector each: the input at <paramref name="corner"/> + tapRows[ky], or
    /// the zero point where that is -1; <paramref name="patchGap"/> bytes are skipped after each patch.</summary>
    private static void VectorTapRows(ref sbyte corner, ReadOnlySpan<nint> tapRows, nint step, ref sbyte dst, nint tapRowBytes,
        nint patchGap, int pixels, Vector128<sbyte> padding)
    {
        ref nint rows = ref MemoryMarshal.GetReference(tapRows);
        nint kernelH = tapRows.Length;
        nint x = 0;
        for (int r = 0; r < pixels; r++, x += step, dst = ref Unsafe.Add(ref dst, patchGap))
        {
            for (nint ky = 0; ky < kernelH; ky++, dst = ref Unsafe.Add(ref dst, tapRowBytes))
            {
                nint row = Unsafe.Add(ref rows, ky);
                (row >= 0 ? Vector128.LoadUnsafe(ref corner, (nuint)(row + x)) : padding).StoreUnsafe(ref dst);
            }
        }
    }

    // Inline vector copies: these runs are a few to a few hundred bytes, where a memmove/memset call costs more than
    // the copy itself. A copy's last piece is one whole vector where 16 bytes stay inside both buffers: the bytes it
    // writes beyond the run are rewritten by the later writes (im2col fills the rows in address order), or lie in a
    // row's padding or past the rows the GEMM reads.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref sbyte src, ref sbyte srcEnd, ref sbyte dst, ref sbyte dstEnd, nuint count)
    {
        nuint i = 0;
        for (; i + 16 <= count; i += 16) Vector128.LoadUnsafe(ref src, i).StoreUnsafe(ref dst, i);
        if (i == count) return;
        if (Unsafe.ByteOffset(ref src, ref srcEnd) >= (nint)(i + 16) && Unsafe.ByteOffset(ref dst, ref dstEnd) >= (nint)(i + 16))
            Vector128.LoadUnsafe(ref src, i).StoreUnsafe(ref dst, i);
        else
            VectorIO.StorePartial(VectorIO.LoadPartial(ref Unsafe.Add(ref src, i), count - i), ref Unsafe.Add(ref dst, i), count - i);
    }

    private static void Fill(ref sbyte dst, nuint count, sbyte value)
    {
        Vector128<sbyte> v = Vector128.Create(value);
        nuint i = 0;
        for (; i + 16 <= count; i += 16) v.StoreUnsafe(ref dst, i);
        if (i < count) VectorIO.StorePartial(v, ref Unsafe.Add(ref dst, i), count - i);
    }
}
