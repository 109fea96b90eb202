using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeQ.Runtime.Kernels;

/// <summary>How a kernel table wants depthwise weights packed (<see cref="Depthwise.Pack"/>).</summary>
public enum DepthwiseLayout
{
    /// <summary><c>[C/16][taps][16]</c> int8: one 16-channel vector per tap (reference, Vector128, NEON).</summary>
    Int8,
    /// <summary><c>[C/16][taps/2][32]</c> int16: per pair of taps, the two weights of a channel side by side in the
    /// lane order AVX2 VPUNPCKLWD/VPUNPCKHWD give sign-extended inputs, so one VPMADDWD does 2 taps x 8 channels.</summary>
    Int16TapPairs,
}

/// <summary>A depthwise convolution (one filter per channel, depth multiplier 1) packed per 16-channel block with
/// the input zero point folded into the bias.</summary>
public sealed class PackedDepthwise
{
    internal PackedDepthwise(ConvGeometry geometry, int channels, DepthwiseLayout layout, byte[] weights, int[] bias,
        float[] multipliers, sbyte[] zeroPointRow, OutputQuant output)
    {
        Geometry = geometry; Channels = channels; Layout = layout; Weights = weights; Bias = bias;
        Multipliers = multipliers; ZeroPointRow = zeroPointRow; Output = output;
    }

    public ConvGeometry Geometry { get; }
    public int Channels { get; }
    public DepthwiseLayout Layout { get; }
    public OutputQuant Output { get; }
    /// <summary>Weights in <see cref="Layout"/>, channel blocks <see cref="Depthwise.BlockBytes"/> apart.</summary>
    internal byte[] Weights { get; }
    internal int[] Bias { get; }
    internal float[] Multipliers { get; }
    /// <summary>What padding taps read: the input zero point in every channel (padded to a whole vector).</summary>
    internal sbyte[] ZeroPointRow { get; }

    public int PackedBytes => Weights.Length + Bias.Length * sizeof(int) + Multipliers.Length * sizeof(float) + ZeroPointRow.Length;
}

public static unsafe class Depthwise
{
    /// <summary>Channels per packed block (and per vector microkernel step).</summary>
    internal const int Block = 16;

    /// <summary>Bytes of one 16-channel block of packed weights.</summary>
    internal static int BlockBytes(DepthwiseLayout layout, int taps)
        => layout == DepthwiseLayout.Int8 ? taps * Block : (taps + 1) / 2 * 2 * Block * sizeof(short);

    /// <summary>Packs for <paramref name="kernels"/>' microkernel (<see cref="KernelTable.DepthwiseLayout"/>).</summary>
    /// <param name="weights">1-H-W-C (the .eqm / TFLite depthwise layout), values in [-127, 127].</param>
    /// <param name="multipliers">1 (per tensor) or <paramref name="channels"/> (per channel).</param>
    public static PackedDepthwise Pack(KernelTable kernels, ReadOnlySpan<sbyte> weights, int channels, ConvGeometry geometry,
        ReadOnlySpan<int> bias, int inputZeroPoint, ReadOnlySpan<float> multipliers, OutputQuant output)
    {
        if (channels < 1) throw new ArgumentException("depthwise conv needs at least one channel");
        int taps = geometry.Taps, padded = Checks.RoundUp(channels, Block);
        Checks.Length(weights, (long)channels * taps, "depthwise weights");
        if (!bias.IsEmpty && bias.Length != channels) throw new ArgumentException($"depthwise bias has {bias.Length} entries, needs {channels}");
        Checks.ZeroPoint(inputZeroPoint, "input zero point");
        DepthwiseLayout layout = kernels.DepthwiseLayout;
        int blockBytes = BlockBytes(layout, taps);
        var packed = new byte[padded / Block * blockBytes];
        var folded = new int[padded];
        for (int c = 0; c < channels; c++)
        {
            long sum = 0, sumAbs = 0;
            for (int t = 0; t < taps; t++)
            {
                sbyte w = weights[t * channels + c];
                if (w == sbyte.MinValue) throw new ArgumentException($"weight of channel {c} is -128; weights must be in [-127, 127]");
                sum += w;
                sumAbs += Math.Abs(w);
                ref byte block = ref packed[c / Block * blockBytes];
                if (layout == DepthwiseLayout.Int8)
                {
                    // src = 1-H-W-C   dst = C/16 - H-W - 16
                    Unsafe.Add(ref block, t * Block + c % Block) = (byte)w;
                }
                else
                {
                    // src = 1-H-W-C   dst = C/16 - (H-W)/2 - [2 registers][2 128-bit lanes][4 channels][2 taps] int16:
                    // VPMOVSXBW puts channels 0-7 | 8-15 of a block in the two lanes, VPUNPCKLWD of two taps takes
                    // channels 0-3 | 8-11 of each lane, VPUNPCKHWD channels 4-7 | 12-15.
                    int k = c % Block, register = k / 4 % 2, lane = k / 8, quad = k % 4;
                    int index = t / 2 * 2 * Block + register * Block + lane * 8 + quad * 2 + t % 2;
                    Unsafe.As<byte, short>(ref Unsafe.Add(ref block, index * sizeof(short))) = w;
                }
            }
            folded[c] = Gemm.FoldBias(bias.IsEmpty ? 0 : bias[c], inputZeroPoint, sum, sumAbs, c);
        }
        var zeroPointRow = new sbyte[padded];
        zeroPointRow.AsSpan().Fill((sbyte)inputZeroPoint);
        return new PackedDepthwise(geometry, channels, layout, packed, folded,
            Checks.ExpandMultipliers(multipliers, channels, padded), zeroPointRow, output);
    }

