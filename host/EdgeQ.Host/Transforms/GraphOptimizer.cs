using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;

namespace EdgeQ.Host.Transforms;

/// <summary>The host pipeline's fixed pass order from an imported ONNX graph to the NHWC graph the runtime executes.</summary>
public static class GraphOptimizer
{
    /// <summary>Imports an ONNX file and optimizes it.</summary>
    public static Graph Load(string path, ImportOptions? options = null) => Run(OnnxImporter.Load(path, options));

    public static Graph Run(Graph graph)
    {
        ConstantFolding.Run(graph);
        RemoveIdentities.Run(graph);
        FoldScaleAndBias.Run(graph);         // before BN folding: ConvTranspose -> Add(bias) -> BN
        FoldBatchNormalization.Run(graph);   // before fusion: Conv -> BN -> Relu
        MergePadIntoConv.Run(graph);
        RecognizeHardSwish.Run(graph);       // before fusion: the Clip inside it would fuse into its Add
        FuseActivations.Run(graph);
        ConvertToNhwc.Run(graph);
        SimplifyLayout.Run(graph);
        graph.RemoveDeadNodes();
        graph.InferShapes();                 // every pass must leave consistent static shapes
        return graph;
    }
}
