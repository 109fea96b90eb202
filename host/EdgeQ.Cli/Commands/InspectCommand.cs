using System.Globalization;
using System.CommandLine;
using EdgeQ.CommandLine;
using EdgeQ.Host.Inspection;
using EdgeQ.Host.Ir;
using EdgeQ.Host.Onnx;
using EdgeQ.Host.Transforms;

namespace EdgeQ.Cli.Commands;

/// <summary><c>edgeq inspect MODEL.onnx [--json]</c>: the imported graph after all passes, with MACs and parameters.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The float ONNX model to import" };
        var json = new Option<bool>("--json") { Description = "Print JSON (keys: total_macs, parameters, layers)" };
        var inputSize = InputSizeOption();
        var command = new Command("inspect", "Show the imported graph after the passes: ops, shapes, MACs and parameters per layer") { model, json, inputSize };
        command.SetAction(parse =>
        {
            var graph = LoadGraph(parse.GetValue(model)!, parse.GetValue(inputSize));
            var output = parse.InvocationConfiguration.Output;
            output.Write(parse.GetValue(json) ? ModelInspector.FormatJson(graph) + Environment.NewLine : ModelInspector.FormatTable(graph));
            return CommandErrors.Success;
        });
        return command;
    }

    /// <summary><c>--input-size HxW</c>, shared by the commands that import a model.</summary>
    public static Option<string?> InputSizeOption() =>
        new("--input-size") { Description = "Height x width (e.g. 640x640) for a model whose input size is not fixed" };

    /// <summary>Imports and optimizes a model; a model EdgeQ cannot read is the user's input problem, not a crash.</summary>
    public static Graph LoadGraph(FileInfo path, string? inputSize = null)
    {
        if (!path.Exists) throw new UsageException($"model not found: {path.FullName}");
        var options = new ImportOptions { InputSize = inputSize is null ? null : ParseSize(inputSize) };
        try
        {
            return GraphOptimizer.Load(path.FullName, options);
        }
        catch (OnnxImportException e) when (e.DynamicInput is not null)
        {
            throw new UsageException($"{path.Name}: input '{e.DynamicInput}' has no fixed size ({e.DynamicShape}); give one with --input-size HxW, e.g. --input-size 640x640");
        }
        catch (OnnxImportException e)
        {
            throw new UsageException($"{path.Name}: {e.Message}");
        }
    }

    private static (int Height, int Width) ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width) && height > 0 && width > 0)
            return (height, width);
        throw new UsageException($"--input-size: expected HEIGHTxWIDTH such as 640x640, not '{text}'");
    }
}
