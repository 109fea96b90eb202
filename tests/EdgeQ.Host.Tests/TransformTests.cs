using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Host.Tests;

/// <summary>Each pass on a small graph: what it rewrites, and (through the whole pipeline) that ONNX Runtime agrees.</summary>
public sealed class TransformTests
{
    private static Graph Import(OnnxModelBuilder builder) => OnnxImporter.Load(new MemoryStream(builder.Build()));

    /// <summary>Runs the optimized graph and ONNX Runtime on the same random input; returns the relative difference.</summary>
    internal static double DifferenceFromOnnxRuntime(OnnxModelBuilder builder, int[] inputShape, Action<Graph>? inspect = null)
    {
        string path = builder.Save();
        try
        {
            var graph = GraphOptimizer.Load(path);
            inspect?.Invoke(graph);
            var feeds = new Dictionary<string, TensorData> { ["x"] = TestData.RandomTensor(inputShape, 7) };
            using var oracle = new OrtOracle(path);
            var expected = oracle.Run(feeds);
            var actual = OnnxLayout.Run(new FloatExecutor(graph), feeds);
            return expected.Max(kv => Difference.Of(actual[kv.Key].Floats, kv.Value.Floats).MaxRelative);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ConstantFoldingTurnsShapeChainsIntoConstants()
    {
        var graph = new Graph { Opset = 13 };
        var x = new Value("x", ElementType.Float32, [2, 3, 4, 4]);
        graph.Inputs.Add(x);
        Node Add(Node node, params Value[] inputs)
        {
            node.Inputs.AddRange(inputs);
            node.Outputs.Add(new Value(node.Name, ElementType.Float32, []));
            graph.Nodes.Add(node);
            node.InferShapes();
            return node;
        }
        var shape = Add(new ShapeNode("shape"), x);
        var batch = Add(new GatherNode("batch") { Axis = 0, Indices = TensorData.FromLongs([1], [0]) }, shape.Output);
        var minusOne = Value.FromConstant("minus_one", TensorData.FromLongs([1], [-1]));
        var target = Add(new ConcatNode("target") { Axis = 0 }, batch.Output, minusOne);
        var reshape = Add(new ReshapeNode("reshape") { TargetShape = [2, 48] }, x);
        graph.Outputs.Add(reshape.Output);
        graph.Outputs.Add(target.Output);

        Assert.Equal(3, ConstantFolding.Run(graph));
        Assert.Equal([reshape], graph.Nodes);
        Assert.Equal([2L, -1L], graph.Outputs[1].Constant!.Longs);
    }

    [Fact]
    public void ImportFoldsShapeChainsSoReshapeGetsAStaticShape()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 4, 4);
        var shape = b.Node("Shape", ["x"]);
        var batch = b.Node("Gather", [shape, b.Initializer("zero", [0L])], ("axis", 0));
        var target = b.Node("Concat", [batch, b.Initializer("minus_one", [-1L])], ("axis", 0));
        b.Output(b.Node("Reshape", ["x", target]));
        var graph = Import(b);
        Assert.Equal("Reshape", Assert.Single(graph.Nodes).OpType);
        Assert.Equal([1, 48], graph.Outputs[0].Shape);
    }

