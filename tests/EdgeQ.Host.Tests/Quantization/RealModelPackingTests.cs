using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests.Quantization;

/// <summary>The PaddleOCR models (tools/fetch-models.sh): which lower to .eqm today and what stops the others.</summary>
public sealed class RealModelPackingTests(ITestOutputHelper output)
{
    private static PackResult Pack(string file, int height, int width)
    {
        string path = TestData.FetchedModel(Path.Combine("ocr-models", "assets", file));
        var graph = GraphOptimizer.Load(path, new ImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [1, 3, height, width] } });
        var samples = Enumerable.Range(0, 2).Select(seed => TestData.RandomTensor(graph.Inputs[0].Shape, seed)).ToList();
        return ModelPacker.Pack(graph, new TensorCalibrationData(samples), new PackOptions { Preprocessing = PreprocessingPresets.PaddleOcr, Labels = ["0", "180"] });
    }

    [Fact]
    public void TextDirectionClassifierWithHardSwishAndSqueezeExcitePacks()
    {
        var model = Pack("ch_ppocr_mobile_v2.0_cls_infer.onnx", 48, 192).Model;
        Assert.Equal(model, EqmReader.Read(EqmWriter.ToBytes(model)));
        var kinds = model.Operators.Select(o => o.Kind).ToList();
        output.WriteLine(string.Join(" ", kinds));
        // x * relu6(x + 3) / 6 arrives decomposed: Add (clamped), Mul, and the division folded into a Mul by 1/6.
        Assert.Contains(OpKind.Lut, kinds);                // squeeze-excite gate: conv + hard-sigmoid table
        Assert.Contains(OpKind.GlobalAveragePool, kinds);
        Assert.Contains(OpKind.FullyConnected, kinds);
        Assert.Equal(OpKind.Softmax, kinds[^1]);
        Assert.Equal(ElementType.Float32, model.Tensors[model.Outputs[0].Tensor].ElementType);
    }

    [Theory]   // det packs now: its ConvTranspose bias Adds fold, so its BNs do (StandaloneBatchNormalizationTests)
    [InlineData("ch_PP-OCRv4_rec_infer.onnx", 48, 320, "Transpose")]             // SVTR attention
    public void ModelsWithOpsTheRuntimeLacksFailNamingTheOp(string file, int height, int width, string op)
    {
        var error = Assert.Throws<NotSupportedException>(() => Pack(file, height, width));
        output.WriteLine(error.Message);
        Assert.Contains($"op {op}", error.Message);
    }
}
