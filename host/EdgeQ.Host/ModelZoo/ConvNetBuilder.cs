namespace EdgeQ.Host.ModelZoo;

/// <summary>The activations the architecture models use, each written as its standard ONNX op.</summary>
internal enum Nonlinearity { None, Relu, Relu6, HardSwish }

/// <summary>
/// Conv + BatchNormalization + activation blocks with seeded random weights. He-normal weights (std sqrt(gain / fan-in),
/// the gain undoing what the input's activation does to a unit Gaussian's mean square) keep the activation variance
/// near 1 layer after layer; BN statistics are non-trivial (mean, variance, scale and shift all differ from identity)
/// so BN folding is exercised, yet close enough to identity not to move that variance.
/// </summary>
internal sealed class ConvNetBuilder(string graphName, int seed, int opset = 14)
{
    private readonly Random random = new(seed);
    private readonly HashSet<string> scalars = [];
    private int layerCount;

    public OnnxModelWriter Writer { get; } = new(graphName, opset);

    /// <param name="inputActivation">The activation that produced the input (sets the He gain).</param>
    /// <param name="outputScale">Scales the BN output; residual branches use 0.5 so the residual stream grows slowly.</param>
    public string ConvBn(string x, Nonlinearity inputActivation, int inChannels, int outChannels, int kernel, int stride,
        Nonlinearity activation, int groups = 1, float outputScale = 1f)
    {
        string layer = $"conv{layerCount++}";
        int fanIn = inChannels / groups * kernel * kernel;
        string weights = Writer.Initializer(layer + ".weight", [outChannels, inChannels / groups, kernel, kernel],
            HeNormal(outChannels * fanIn, fanIn, inputActivation));
        int pad = kernel / 2;
        string conv = Writer.Node("Conv", [x, weights],
            ("kernel_shape", new[] { kernel, kernel }), ("strides", new[] { stride, stride }), ("pads", new[] { pad, pad, pad, pad }),
            ("group", groups));
        string normalized = Writer.Node("BatchNormalization", [conv,
            Writer.Initializer(layer + ".bn.scale", [outChannels], Uniform(outChannels, 0.8f * outputScale, 1.2f * outputScale)),
            Writer.Initializer(layer + ".bn.bias", [outChannels], Uniform(outChannels, -0.1f, 0.1f)),
            Writer.Initializer(layer + ".bn.mean", [outChannels], Uniform(outChannels, -0.1f, 0.1f)),
            Writer.Initializer(layer + ".bn.var", [outChannels], Uniform(outChannels, 0.8f, 1.2f))],
            ("epsilon", 1e-5f));
        return Activate(normalized, activation);
    }

    /// <summary>
    /// Squeeze-and-excitation as torchvision's MobileNetV3: GlobalAveragePool, 1x1 conv, ReLU, 1x1 conv, HardSigmoid,
    /// Mul. The gate's bias centres it near 0.9 so channels are reweighted without shrinking the signal block by block.
    /// </summary>
    public string SqueezeExcite(string x, int channels, int squeezeChannels)
    {
        string layer = $"se{layerCount++}";
        string pooled = Writer.Node("GlobalAveragePool", [x]);
        string squeezed = Activate(Conv1x1WithBias(pooled, layer + ".fc1", channels, squeezeChannels, biasCentre: 0f), Nonlinearity.Relu);
        string gate = Writer.Node("HardSigmoid", [Conv1x1WithBias(squeezed, layer + ".fc2", squeezeChannels, channels, biasCentre: 2.5f)],
            ("alpha", 1f / 6), ("beta", 0.5f));
        return Writer.Node("Mul", [x, gate]);
    }

    /// <summary>GlobalAveragePool and Flatten: [N, C, H, W] to [N, C].</summary>
    public string Pool(string x) => Writer.Node("Flatten", [Writer.Node("GlobalAveragePool", [x])], ("axis", 1));

    public string Linear(string x, Nonlinearity inputActivation, int inFeatures, int outFeatures, Nonlinearity activation)
    {
        string layer = $"fc{layerCount++}";
        string weights = Writer.Initializer(layer + ".weight", [outFeatures, inFeatures], HeNormal(outFeatures * inFeatures, inFeatures, inputActivation));
        string bias = Writer.Initializer(layer + ".bias", [outFeatures], Uniform(outFeatures, -0.1f, 0.1f));
        return Activate(Writer.Node("Gemm", [x, weights, bias], ("transB", 1)), activation);
    }

    public string Add(string a, string b) => Writer.Node("Add", [a, b]);

    private string Conv1x1WithBias(string x, string layer, int inChannels, int outChannels, float biasCentre)
    {
        string weights = Writer.Initializer(layer + ".weight", [outChannels, inChannels, 1, 1], HeNormal(outChannels * inChannels, inChannels, Nonlinearity.Relu));
        string bias = Writer.Initializer(layer + ".bias", [outChannels], Uniform(outChannels, biasCentre - 0.5f, biasCentre + 0.5f));
        return Writer.Node("Conv", [x, weights, bias], ("kernel_shape", new[] { 1, 1 }));
    }

    private string Activate(string x, Nonlinearity activation) => activation switch
    {
        Nonlinearity.None => x,
        Nonlinearity.Relu => Writer.Node("Relu", [x]),
        Nonlinearity.Relu6 => Writer.Node("Clip", [x, Scalar("relu6.min", 0f), Scalar("relu6.max", 6f)]),
        Nonlinearity.HardSwish => Writer.Node("HardSwish", [x]),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private string Scalar(string name, float value)
    {
        if (scalars.Add(name)) Writer.Initializer(name, [], [value]);
        return name;
    }

    private float[] Uniform(int count, float low, float high) =>
        Enumerable.Range(0, count).Select(_ => low + (high - low) * random.NextSingle()).ToArray();

    /// <summary>
    /// He initialisation: gain / fan-in is the variance that maps the input's mean square back to 1, where a unit
    /// Gaussian has mean square 1 after no activation, 1/2 after ReLU (and ReLU6) and 1/3 after hard-swish.
    /// </summary>
    private float[] HeNormal(int count, int fanIn, Nonlinearity inputActivation)
    {
        float gain = inputActivation switch { Nonlinearity.None => 1f, Nonlinearity.HardSwish => 3f, _ => 2f };
        return Normal(count, MathF.Sqrt(gain / fanIn));
    }

    /// <summary>Gaussian samples by the Box-Muller transform (System.Random with a seed is stable across .NET versions).</summary>
    private float[] Normal(int count, float std)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
        return values;
    }
}