    [Fact]
    public void RemoveIdentitiesDropsIdentityAndDropout()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 2, 5, 5);
        var conv = b.Node("Conv", ["x", b.Random("w", [4, 2, 3, 3])]);
        var identity = b.Node("Identity", [conv]);
        b.Output(b.Node("Dropout", [identity]));
        var graph = Import(b);
        Assert.Equal(2, RemoveIdentities.Run(graph));
        Assert.Equal("Conv", Assert.Single(graph.Nodes).OpType);
        Assert.Equal("dropout2_out0", graph.Outputs[0].Name); // the graph output keeps its name
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 2, 5, 5]) < 1e-5);
    }

    private static OnnxModelBuilder WithBatchNorm(OnnxModelBuilder b, string input, int channels)
    {
        b.Output(b.Node("BatchNormalization", [input, b.Random($"gamma{channels}", [channels], 0.5f, 1f), b.Random($"beta{channels}", [channels]),
            b.Random($"mean{channels}", [channels]), b.Random($"var{channels}", [channels], 0.2f, 0.5f)], ("epsilon", 1e-3f)));
        return b;
    }

    [Theory]
    [InlineData(1)]   // regular conv, OHWI
    [InlineData(4)]   // depthwise, [1,KH,KW,C]
    [InlineData(2)]   // grouped
    public void FoldBatchNormalizationIntoConv(int group)
    {
        var b = new OnnxModelBuilder().Input("x", 1, 4, 6, 6);
        var conv = b.Node("Conv", ["x", b.Random("w", [4, 4 / group, 3, 3]), b.Random("bias", [4])], ("group", group), ("pads", new[] { 1, 1, 1, 1 }));
        WithBatchNorm(b, conv, 4);
        var graph = Import(b);
        Assert.Equal(1, FoldBatchNormalization.Run(graph));
        Assert.IsType<ConvNode>(Assert.Single(graph.Nodes));
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 4, 6, 6]) < 1e-5);
    }

    [Fact]
    public void FoldBatchNormalizationIntoGroupedConvTransposeAndGemm()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 4, 3, 3);
        var deconv = b.Node("ConvTranspose", ["x", b.Random("w", [4, 3, 2, 2])], ("group", 2), ("strides", new[] { 2, 2 }));
        WithBatchNorm(b, deconv, 6);
        Assert.Equal(1, FoldBatchNormalization.Run(Import(b)));
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 4, 3, 3]) < 1e-5);

        var g = new OnnxModelBuilder().Input("x", 2, 8);
        WithBatchNorm(g, g.Node("Gemm", ["x", g.Random("w", [5, 8])], ("transB", 1)), 5);
        Assert.Equal(1, FoldBatchNormalization.Run(Import(g)));
        Assert.True(DifferenceFromOnnxRuntime(g, [2, 8]) < 1e-5);
    }

    [Fact]
    public void FoldScaleAndBiasTakesScalarAndPerChannelAffineStepsIntoTheLayerBeforeItsActivation()
    {
        // PP-LCNet's learnable affine block: Conv -> Mul(scalar) -> Add(scalar) -> HardSwish, constants on either side.
        var b = new OnnxModelBuilder(opset: 14).Input("x", 1, 4, 6, 6);
        string conv = b.Node("Conv", ["x", b.Random("w", [4, 1, 3, 3]), b.Random("bias", [4])], ("group", 4), ("pads", new[] { 1, 1, 1, 1 }));
        string scaled = b.Node("Mul", [b.Initializer("scale", [1], [1.7f]), conv]);
        string shifted = b.Node("Add", [scaled, b.Initializer("shift", [1], [-0.4f])]);
        string perChannel = b.Node("Mul", [shifted, b.Random("channel_scale", [1, 4, 1, 1], -2f, 2f)]);
        b.Output(b.Node("HardSwish", [perChannel]));
        Assert.Equal(3, FoldScaleAndBias.Run(Import(b)));
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 4, 6, 6], graph =>
        {
            var layer = Assert.IsType<ConvNode>(Assert.Single(graph.Nodes));
            Assert.Equal(ActivationKind.HardSwish, layer.Activation.Kind);
        }) < 1e-5);
    }

    [Fact]
    public void FoldScaleAndBiasLeavesAMulAfterAnActivationOrOfAnotherShape()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 4, 6, 6);
        string conv = b.Node("Relu", [b.Node("Conv", ["x", b.Random("w", [4, 4, 1, 1])])]);
        string afterActivation = b.Node("Mul", [conv, b.Initializer("scale", [1], [2f])]);
        string other = b.Node("Conv", ["x", b.Random("w2", [4, 4, 1, 1])]);
        b.Output(b.Node("Mul", [other, b.Random("spatial", [1, 1, 6, 6])]));   // per pixel, not per channel
        b.Output(afterActivation);
        Assert.Equal(0, FoldScaleAndBias.Run(Import(b)));
    }

    [Fact]
    public void MergePadIntoConvAddsSpatialPadding()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 2, 5, 5);
        var pad = b.Node("Pad", ["x", b.Initializer("pads", [0L, 0, 0, 1, 0, 0, 1, 2])]);
        b.Output(b.Node("Conv", [pad, b.Random("w", [3, 2, 3, 3])], ("pads", new[] { 1, 0, 0, 0 })));
        var graph = Import(b);
        Assert.Equal(1, MergePadIntoConv.Run(graph));
        var conv = Assert.IsType<ConvNode>(Assert.Single(graph.Nodes));
        Assert.Equal((1, 1, 1, 2), (conv.Window.PadTop, conv.Window.PadLeft, conv.Window.PadBottom, conv.Window.PadRight));
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 2, 5, 5]) < 1e-5);
    }

    [Fact]
    public void FuseActivationsIntoConvGemmAndAddOnly()
    {
        var b = new OnnxModelBuilder(opset: 14).Input("x", 1, 3, 6, 6);
        var relu6 = b.Node("Clip", [b.Node("Conv", ["x", b.Random("w1", [3, 3, 1, 1])]), b.Initializer("lo", [], [0f]), b.Initializer("hi", [], [6f])]);
        var hsig = b.Node("HardSigmoid", [b.Node("Conv", [relu6, b.Random("w2", [3, 3, 1, 1])])]);
        var added = b.Node("Relu", [b.Node("Add", [hsig, relu6])]);
        var product = b.Node("Relu", [b.Node("Mul", [added, relu6])]); // the runtime fuses into Add, not Mul
        b.Output(b.Node("HardSwish", [b.Node("Conv", [product, b.Random("w3", [3, 3, 1, 1])])]));
        var graph = Import(b);
        Assert.Equal(4, FuseActivations.Run(graph));
        Assert.Equal(["Conv", "Conv", "Add", "Mul", "Relu", "Conv"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal([ActivationKind.Clip, ActivationKind.HardSigmoid, ActivationKind.Relu, ActivationKind.HardSwish],
            graph.Nodes.OfType<IFusedActivation>().Select(n => n.Activation.Kind).Where(k => k != ActivationKind.None));
        Assert.True(DifferenceFromOnnxRuntime(b, [1, 3, 6, 6]) < 1e-5);
    }

    [Fact]
    public void RecognizeHardSwishInBothDecompositions()
    {
        var b = new OnnxModelBuilder(opset: 11).Input("x", 1, 3, 4, 4);
        var conv = b.Node("Conv", ["x", b.Random("w", [3, 3, 1, 1])]);
        var clip = b.Node("Clip", [b.Node("Add", [conv, b.Initializer("three", [], [3f])]), b.Initializer("lo", [], [0f]), b.Initializer("hi", [], [6f])]);
        var paddle = b.Node("Div", [b.Node("Mul", [conv, clip]), b.Initializer("six", [], [6f])]);
        var gated = b.Node("Mul", [b.Node("HardSigmoid", [paddle], ("alpha", 1f / 6), ("beta", 0.5f)), paddle]);
        b.Output(b.Node("Mul", [gated, b.Node("HardSigmoid", [gated])]));   // default alpha 0.2: not hard-swish
        var graph = Import(b);
        Assert.Equal(2, RecognizeHardSwish.Run(graph));
        Assert.Equal(["Conv", "HardSwish", "HardSwish", "HardSigmoid", "Mul"], graph.Nodes.Select(n => n.OpType));
        double difference = DifferenceFromOnnxRuntime(b, [1, 3, 4, 4], optimized =>
            Assert.Equal(ActivationKind.HardSwish, optimized.Nodes.OfType<ConvNode>().Single().Activation.Kind));
        Assert.True(difference < 1e-5);
    }

    [Fact]
    public void ConvertToNhwcRemapsAxesAndKeepsOnnxResults()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        var a = b.Node("Conv", ["x", b.Random("wa", [4, 3, 3, 3])], ("pads", new[] { 1, 1, 1, 1 }));
        var c = b.Node("MaxPool", ["x"], ("kernel_shape", new[] { 1, 1 }));
        var joined = b.Node("Concat", [a, c], ("axis", 1));
        var scaled = b.Node("Mul", [joined, b.Random("per_channel", [7, 1, 1])]);   // broadcast over C
        var sliced = b.Node("Slice", [scaled, b.Initializer("starts", [1L, 2]), b.Initializer("ends", [6L, 8]), b.Initializer("axes", [1L, 3])]);
        var softmax = b.Node("Softmax", [sliced], ("axis", 1));
        var flat = b.Node("Flatten", [softmax]);
        b.Output(b.Node("Gemm", [flat, b.Random("fc", [5, 5 * 8 * 6])], ("transB", 1)));
        double difference = DifferenceFromOnnxRuntime(b, [1, 3, 8, 8], graph =>
        {
            Assert.Equal(Layout.Nhwc, graph.Inputs[0].Layout);
            Assert.Equal(3, graph.Nodes.OfType<ConcatNode>().Single().Axis);
            Assert.Equal(3, graph.Nodes.OfType<SoftmaxNode>().Single().Axis);
            // Flatten of a real NHWC tensor needs ONNX order back: exactly one Transpose, in front of the Flatten.
            Assert.Single(graph.Nodes.OfType<TransposeNode>());
        });
        Assert.True(difference < 1e-5);
    }

    [Fact]
    public void SimplifyLayoutResolvesNoOpTransposesAndReshapes()
    {
        var graph = new Graph();
        var x = new Value("x", ElementType.Float32, [1, 1, 1, 8]);
        graph.Inputs.Add(x);
        Value Add(Node node, Value input)
        {
            node.Inputs.Add(input);
            node.Outputs.Add(new Value(node.Name, ElementType.Float32, []));
            graph.Nodes.Add(node);
            node.InferShapes();
            return node.Output;
        }
        var relu = Add(new ActivationNode("relu") { Activation = Activation.Relu }, x);
        var moved = Add(new TransposeNode("size1") { Perm = Nhwc.ToNchw }, relu);   // [1,8,1,1]: same data order
        var flat = Add(new ReshapeNode("flat") { TargetShape = [1, 8] }, moved);
        var there = Add(new TransposeNode("there") { Perm = [1, 0] }, flat);
        var back = Add(new TransposeNode("back") { Perm = [1, 0] }, there);
        graph.Outputs.Add(back);
        SimplifyLayout.Run(graph);
        graph.InferShapes();
        Assert.Equal(["Relu", "Reshape"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal([1, 8], graph.Outputs[0].Shape);
        Assert.Equal("back", graph.Outputs[0].Name);
    }
}
