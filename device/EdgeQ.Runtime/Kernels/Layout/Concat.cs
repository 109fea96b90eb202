namespace EdgeQ.Runtime.Kernels;

/// <summary>One input of a channel concat: NHWC data with <see cref="Channels"/> channels, and the requantization
/// to the output's quantization when the two differ (null: same quantization, a pure move).</summary>
public readonly record struct ConcatInput(ReadOnlyMemory<sbyte> Data, int Channels, RequantizeParams? Requantize = null);

public static class Concat
{
    /// <summary>Concatenates NHWC tensors of <paramref name="pixels"/> pixels each along the channel axis.</summary>
    public static void Channels(KernelTable kernels, ReadOnlySpan<ConcatInput> inputs, int pixels, Span<sbyte> output)
    {
        int outputChannels = 0;
        foreach (ConcatInput input in inputs) outputChannels += input.Channels;
        int offset = 0;
        foreach (ConcatInput input in inputs)
        {
            Into(kernels, input.Data.Span, input.Channels, input.Requantize, output, offset, outputChannels, 0, pixels);
            offset += input.Channels;
        }
    }

    /// <summary>Writes pixels [firstPixel, firstPixel + pixelCount) of one input (<paramref name="channels"/> wide) into
    /// channels [channelOffset, channelOffset + channels) of an output <paramref name="outputChannels"/> wide.</summary>
    public static void Into(KernelTable kernels, ReadOnlySpan<sbyte> input, int channels, RequantizeParams? requantize,
        Span<sbyte> output, int channelOffset, int outputChannels, int firstPixel, int pixelCount)
    {
        if (channels < 1 || channelOffset < 0 || channelOffset + channels > outputChannels)
            throw new ArgumentException($"concat input of {channels} channels at {channelOffset} does not fit {outputChannels} output channels");
        Checks.Length(input, (long)(firstPixel + pixelCount) * channels, "concat input");
        Checks.Length<sbyte>(output, (long)(firstPixel + pixelCount) * outputChannels, "concat output");
        for (int p = firstPixel; p < firstPixel + pixelCount; p++)
        {
            ReadOnlySpan<sbyte> from = input.Slice(p * channels, channels);
            Span<sbyte> to = output.Slice(p * outputChannels + channelOffset, channels);
            if (requantize is { } q) RequantizeTensor.Run(kernels, from, q, to);
            else from.CopyTo(to);
        }
    }
}

public static class Pad
{
    /// <summary>Pads an NHWC tensor by <paramref name="before"/> / <paramref name="after"/> elements on each axis,
    /// filling with <paramref name="value"/> (the zero point for zero padding).</summary>
    public static void Run(ReadOnlySpan<sbyte> input, Nhwc shape, Nhwc before, Nhwc after, sbyte value, Span<sbyte> output)
    {
        shape.Validate("pad input");
        if (before.N < 0 || before.H < 0 || before.W < 0 || before.C < 0 || after.N < 0 || after.H < 0 || after.W < 0 || after.C < 0)
            throw new ArgumentException("negative padding is not supported");
        var os = new Nhwc(shape.N + before.N + after.N, shape.H + before.H + after.H, shape.W + before.W + after.W, shape.C + before.C + after.C);
        Checks.Length(input, shape.Length, "pad input");
        Checks.Length<sbyte>(output, os.Length, "pad output");
        output[..os.Length].Fill(value);
        for (int n = 0; n < shape.N; n++)
        for (int h = 0; h < shape.H; h++)
        for (int w = 0; w < shape.W; w++)
        {
            int dst = (((n + before.N) * os.H + h + before.H) * os.W + w + before.W) * os.C + before.C;
            input.Slice(((n * shape.H + h) * shape.W + w) * shape.C, shape.C).CopyTo(output[dst..]);
        }
    }
}