    /// <summary>Computes output pixels [firstPixel, firstPixel + pixelCount) (flattened N x OH x OW; all by default),
    /// so threads can split a layer; the bytes do not depend on the split.</summary>
    public static void Run(KernelTable kernels, PackedDepthwise dw, ReadOnlySpan<sbyte> input, Nhwc inputShape, Span<sbyte> output,
        int firstPixel = 0, int pixelCount = -1)
    {
        if (dw.Layout != kernels.DepthwiseLayout)
            throw new ArgumentException($"depthwise weights packed as {dw.Layout}, the {kernels.DepthwiseVariant.Name()} kernel reads {kernels.DepthwiseLayout}");
        inputShape.Validate("depthwise input");
        if (inputShape.C != dw.Channels) throw new ArgumentException($"depthwise conv expects {dw.Channels} channels, got {inputShape}");
        dw.Geometry.Validate(inputShape);
        Nhwc outputShape = dw.Geometry.OutputShape(inputShape, dw.Channels);
        Checks.Length(input, inputShape.Length, "depthwise input");
        Checks.Length<sbyte>(output, outputShape.Length, "depthwise output");
        pixelCount = Checks.PixelRange(firstPixel, pixelCount, outputShape.Pixels);
        fixed (sbyte* x = input, y = output, zeroPoints = dw.ZeroPointRow)
        fixed (byte* weights = dw.Weights)
        fixed (int* bias = dw.Bias)
        fixed (float* multipliers = dw.Multipliers)
        {
            var op = new WindowOp(dw.Geometry, x, inputShape, y, dw.Channels, zeroPoints);
            var args = new DepthwiseArgs(weights, BlockBytes(dw.Layout, dw.Geometry.Taps), bias, multipliers, dw.Channels, dw.Output);
            kernels.Depthwise(op, args, firstPixel, pixelCount);
        }
    }
}

/// <summary>Pinned packed weights of a depthwise convolution.</summary>
internal readonly unsafe struct DepthwiseArgs(byte* weights, nint blockBytes, int* bias, float* multipliers, int channels, OutputQuant output)
{
    /// <summary>Packed weights (<see cref="DepthwiseLayout"/>); 16-channel blocks are <see cref="BlockBytes"/> apart.</summary>
    public readonly byte* Weights = weights;
    public readonly nint BlockBytes = blockBytes;
    public readonly int* Bias = bias;
    public readonly float* Multipliers = multipliers;
    public readonly int Channels = channels;
    public readonly OutputQuant Output = output;
}

