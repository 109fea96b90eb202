using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Onnx.Proto;
using EdgeQ.Host.Reference;
using EdgeQ.Host.Transforms;
using Xunit.Abstractions;

namespace EdgeQ.Host.Tests;

/// <summary>
/// The ONNX backend node tests from Debian's libonnx-testdata: every case whose operators EdgeQ supports is imported,
/// optimized (NHWC and all) and executed, and must match the expected outputs.
/// </summary>
public sealed class OnnxConformanceTests(ITestOutputHelper output)
{
    private const string NodeTests = "/usr/share/libonnx-testdata/data/node";
    private const double RelativeTolerance = 1e-3, AbsoluteTolerance = 1e-5;

    // Operands that are activations in EdgeQ graphs; every other non-first input (weights, shapes, axes, scales) is
    // static in EdgeQ's IR, so the harness binds it as a constant, as a real model's initializer would be.
    private static readonly HashSet<string> DataOperandOps = ["Add", "Sub", "Mul", "Div", "PRelu", "MatMul", "Concat"];

    [Fact]
    public void SupportedOperatorsMatchTheBackendNodeTests()
    {
        Assert.True(Directory.Exists(NodeTests), $"{NodeTests} is missing: install the Debian package libonnx-testdata (tools/setup.sh does)");
        var supported = OnnxImporter.SupportedOps.ToHashSet();
        var skippedOps = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var rejected = new List<string>();
        var failures = new List<string>();
        int ran = 0, passed = 0, skipped = 0;
        foreach (var dir in Directory.GetDirectories(NodeTests, "test_*").Order(StringComparer.Ordinal))
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
            var unsupported = model.Graph.Node.Where(n => n.Domain is not ("" or "ai.onnx") || !supported.Contains(n.OpType))
                .Select(n => n.OpType).Distinct().ToList();
            if (unsupported.Count > 0)
            {
                skipped++;
                foreach (var op in unsupported) skippedOps[op] = skippedOps.GetValueOrDefault(op) + 1;
                continue;
            }
            string name = Path.GetFileName(dir);
            try
            {
                string? outcome = RunCase(dir, model);
                if (outcome is null) { ran++; passed++; }
                else if (outcome.StartsWith("rejected", StringComparison.Ordinal)) rejected.Add($"{name}: {outcome}");
                else { ran++; failures.Add($"{name}: {outcome}"); }
            }
            catch (Exception e)
            {
                ran++;
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"ONNX node tests: {ran} ran, {passed} passed, {failures.Count} failed; {rejected.Count} rejected at import " +
            $"(a supported op with an unsupported feature, clear error); {skipped} skipped as unsupported");
        output.WriteLine("skipped op types: " + string.Join(", ", skippedOps.Select(kv => $"{kv.Key}({kv.Value})")));
        foreach (var line in rejected) output.WriteLine("rejected " + line);
        foreach (var line in failures) output.WriteLine("FAILED " + line);
        Assert.Empty(failures);
        Assert.True(passed >= 210, $"only {passed} node tests passed");
    }

    /// <summary>Runs every data set of one case; null when all match, else why not.</summary>
    private static string? RunCase(string dir, ModelProto model)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet();
        var graphInputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        foreach (var dataSet in Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal))
        {
            string? outcome;
            try { outcome = RunDataSet(dataSet, model, graphInputs); }
            catch (OnnxImportException e) { return "rejected: " + e.Message; }
            if (outcome is not null) return outcome;
        }
        return null;
    }

    private static string? RunDataSet(string dataSet, ModelProto model, List<ValueInfoProto> graphInputs)
    {
        var inputs = new Dictionary<string, TensorData>();
        var constants = new Dictionary<string, TensorData>();
        for (int i = 0; i < graphInputs.Count; i++)
        {
            string file = Path.Combine(dataSet, $"input_{i}.pb");
            // An omitted optional input, or a sequence/optional the importer will reject.
            if (!File.Exists(file) || graphInputs[i].Type.TensorType is null) continue;
            var tensor = TensorReader.Read(TensorProto.Parser.ParseFrom(File.ReadAllBytes(file)));
            (IsDataOperand(model.Graph, graphInputs[i].Name) ? inputs : constants)[graphInputs[i].Name] = tensor;
        }
        var graph = GraphOptimizer.Load(Path.Combine(Path.GetDirectoryName(dataSet)!, "model.onnx"), new ImportOptions { ConstantInputs = constants });
        var actual = OnnxLayout.Run(new FloatExecutor(graph), inputs);
        for (int k = 0; k < model.Graph.Output.Count; k++)
        {
            var expected = TensorReader.Read(TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dataSet, $"output_{k}.pb"))));
            string? mismatch = Compare(actual[model.Graph.Output[k].Name], expected);
            if (mismatch is not null) return $"{Path.GetFileName(dataSet)} output {k}: {mismatch}";
        }
        return null;
    }

    private static bool IsDataOperand(GraphProto graph, string input) =>
        graph.Node.Any(n => n.Input.IndexOf(input) == 0 || DataOperandOps.Contains(n.OpType) && n.Input.Contains(input));

    private static string? Compare(TensorData actual, TensorData expected)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape)) return $"shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}";
        if (expected.Type == ElementType.Int64)
            return actual.Type == ElementType.Int64 && actual.Longs.SequenceEqual(expected.Longs) ? null : "integer values differ";
        for (int i = 0; i < expected.Length; i++)
        {
            float a = actual.Floats[i], e = expected.Floats[i];
            if (float.IsNaN(e) ? !float.IsNaN(a) : !(Math.Abs(a - e) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e)))
                return $"element {i}: {a}, expected {e}";
        }
        return null;
    }
}
