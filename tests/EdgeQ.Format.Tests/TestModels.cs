using static EdgeQ.Format.ElementType;

namespace EdgeQ.Format.Tests;

/// <summary>
/// Three realistic small models, deterministic (seeded weights), that between them use every op kind:
/// a MobileNet-like classifier, a U-Net-like segmenter with two outputs, and a greyscale uint8 classifier.
/// </summary>
public static class TestModels
{
    public static IReadOnlyList<(string Name, Func<EqmModel> Build)> All =>
    [
        ("mobilenet-like", MobileNetLike),
        ("unet-like", UNetLike),
        ("fashion-grey", FashionGrey),
    ];

    public static readonly ImagePreprocessing ImageNet = new(
        ColorOrder.Rgb, ResizeMode.KeepAspectRatio, 0.875f, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    private static readonly string[] ImageNetStyleLabels = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead",
        "electric ray", "stingray", "cock", "hen", "ostrich"];

    public static EqmModel MobileNetLike()
    {
        var rng = new Random(1);
        var b = new EqmModelBuilder(new EqmMetadata("mobilenet-like", "edgeq 0.1.0 (tests)", "pi5",
            [new("wbits", "8"), new("bias-correction", "iterative"), new("calibration-images", "256")]));
        var relu6 = new OutputClamp(-128, 127);
        int x = b.SetInput("input", Int8, [1, 32, 32, 3], Act(0.0186f, -14), ImageNet);
        int conv1 = Conv(b, rng, "conv1", x, 3, 8, new Window2D(3, 3, 2, 2, Pads: new(1, 1, 1, 1)), 1, relu6, Act(0.0235f, -128));
        int dw1 = Depthwise(b, rng, "dw1", conv1, 8, new Window2D(3, 3, Pads: new(1, 1, 1, 1)), new OutputClamp(-128, 127), Act(0.03f, -128));
        int pw1 = Conv(b, rng, "pw1", dw1, 8, 16, new Window2D(1, 1), 1, OutputClamp.FullInt8, Act(0.05f, 3));
        int table = b.AddTable("hswish.table", RandomInt8(rng, 256, -128));
        int hswish = b.AddOperator(new LutParams(), [pw1, table], "hswish", Int8, Act(0.04f, -10));
        int dw2 = Depthwise(b, rng, "dw2", hswish, 16, new Window2D(3, 3, Pads: new(1, 1, 1, 1)), OutputClamp.FullInt8, Act(0.04f, 0));
        int pw2 = Conv(b, rng, "pw2", dw2, 16, 16, new Window2D(1, 1), 1, OutputClamp.FullInt8, Act(0.045f, -2));
        int add = b.AddOperator(new AddParams(OutputClamp.FullInt8), [hswish, pw2], "residual", Int8, Act(0.06f, -5));
        int pool = b.AddOperator(new AveragePool2DParams(new Window2D(2, 2, 2, 2), false, OutputClamp.FullInt8), [add], "pool", Int8, Act(0.06f, -5));
        int gap = b.AddOperator(new GlobalAveragePoolParams(OutputClamp.FullInt8), [pool], "gap", Int8, Act(0.03f, -7));
        int flat = b.AddOperator(new ReshapeParams([1, 16]), [gap], "flatten", Int8, Act(0.03f, -7));
        int logits = FullyConnected(b, rng, "fc", flat, 16, 10, Act(0.12f, 11));
        int probabilities = b.AddOperator(new SoftmaxParams(), [logits], "probabilities", Float32, null);
        b.AddOutput(logits, ImageNetStyleLabels);
        b.AddOutput(probabilities, ImageNetStyleLabels);
        return b.Build();
    }

