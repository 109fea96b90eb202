using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Onnx.Proto;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using Google.Protobuf;

namespace EdgeQ.Host.Tests;

public sealed class OnnxImporterTests
{
    private static Graph Import(OnnxModelBuilder builder, ImportOptions? options = null) => OnnxImporter.Load(new MemoryStream(builder.Build()), options);

    [Fact]
    public void UnsupportedOperatorNamesOpNodeOpsetAndTheSupportedList()
    {
        var b = new OnnxModelBuilder(opset: 17).Input("x", 1, 4);
        b.Output(b.Node("Erf", ["x"]));
        var error = Assert.Throws<OnnxImportException>(() => Import(b));
        Assert.Contains("Erf node 'erf0' (opset 17)", error.Message);
        Assert.Contains("operator 'Erf' is not supported", error.Message);
        Assert.Contains("Supported operators: Abs, Add, AveragePool, BatchNormalization", error.Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(22)]
    public void OpsetsOutsideSevenToTwentyOneAreRejected(int opset)
    {
        var b = new OnnxModelBuilder(opset).Input("x", 1, 4);
        b.Output(b.Node("Relu", ["x"]));
        Assert.Contains($"opset {opset} is not supported", Assert.Throws<OnnxImportException>(() => Import(b)).Message);
    }

    [Fact]
    public void ExternalDataIsAClearError()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 4);
        var tensor = b.AddTensor(new TensorProto { Name = "w", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External });
        tensor.Dims.Add(4);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        b.Output(b.Node("Add", ["x", "w"]));
        Assert.Contains("tensor 'w' keeps its data in an external file", Assert.Throws<OnnxImportException>(() => Import(b)).Message);
    }

    [Fact]
    public void MalformedNodesAreImportErrorsNotCrashes()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 2, 5, 5);
        b.Output(b.Node("Conv", ["x", b.Random("w", [3, 2, 3, 3])], ("strides", new[] { 2 })));
        Assert.Contains("Conv node 'conv0' (opset 13): malformed node", Assert.Throws<OnnxImportException>(() => Import(b)).Message);

        var c = new OnnxModelBuilder().Input("x", 1, 2, 5, 5);
        c.Output(c.Node("Conv", ["x", c.Random("w", [3, 4, 3, 3])]));
        Assert.Contains("do not match 2 input channels", Assert.Throws<OnnxImportException>(() => Import(c)).Message);
    }

    [Fact]
    public void GarbageAndMissingFilesAreImportErrors()
    {
        Assert.Contains("not a valid ONNX model", Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(new MemoryStream([0x0a, 0xff, 0xff]))).Message);
        Assert.Contains("does not exist", Assert.Throws<OnnxImportException>(() => OnnxImporter.Load("/nonexistent/model.onnx")).Message);
    }

    [Fact]
    public void DynamicDimensionsNeedAShapeExceptTheBatch()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 3, 8, 8);
        b.Output(b.Node("Relu", ["x"]));
        var model = ModelProto.Parser.ParseFrom(b.Build());
        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
        dims[0].DimParam = "batch";
        dims[2].DimParam = "height";
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load(new MemoryStream(model.ToByteArray())));
        Assert.Contains("dynamic dimension 2 ('height')", error.Message);
        var graph = OnnxImporter.Load(new MemoryStream(model.ToByteArray()),
            new ImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [2, 3, 16, 8] } });
        Assert.Equal([2, 3, 16, 8], graph.Inputs[0].Shape);
    }

    [Fact]
    public void Float16TypedAndRawInitializersReadTheSameValues()
    {
        float[] values = [0.5f, -1.25f, 3f, 0.0999755859375f];   // exactly representable in float16
        var b = new OnnxModelBuilder().Input("x", 1, 4);
        b.Initializer("raw", [4], values);
        b.Initializer("typed", [4], values, raw: false);
        var half = b.AddTensor(new TensorProto { Name = "half", DataType = (int)TensorProto.Types.DataType.Float16 });
        half.Dims.Add(4);
        half.RawData = ByteString.CopyFrom(values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());
        var halfTyped = b.AddTensor(new TensorProto { Name = "half_typed", DataType = (int)TensorProto.Types.DataType.Float16 });
        halfTyped.Dims.Add(4);
        halfTyped.Int32Data.AddRange(values.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)));
        b.Output(b.Node("Add", [b.Node("Add", [b.Node("Add", [b.Node("Add", ["x", "raw"]), "typed"]), "half"]), "half_typed"]));
        var graph = GraphOptimizer.Run(Import(b));
        var y = new FloatExecutor(graph).Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([1, 4], new float[4]) });
        Assert.Equal(values.Select(v => 4 * v), y[graph.Outputs[0].Name].Floats);
    }

    [Fact]
    public void ConvWeightsAreStoredOhwiAndDepthwiseChannelsLast()
    {
        var b = new OnnxModelBuilder().Input("x", 1, 2, 5, 5);
        // OIHW weight w[o,i,h,w] = 1000*o + 100*i + 10*h + w, so the stored order is readable.
        float[] oihw = [.. from o in Enumerable.Range(0, 3) from i in Enumerable.Range(0, 2) from h in Enumerable.Range(0, 2) from w in Enumerable.Range(0, 2) select 1000f * o + 100 * i + 10 * h + w];
        var conv = b.Node("Conv", ["x", b.Initializer("w", [3, 2, 2, 2], oihw)]);
        b.Output(b.Node("Conv", [conv, b.Initializer("dw", [3, 1, 1, 2], [0, 1, 10, 11, 20, 21])], ("group", 3)));
        var convs = Import(b).Nodes.OfType<ConvNode>().ToList();
        Assert.Equal([3, 2, 2, 2], convs[0].Weights.Shape);
        Assert.Equal([0f, 100, 1, 101, 10, 110, 11, 111], convs[0].Weights.Floats.Take(8));   // o=0: h, w, then i innermost
        Assert.Equal(new float[3], convs[0].Bias);                                          // explicit zero bias
        Assert.True(convs[1].IsDepthwise);
        Assert.Equal([1, 1, 2, 3], convs[1].Weights.Shape);
        Assert.Equal([0f, 10, 20, 1, 11, 21], convs[1].Weights.Floats);
    }
}
