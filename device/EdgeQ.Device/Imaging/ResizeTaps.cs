namespace EdgeQ.Device.Imaging;

/// <summary>
/// Bilinear taps along one axis, computed once per frame size: output index i reads source indices First[i] and
/// Second[i] with 8-bit weights that sum to 256. Sample positions use half-pixel centres like the host's
/// ImagePreprocessor, <c>s = (i + offset + 0.5) / ratio - 0.5</c> clamped to the frame, where <c>offset</c> is the
/// centre crop's start in the resized frame.
/// </summary>
public sealed record ResizeTaps(int[] First, int[] Second, int[] FirstWeight, int[] SecondWeight)
{
    public const int WeightOne = 256;

    public static ResizeTaps Plan(int sourceSize, int resizedSize, int outputSize, int offset)
    {
        double ratio = resizedSize / (double)sourceSize;
        var taps = new ResizeTaps(new int[outputSize], new int[outputSize], new int[outputSize], new int[outputSize]);
        for (int i = 0; i < outputSize; i++)
        {
            double position = Math.Clamp((i + offset + 0.5) / ratio - 0.5, 0, sourceSize - 1);
            int first = (int)position;
            int secondWeight = (int)Math.Round((position - first) * WeightOne);
            taps.First[i] = first;
            taps.Second[i] = Math.Min(first + 1, sourceSize - 1);
            taps.SecondWeight[i] = secondWeight;
            taps.FirstWeight[i] = WeightOne - secondWeight;
        }
        return taps;
    }
}