    public static EqmModel UNetLike()
    {
        var rng = new Random(2);
        var b = new EqmModelBuilder(new EqmMetadata("unet-like", "edgeq 0.1.0 (tests)", "jetson-nano", [new("wbits", "6")]));
        var same3x3 = new Window2D(3, 3, Pads: new(1, 1, 1, 1));
        int x = b.SetInput("image", Int8, [1, 16, 16, 3], Act(0.0078f, 0),
            new ImagePreprocessing(ColorOrder.Bgr, ResizeMode.Stretch, 1f, [127.5f, 127.5f, 127.5f], [127.5f, 127.5f, 127.5f]));
        int encoder = Conv(b, rng, "enc", x, 3, 8, same3x3, 1, new OutputClamp(-20, 127), Act(0.02f, -20));
        int pooled = b.AddOperator(new MaxPool2DParams(new Window2D(2, 2, 2, 2)), [encoder], "maxpool", Int8, Act(0.02f, -20));
        int grouped = Conv(b, rng, "grouped", pooled, 8, 8, same3x3, 2, OutputClamp.FullInt8, Act(0.03f, 1));
        int up = TransposeConv(b, rng, "up", grouped, 8, 8, new Window2D(2, 2, 2, 2), Act(0.03f, 2));
        int skip = b.AddOperator(new ConcatParams(3), [up, encoder], "skip", Int8, Act(0.03f, 2));
        int padded = b.AddOperator(new PadParams([0, 1, 1, 0], [0, 1, 1, 0]), [skip], "pad", Int8, Act(0.03f, 2));
        int smooth = b.AddOperator(new AveragePool2DParams(new Window2D(3, 3), true, OutputClamp.FullInt8), [padded], "smooth", Int8, Act(0.025f, 0));
        int big = b.AddOperator(new ResizeParams(InterpolationMode.Bilinear, CoordinateTransform.HalfPixel, NearestRounding.RoundPreferFloor, 32, 32),
            [smooth], "upsample", Int8, Act(0.025f, 0));
        int gate = b.AddTensor(new EqmTensor("gate", Int8, [1, 1, 1, 16], Act(0.01f, -3), Bytes(RandomInt8(rng, 16, -128))));
        int gated = b.AddOperator(new MulParams(new OutputClamp(-100, 100)), [big, gate], "gated", Int8, Act(0.02f, 0));
        int classes = Conv(b, rng, "head", gated, 16, 2, new Window2D(1, 1), 1, OutputClamp.FullInt8, Act(0.1f, 0));
        int mask = b.AddOperator(new ResizeParams(InterpolationMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor, 64, 64),
            [classes], "mask", Int8, Act(0.1f, 0));
        int scores = b.AddOperator(new DequantizeParams(), [mask], "scores", Float32, null);
        b.AddOutput(mask, "background", "person");
        b.AddOutput(scores);
        return b.Build();
    }

