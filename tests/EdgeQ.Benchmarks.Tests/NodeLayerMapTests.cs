using EdgeQ.Benchmarks.Layers;
using EdgeQ.Format.Tests;
using EdgeQ.Host.Export;

namespace EdgeQ.Benchmarks.Tests;

public class NodeLayerMapTests
{
    private static OnnxNode Node(string name, string op, string[] inputs, params string[] outputs) => new(name, op, inputs, outputs);

    /// <summary>
    /// What QdqExporter writes for .eqm tensors 0 (input), 1 (conv + relu), 2 (conv), 3 (lookup table of 2), 4 (the last
    /// conv) and a float output: each layer ends in a QuantizeLinear (Gather for the table) named by its tensor.
    /// </summary>
    private static readonly OnnxNode[] QdqExport =
    [
        Node("QuantizeLinear_0", "QuantizeLinear", ["input", "t0_scale", "t0_zero_point"], "q0"),
        Node("DequantizeLinear_0", "DequantizeLinear", ["q0", "t0_scale", "t0_zero_point"], "x0"),
        Node("DequantizeLinear_1", "DequantizeLinear", ["t5", "t5_scale", "t5_zero_point"], "w5"),
        Node("Conv_0", "Conv", ["x0", "w5", "b6"], "c0"),
        Node("Relu_0", "Relu", ["c0"], "r0"),
        Node("QuantizeLinear_1", "QuantizeLinear", ["r0", "t1_scale", "t1_zero_point"], "q1"),
        Node("DequantizeLinear_2", "DequantizeLinear", ["q1", "t1_scale", "t1_zero_point"], "x1"),
        Node("Conv_1", "Conv", ["x1", "w7", "b8"], "c1"),
        Node("QuantizeLinear_2", "QuantizeLinear", ["c1", "t2_scale", "t2_zero_point"], "q2"),
        Node("Cast_0", "Cast", ["q2"], "i2"),
        Node("Gather_0", "Gather", ["t3_table", "i2"], "q3"),
        Node("DequantizeLinear_3", "DequantizeLinear", ["q3", "t3_scale", "t3_zero_point"], "x3"),
        Node("Conv_10", "Conv", ["x3", "w9", "b10"], "c10"),
        Node("QuantizeLinear_3", "QuantizeLinear", ["c10", "t4_scale", "t4_zero_point"], "q4"),
        Node("DequantizeLinear_4", "DequantizeLinear", ["q4", "t4_scale", "t4_zero_point"], "x4"),
        Node("output", "Identity", ["x4"], "output"),
    ];

    private static readonly NodeLayerMap QdqMap = NodeLayerMap.ForQdqExport(QdqExport, layerOutputTensors: [1, 2, 3, 4]);

    [Theory]
    [InlineData("Conv_0", 0)]
    [InlineData("Conv_0_token_61", 0)]            // ORT's NHWC QLinearConv fused from Conv_0
    [InlineData("DequantizeLinear_1", 0)]         // weights dequantized per run where ORT kept a float Conv
    [InlineData("DequantizeLinear_2", 1)]         // an activation DequantizeLinear belongs to the op it feeds
    [InlineData("Conv_1_token_64", 1)]            // not Conv_10
    [InlineData("Conv_10_token_91", 3)]
    [InlineData("QuantizeLinear_2", 1)]
    [InlineData("Cast_0", 2)]                     // the lookup table's index arithmetic
    [InlineData("Gather_0", 2)]
    [InlineData("DequantizeLinear_2/duplicated", 1)]  // ORT's copy of a DequantizeLinear with two consumers
    [InlineData("DequantizeLinear_0", 0)]
    public void Qdq_export_nodes_walk_forward_to_the_layer_they_compute(string profiledNode, int layer) =>
        Assert.Equal(layer, QdqMap.LayerOf(profiledNode));

    [Theory]
    [InlineData("QuantizeLinear_0")]              // the input quantize: the graph input is no layer's output
    [InlineData("DequantizeLinear_4")]            // the float output
    [InlineData("Transpose")]                     // ORT's own layout nodes
    [InlineData("Transpose_token_142")]
    [InlineData("ReorderOutput")]
    public void Nodes_with_no_EdgeQ_counterpart_map_to_nothing(string profiledNode) => Assert.Null(QdqMap.LayerOf(profiledNode));

    [Fact]
    public void Every_op_of_a_real_QDQ_export_maps_to_the_eqm_operator_it_was_exported_from()
    {
        var model = TestModels.MobileNetLike();
        string path = Path.Combine(Path.GetTempPath(), $"edgeq-bench-tests-{Guid.NewGuid():N}.onnx");
        try
        {
            QdqExporter.WriteFile(model, path);
            var nodes = OnnxNode.ReadAll(path);
            var map = NodeLayerMap.ForQdqExport(nodes, [.. model.Operators.Select(op => op.Output)]);
            string[] mapped = [.. nodes.Where(n => n.OpType is "Conv" or "Gemm" or "Add" or "Gather" or "AveragePool" or "GlobalAveragePool" or "Reshape")
                .Select(n => map.LayerOf(n.Name) is { } layer ? model.Tensors[model.Operators[layer].Output].Name : "(none)")];
            // The lookup table is exported as Cast (its uint8 input is the index), Gather: the Gather lands on it.
            Assert.Equal(["conv1", "dw1", "pw1", "hswish", "dw2", "pw2", "residual", "pool", "gap", "flatten", "fc"], mapped);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Float_model_nodes_walk_back_to_the_layer_named_after_the_first_node_of_the_fusion()
    {
        // Conv -> BN -> Clip (one EdgeQ layer named after the conv's output), Conv -> HardSwish (conv "c:pre", Lut "c"),
        // Add of both branches, float GlobalAveragePool + Flatten.
        OnnxNode[] graph =
        [
            Node("conv1", "Conv", ["input", "w1"], "conv1"),
            Node("conv1_bn", "BatchNormalization", ["conv1", "g", "b", "m", "v"], "conv1_bn"),
            Node("conv1_relu", "Clip", ["conv1_bn", "min", "max"], "conv1_relu"),
            Node("conv2", "Conv", ["conv1_relu", "w2"], "c"),
            Node("hs", "HardSwish", ["c"], "h"),
            Node("sum", "Add", ["h", "conv1_relu"], "s"),
            Node("pool", "GlobalAveragePool", ["s"], "p"),
            Node("flat", "Flatten", ["p"], "f"),
        ];
        var map = NodeLayerMap.ForFloatModel(graph, ["conv1", "c:pre", "c", "s", "p", "f"]);
        Assert.Equal(0, map.LayerOf("conv1_relu_nchwc"));     // ORT's NCHWc conv, named after the fused Clip
        Assert.Equal(0, map.LayerOf("conv1_bn"));
        Assert.Equal(1, map.LayerOf("c_nchwc"));              // the conv itself goes to the conv, not to its Lut
        Assert.Equal(1, map.LayerOf("hs"));                   // the float activation walks back to the conv
        Assert.Equal(3, map.LayerOf("sum"));
        Assert.Equal(4, map.LayerOf("pool"));
        Assert.Equal(5, map.LayerOf("flat"));
        Assert.Null(map.LayerOf("ReorderInput"));
    }
}
