namespace EdgeQ.Host.ModelZoo;

/// <summary>
/// Architecture-only ImageNet models (torchvision layouts, seeded random weights) for benchmarks: the real networks'
/// shapes, operators and MACs without a framework or a download. Input "input" [1, 3, 224, 224], one output [1, 1000].
/// </summary>
public static class ArchitectureModels
{
    public const string InputName = "input";
    public const int ImageSize = 224;
    private const int Classes = 1000;

    public static IReadOnlyDictionary<string, Func<int, byte[]>> ByName { get; } = new Dictionary<string, Func<int, byte[]>>
    {
        ["mobilenet_v2_1.0_224"] = MobileNetV2,
        ["mobilenet_v3_large_224"] = MobileNetV3Large,
    };

    /// <summary>MobileNetV2 1.0: inverted residuals (expansion 6, ReLU6, linear bottleneck, residual Add).</summary>
    public static byte[] MobileNetV2(int seed)
    {
        var net = new ConvNetBuilder("mobilenet_v2_1.0_224", seed);
        string x = net.Writer.Input(InputName, 1, 3, ImageSize, ImageSize);
        x = net.ConvBn(x, Nonlinearity.None, 3, 32, kernel: 3, stride: 2, Nonlinearity.Relu6);
        int channels = 32;
        var blockInput = Nonlinearity.Relu6;   // the stem's; every later block reads a linear bottleneck
        // (expansion t, output channels c, repeats n, first stride s), as in the paper's table 2.
        (int T, int C, int N, int S)[] stages = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
        foreach (var (expansion, outChannels, repeats, firstStride) in stages)
            for (int i = 0; i < repeats; i++)
            {
                int stride = i == 0 ? firstStride : 1;
                bool residual = stride == 1 && channels == outChannels;
                int hidden = channels * expansion;
                string y = expansion == 1 ? x : net.ConvBn(x, blockInput, channels, hidden, 1, 1, Nonlinearity.Relu6);
                y = net.ConvBn(y, expansion == 1 ? blockInput : Nonlinearity.Relu6, hidden, hidden, 3, stride, Nonlinearity.Relu6, groups: hidden);
                y = net.ConvBn(y, Nonlinearity.Relu6, hidden, outChannels, 1, 1, Nonlinearity.None, outputScale: residual ? 0.5f : 1f);
                x = residual ? net.Add(x, y) : y;
                channels = outChannels;
                blockInput = Nonlinearity.None;
            }
        x = net.ConvBn(x, Nonlinearity.None, channels, 1280, 1, 1, Nonlinearity.Relu6);
        return Finish(net, net.Linear(net.Pool(x), Nonlinearity.Relu6, 1280, Classes, Nonlinearity.None));
    }

    /// <summary>MobileNetV3-Large: hard-swish, squeeze-and-excitation, 5x5 depthwise, 1280-wide head.</summary>
    public static byte[] MobileNetV3Large(int seed)
    {
        const Nonlinearity RE = Nonlinearity.Relu, HS = Nonlinearity.HardSwish;
        var net = new ConvNetBuilder("mobilenet_v3_large_224", seed);
        string x = net.Writer.Input(InputName, 1, 3, ImageSize, ImageSize);
        x = net.ConvBn(x, Nonlinearity.None, 3, 16, kernel: 3, stride: 2, HS);
        int channels = 16;
        var blockInput = HS;   // the stem's; every later block reads a linear bottleneck
        // (kernel, expanded channels, output channels, squeeze-excite, activation, stride), torchvision's table.
        (int K, int Expanded, int Out, bool SE, Nonlinearity Act, int S)[] blocks =
        [
            (3, 16, 16, false, RE, 1), (3, 64, 24, false, RE, 2), (3, 72, 24, false, RE, 1),
            (5, 72, 40, true, RE, 2), (5, 120, 40, true, RE, 1), (5, 120, 40, true, RE, 1),
            (3, 240, 80, false, HS, 2), (3, 200, 80, false, HS, 1), (3, 184, 80, false, HS, 1), (3, 184, 80, false, HS, 1),
            (3, 480, 112, true, HS, 1), (3, 672, 112, true, HS, 1),
            (5, 672, 160, true, HS, 2), (5, 960, 160, true, HS, 1), (5, 960, 160, true, HS, 1),
        ];
        foreach (var (kernel, expanded, outChannels, squeezeExcite, activation, stride) in blocks)
        {
            bool residual = stride == 1 && channels == outChannels;
            bool expands = expanded != channels;
            string y = expands ? net.ConvBn(x, blockInput, channels, expanded, 1, 1, activation) : x;
            y = net.ConvBn(y, expands ? activation : blockInput, expanded, expanded, kernel, stride, activation, groups: expanded);
            if (squeezeExcite) y = net.SqueezeExcite(y, expanded, MakeDivisible(expanded / 4, 8));
            y = net.ConvBn(y, activation, expanded, outChannels, 1, 1, Nonlinearity.None, outputScale: residual ? 0.5f : 1f);
            x = residual ? net.Add(x, y) : y;
            channels = outChannels;
            blockInput = Nonlinearity.None;
        }
        x = net.ConvBn(x, Nonlinearity.None, channels, 960, 1, 1, HS);
        string features = net.Linear(net.Pool(x), HS, 960, 1280, HS);
        return Finish(net, net.Linear(features, HS, 1280, Classes, Nonlinearity.None));
    }

    /// <summary>torchvision's _make_divisible: round to a multiple of the divisor, never more than 10 % below.</summary>
    private static int MakeDivisible(int value, int divisor)
    {
        int rounded = Math.Max(divisor, (value + divisor / 2) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    private static byte[] Finish(ConvNetBuilder net, string logits)
    {
        net.Writer.Output(logits, 1, Classes);
        return net.Writer.ToBytes();
    }
}