/// <summary>A depthwise microkernel: a run of output pixels of one output row, all channels.</summary>
internal unsafe interface IDepthwiseRow
{
    /// <summary>The packed weight layout the microkernel reads.</summary>
    static abstract DepthwiseLayout Layout { get; }

    /// <summary>Computes <paramref name="pixels"/> output pixels into <paramref name="dst"/> (C bytes apart).
    /// <paramref name="taps"/> holds the input pixel under each tap for the first output pixel; for the next ones
    /// every tap moves by <paramref name="step"/> bytes (a run lies inside the input, or is one pixel long).</summary>
    static abstract void Run(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args);
}

/// <summary>Walks output rows: pixels whose window touches the padding one at a time (padding taps read the
/// zero-point row), the interior of each row as one run, so tap addresses are computed once per run (and slid along
/// from the pixel before in the interior columns of padded rows).</summary>
internal static unsafe class DepthwiseDriver
{
    /// <summary>Runs <typeparamref name="TRow"/> on output pixels [first, first + count) (flattened N x OH x OW).</summary>
    public static void Run<TRow>(in WindowOp op, in DepthwiseArgs args, int first, int count) where TRow : struct, IDepthwiseRow
    {
        ConvGeometry g = op.Geometry;
        Nhwc s = op.InputShape;
        int outputW = g.OutputW(s.W), outputH = g.OutputH(s.H);
        (int rowFirst, int rowLast) = g.InteriorRows(s.H);
        (int columnFirst, int columnLast) = g.InteriorColumns(s.W);
        nint step = (nint)g.StrideW * s.C;
        sbyte** taps = stackalloc sbyte*[g.Taps];
        int tapCount = 0, ox = first % outputW, oy = first / outputW % outputH, n = first / (outputW * outputH);
        bool previousInRow = false;   // taps hold the one-pixel run just left of (n, oy, ox)
        for (int p = first, end = first + count; p < end;)
        {
            bool interiorColumn = ox >= columnFirst && ox <= columnLast;
            int pixels = 1;
            if (interiorColumn && oy >= rowFirst && oy <= rowLast)
                pixels = Math.Min(columnLast + 1 - ox, end - p);
            if (previousInRow && ox > columnFirst && interiorColumn)
                Window.Slide(taps, tapCount, step, op.Padding);
            else
                tapCount = Window.Taps(g, op.Input, s, n, oy, ox, op.Padding, taps);
            TRow.Run(taps, tapCount, step, pixels, op.Output + (nint)p * op.OutputChannels, args);
            p += pixels;
            ox += pixels;
            previousInRow = pixels == 1 && ox < outputW;
            if (ox == outputW)
            {
                ox = 0;
                if (++oy == outputH) { oy = 0; n++; }
            }
        }
    }
}

/// <summary>One ISA's multiply-accumulate of a 16-channel block over all taps of one output pixel.</summary>
internal unsafe interface IDepthwiseMac
{
    /// <summary>The packed weight layout the MAC reads.</summary>
    static abstract DepthwiseLayout Layout { get; }

    /// <summary>acc += sum_t x_t[offset..offset+16) * w_t over <paramref name="tapCount"/> taps, where x_t starts at
    /// <c>taps[t] + offset</c> and <paramref name="weights"/> is the block's packed weights; with a
    /// <see cref="PartialBlock"/> only the first <paramref name="count"/> channels are read.</summary>
    static abstract void Accumulate<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock;

    /// <summary>The same for 8 channels (<see cref="FullBlock"/>) or fewer, into <see cref="Int32x16.C0"/> and <see cref="Int32x16.C1"/> only:
    /// half the arithmetic where C mod 16 &lt;= 8 (MobileNet-0.25's costliest depthwise layer, 112x112, has C = 8).</summary>
    static abstract void Accumulate8<TBlock>(ref Int32x16 acc, sbyte** taps, int tapCount, nint offset, byte* weights, nuint count)
        where TBlock : struct, IChannelBlock;
}

/// <summary>Whether a block of 16 (or, for the 8-channel forms, 8) channels is whole (plain vector loads) or a
/// shorter channel tail.</summary>
internal interface IChannelBlock
{
    static abstract bool Full { get; }
}