    public static EqmModel FashionGrey()
    {
        var rng = new Random(3);
        var b = new EqmModelBuilder(new EqmMetadata("fashion-grey", "edgeq 0.1.0 (tests)", "", []));
        int x = b.SetInput("pixels", UInt8, [1, 28, 28, 1], Act(1f / 255, 0),
            new ImagePreprocessing(ColorOrder.Grey, ResizeMode.KeepAspectRatio, 1f, [0f], [255f]));
        int conv1 = Conv(b, rng, "conv1", x, 1, 4, new Window2D(5, 5), 1, new OutputClamp(0, 255), Act(0.05f, 0), UInt8);
        int pool = b.AddOperator(new MaxPool2DParams(new Window2D(2, 2, 2, 2)), [conv1], "pool", UInt8, Act(0.05f, 0));
        int dilated = Conv(b, rng, "conv2", pool, 4, 8, new Window2D(3, 3, DilationH: 2, DilationW: 2), 1, new OutputClamp(0, 255), Act(0.04f, 0), UInt8);
        int flat = b.AddOperator(new ReshapeParams([1, 8 * 8 * 8]), [dilated], "flatten", UInt8, Act(0.04f, 0));
        int logits = FullyConnected(b, rng, "fc", flat, 512, 10, Act(0.2f, 0));
        int probabilities = b.AddOperator(new SoftmaxParams(), [logits], "probabilities", Float32, null);
        b.AddOutput(probabilities, "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
        return b.Build();
    }

    /// <summary>
    /// The layer shapes of ../shared/data/models/mobilenet_v1_0.25_224.onnx (TF "SAME" padding on strided layers),
    /// with random weights: 470k parameters, too big for the corruption sweep but the size a real model has.
    /// </summary>
    public static EqmModel MobileNetV1Quarter()
    {
        var rng = new Random(4);
        var b = new EqmModelBuilder(new EqmMetadata("mobilenet_v1_0.25_224 (shapes)", "edgeq 0.1.0 (tests)", "pi4", []));
        var q = Act(0.02f, -5);
        int t = b.SetInput("input", Int8, [1, 224, 224, 3], q, ImageNet);
        t = Conv(b, rng, "conv0", t, 3, 8, new Window2D(3, 3, 2, 2, Pads: new(0, 0, 1, 1)), 1, OutputClamp.FullInt8, q);
        int channels = 8, block = 0;
        foreach (var (outChannels, stride) in new[] { (16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                     (128, 1), (128, 1), (128, 1), (256, 2), (256, 1) })
        {
            var pads = stride == 1 ? new Padding2D(1, 1, 1, 1) : new Padding2D(0, 0, 1, 1);
            t = Depthwise(b, rng, $"dw{++block}", t, channels, new Window2D(3, 3, stride, stride, Pads: pads), OutputClamp.FullInt8, q);
            t = Conv(b, rng, $"pw{block}", t, channels, outChannels, new Window2D(1, 1), 1, OutputClamp.FullInt8, q);
            channels = outChannels;
        }
        t = b.AddOperator(new GlobalAveragePoolParams(OutputClamp.FullInt8), [t], "gap", Int8, q);
        t = b.AddOperator(new ReshapeParams([1, 256]), [t], "flatten", Int8, q);
        t = FullyConnected(b, rng, "fc", t, 256, 1000, q);
        b.AddOutput(t, Enumerable.Range(0, 1000).Select(i => $"class {i}").ToArray());
        return b.Build();
    }

    public static EqmQuantization Act(float scale, int zeroPoint) => EqmQuantization.PerTensor(scale, zeroPoint);

    private static int Conv(EqmModelBuilder b, Random rng, string name, int x, int inChannels, int outChannels, Window2D window,
        int groups, OutputClamp clamp, EqmQuantization outputQuantization, ElementType outputType = Int8)
    {
        int w = b.AddWeights($"{name}.weight", [outChannels, window.KernelH, window.KernelW, inChannels / groups],
            PerChannel(rng, 0, outChannels), RandomWeights(rng, outChannels * window.KernelH * window.KernelW * inChannels / groups));
        int bias = b.AddBias($"{name}.bias", RandomBias(rng, outChannels));
        return b.AddOperator(new Conv2DParams(window, groups, clamp), [x, w, bias], name, outputType, outputQuantization);
    }

    private static int Depthwise(EqmModelBuilder b, Random rng, string name, int x, int channels, Window2D window,
        OutputClamp clamp, EqmQuantization outputQuantization)
    {
        int w = b.AddWeights($"{name}.weight", [1, window.KernelH, window.KernelW, channels], PerChannel(rng, 3, channels),
            RandomWeights(rng, window.KernelH * window.KernelW * channels));
        int bias = b.AddBias($"{name}.bias", RandomBias(rng, channels));
        return b.AddOperator(new DepthwiseConv2DParams(window, clamp), [x, w, bias], name, Int8, outputQuantization);
    }

    private static int TransposeConv(EqmModelBuilder b, Random rng, string name, int x, int inChannels, int outChannels, Window2D window,
        EqmQuantization outputQuantization)
    {
        int w = b.AddWeights($"{name}.weight", [outChannels, window.KernelH, window.KernelW, inChannels], PerChannel(rng, 0, outChannels),
            RandomWeights(rng, outChannels * window.KernelH * window.KernelW * inChannels));
        int bias = b.AddBias($"{name}.bias", RandomBias(rng, outChannels));
        return b.AddOperator(new TransposeConv2DParams(window, OutputClamp.FullInt8), [x, w, bias], name, Int8, outputQuantization);
    }

    private static int FullyConnected(EqmModelBuilder b, Random rng, string name, int x, int inputs, int outputs, EqmQuantization outputQuantization)
    {
        int w = b.AddWeights($"{name}.weight", [outputs, inputs], EqmQuantization.PerTensor(0.004f, 0), RandomWeights(rng, outputs * inputs));
        int bias = b.AddBias($"{name}.bias", RandomBias(rng, outputs));
        return b.AddOperator(new FullyConnectedParams(OutputClamp.FullInt8), [x, w, bias], name, Int8, outputQuantization);
    }

    private static EqmQuantization PerChannel(Random rng, int axis, int channels) =>
        EqmQuantization.PerChannel(axis, Enumerable.Range(0, channels).Select(_ => 0.001f + 0.05f * rng.NextSingle()).ToArray());

    private static sbyte[] RandomWeights(Random rng, int count) => RandomInt8(rng, count, -127);

    private static sbyte[] RandomInt8(Random rng, int count, int min) =>
        Enumerable.Range(0, count).Select(_ => (sbyte)rng.Next(min, 128)).ToArray();

    private static int[] RandomBias(Random rng, int count) => Enumerable.Range(0, count).Select(_ => rng.Next(-20000, 20000)).ToArray();

    public static byte[] Bytes(sbyte[] values) => values.Select(v => unchecked((byte)v)).ToArray();
}
