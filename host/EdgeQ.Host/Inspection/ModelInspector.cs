using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Inspection;

/// <summary>What `edgeq inspect` prints: the optimized graph layer by layer (op, shape, MACs, parameters) and totals.</summary>
public static class ModelInspector
{
    private sealed record Row(int Index, Node Node, string Op, string Activation, string Shape, long Macs, long Parameters);

    private static List<Row> Rows(Graph graph) => graph.Nodes.Select((node, i) => new Row(
        i, node, node.OpType,
        node is IFusedActivation { Activation.Kind: not ActivationKind.None } fused ? fused.Activation.ToString() : "",
        string.Join(" ", node.Outputs.Select(ShapeText)), node.Macs, node.Parameters)).ToList();

    private static string ShapeText(Value v) => "[" + string.Join("x", v.Shape) + "]" + (v.Layout == Layout.Nhwc ? " NHWC" : "");

    private static readonly HashSet<int> NumericColumns = [0, 5, 6];

    public static string FormatTable(Graph graph)
    {
        var rows = Rows(graph);
        string[] header = ["#", "op", "activation", "name", "output", "MACs", "params"];
        var cells = rows.Select(r => new[]
        {
            r.Index.ToString(CultureInfo.InvariantCulture), r.Op, r.Activation, r.Node.Name, r.Shape,
            r.Macs.ToString("N0", CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
        }).ToList();
        int[] widths = header.Select((h, c) => cells.Select(row => row[c].Length).Append(h.Length).Max()).ToArray();
        var text = new StringWriter(CultureInfo.InvariantCulture);
        text.WriteLine($"inputs:  {string.Join(", ", graph.Inputs.Select(v => $"{v.Name} {ShapeText(v)}"))}");
        text.WriteLine($"outputs: {string.Join(", ", graph.Outputs.Select(v => $"{v.Name} {ShapeText(v)}"))}");
        text.WriteLine();
        TextTable.Write(text, [header, widths.Select(w => new string('-', w)).ToArray(), .. cells], rightAligned: NumericColumns);
        text.WriteLine();
        text.WriteLine($"{rows.Count} layers, {graph.TotalMacs.ToString("N0", CultureInfo.InvariantCulture)} MACs " +
            $"({graph.TotalMacs / 1e6:F1} M), {graph.TotalParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        return text.ToString();
    }

    public static string FormatJson(Graph graph)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("opset", graph.Opset);
            json.WriteNumber("total_macs", graph.TotalMacs);
            json.WriteNumber("parameters", graph.TotalParameters);
            WriteValues(json, "inputs", graph.Inputs);
            WriteValues(json, "outputs", graph.Outputs);
            json.WriteStartArray("layers");
            foreach (var row in Rows(graph))
            {
                json.WriteStartObject();
                json.WriteNumber("index", row.Index);
                json.WriteString("op", row.Op);
                json.WriteString("name", row.Node.Name);
                if (row.Activation.Length > 0) json.WriteString("activation", row.Activation);
                json.WriteStartArray("inputs");
                foreach (var input in row.Node.Inputs.Where(v => !v.IsConstant)) json.WriteStringValue(input.Name);
                json.WriteEndArray();
                WriteValues(json, "outputs", row.Node.Outputs);
                json.WriteNumber("macs", row.Macs);
                json.WriteNumber("parameters", row.Parameters);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValues(Utf8JsonWriter json, string property, IEnumerable<Value> values)
    {
        json.WriteStartArray(property);
        foreach (var value in values)
        {
            json.WriteStartObject();
            json.WriteString("name", value.Name);
            json.WriteStartArray("shape");
            foreach (int d in value.Shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            json.WriteString("layout", value.Layout == Layout.Nhwc ? "NHWC" : "plain");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