internal struct FullBlock : IChannelBlock
{
    public static bool Full => true;
}

internal struct PartialBlock : IChannelBlock
{
    public static bool Full => false;
}

/// <summary>Whether a block runs the 16-channel or the 8-channel (half the arithmetic) form of a MAC.</summary>
internal interface IBlockWidth
{
    static abstract bool Eight { get; }
}

internal struct Width16 : IBlockWidth
{
    public static bool Eight => false;
}

internal struct Width8 : IBlockWidth
{
    public static bool Eight => true;
}

internal static unsafe class ChannelBlock
{
    /// <summary>Loads the 16 channels at <paramref name="p"/>, or at a channel tail the first <paramref name="count"/>
    /// of them (zero-filled), never reading past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Load<TBlock>(sbyte* p, nuint count) where TBlock : struct, IChannelBlock
        => TBlock.Full ? Vector128.Load(p) : VectorIO.LoadPartial(ref *p, count);

    /// <summary>Loads 8 channels (<see cref="FullBlock"/>) or the first <paramref name="count"/> (&lt; 8) of them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<sbyte> Load8<TBlock>(sbyte* p, nuint count) where TBlock : struct, IChannelBlock
        => TBlock.Full ? Vector64.Load(p) : VectorIO.LoadPartial8(ref *p, count);
}

/// <summary>The vector row microkernel, generic over the ISA's MAC: per 16-channel block, every pixel of the run
/// with its accumulators in registers from the bias to the shared requantization.</summary>
internal unsafe struct DepthwiseRowC16<TMac> : IDepthwiseRow where TMac : struct, IDepthwiseMac
{
    public static DepthwiseLayout Layout => TMac.Layout;

    public static void Run(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args)
        => RunChannels(taps, tapCount, step, pixels, dst, args, 0);

    /// <summary><see cref="Run"/> for channels [<paramref name="c"/>, C) only (<paramref name="c"/> a multiple of
    /// 16), for row kernels that take the leading blocks themselves.</summary>
    public static void RunChannels(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args, nint c)
    {
        nint channels = args.Channels;
        for (; c + Depthwise.Block <= channels; c += Depthwise.Block)
            Block<FullBlock, Width16>(taps, tapCount, step, pixels, dst, args, c, Depthwise.Block);
        nuint rest = (nuint)(channels - c);
        if (rest > 8) Block<PartialBlock, Width16>(taps, tapCount, step, pixels, dst, args, c, rest);
        else if (rest == 8) Block<FullBlock, Width8>(taps, tapCount, step, pixels, dst, args, c, rest);
        else if (rest > 0) Block<PartialBlock, Width8>(taps, tapCount, step, pixels, dst, args, c, rest);
    }

    /// <summary>The channels [c, c + count) of every pixel of the run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Block<TBlock, TWidth>(sbyte** taps, int tapCount, nint step, int pixels, sbyte* dst, in DepthwiseArgs args,
        nint c, nuint count) where TBlock : struct, IChannelBlock where TWidth : struct, IBlockWidth
    {
        // Locals, not args' fields: the stores through dst would make the JIT reload those every pixel.
        byte* weights = args.Weights + c / Depthwise.Block * args.BlockBytes;
        int* bias = args.Bias + c;
        float* multipliers = args.Multipliers + c;
        var output = new VectorQuant(args.Output);
        nint channels = args.Channels, offset = c;
        for (sbyte* y = dst + c, end = y + pixels * channels; y < end; y += channels, offset += step)
        {
            Int32x16 acc = Int32x16.Load(ref *bias);
            Vector128<sbyte> result;
            if (TWidth.Eight)
            {
                TMac.Accumulate8<TBlock>(ref acc, taps, tapCount, offset, weights, count);
                result = acc.Requantize8(ref *multipliers, output);
            }
            else
            {
                TMac.Accumulate<TBlock>(ref acc, taps, tapCount, offset, weights, count);
                result = acc.Requantize(ref *multipliers, output);
            }
            if (!TBlock.Full) VectorIO.StorePartial(result, ref *y, count);
            else if (TWidth.Eight) result.GetLower().Store(y);
            else result.Store(y);
        }
    }
}
