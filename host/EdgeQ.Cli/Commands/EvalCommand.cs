using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Packing;
using EdgeQ.Runtime;

namespace EdgeQ.Cli.Commands;

/// <summary>
/// <c>edgeq eval MODEL.onnx MODEL.eqm --images IMAGES [--labels FILE] [--json]</c>: the float model (reference
/// executor) and the int8 model (the device's kernels) on the same images, preprocessed as the .eqm says.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var onnx = new Argument<FileInfo>("model") { Description = "The float ONNX model" };
        var eqm = new Argument<FileInfo>("eqm") { Description = "The packed int8 model (its stored preprocessing is used for both)" };
        var images = new Option<string>("--images") { Description = "A folder of JPEG/PNG, a text file listing image paths, or an idx3 file", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "TSV with a header and columns file, class_index (or an idx1 label file)" };
        var count = new Option<int?>("--count") { Description = "Use this many images, spread over IMAGES (default: all)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: images, float_top1, int8_top1, top1_agreement, sqnr_db, cosine" };
        var inputSize = InspectCommand.InputSizeOption();
        var command = new Command("eval", "Compare a float ONNX model and its int8 .eqm: top-1, top-1 agreement, output SQNR and cosine similarity")
        {
            onnx, eqm, images, labels, count, json, inputSize,
        };
        command.SetAction(parse =>
        {
            var graph = InspectCommand.LoadGraph(parse.GetValue(onnx)!, parse.GetValue(inputSize));
            var eqmFile = parse.GetValue(eqm)!;
            if (!eqmFile.Exists) throw new UsageException($"model not found: {eqmFile.FullName}");
            using var model = PackCommand.Guarded(() => InferenceModel.Open(eqmFile.FullName));
            var source = PackCommand.Guarded(() => ImageSource.Open(parse.GetValue(images)!, model.Preprocessing, graph.Inputs[0].Shape, parse.GetValue(count)));
            var classes = parse.GetValue(labels) is { } file ? ReadLabels(file, source.Names) : null;
            var progress = ProgressBar.For(parse.InvocationConfiguration.Error);
            var report = PackCommand.Guarded(() => AccuracyEvaluator.Evaluate(graph, model, source.Data, classes, f => progress.Report(new PackProgress("evaluate", f))));
            progress.Done();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(Json(report)));
            else WriteTable(output, report);
            return CommandErrors.Success;
        });
        return command;
    }

    /// <summary>The keys of <c>--json</c> (and of the pack report's accuracy).</summary>
    public static Dictionary<string, object?> Json(AccuracyReport report) => new()
    {
        ["images"] = report.Images,
        ["float_top1"] = report.FloatTop1,
        ["int8_top1"] = report.Int8Top1,
        ["top1_agreement"] = report.Top1Agreement,
        ["sqnr_db"] = Math.Round(report.SqnrDb, 2),
        ["cosine"] = Math.Round(report.Cosine, 5),
    };

    public static void WriteTable(TextWriter output, AccuracyReport report)
    {
        string Percent(double? v) => v is { } x ? (100 * x).ToString("F1", CultureInfo.InvariantCulture) + " %" : "-";
        TextTable.Write(output,
        [
            ["model", "top-1", "top-1 agreement", "output SQNR", "cosine", "images"],
            ["float", Percent(report.FloatTop1), "", "", "", report.Images.ToString(CultureInfo.InvariantCulture)],
            ["int8", Percent(report.Int8Top1), Percent(report.Top1Agreement), report.SqnrDb.ToString("F1", CultureInfo.InvariantCulture) + " dB",
                report.Cosine.ToString("F4", CultureInfo.InvariantCulture), report.Images.ToString(CultureInfo.InvariantCulture)],
        ]);
    }

    /// <summary>Class index per image: from a TSV (columns file, class_index; matched by file name) or an idx1 file
    /// (by image index).</summary>
    private static int[] ReadLabels(FileInfo file, IReadOnlyList<string> names)
    {
        if (!file.Exists) throw new UsageException($"labels file not found: {file.FullName}");
        Dictionary<string, int> byName;
        if (IdxCalibrationData.IsIdxLabels(file.FullName))
            byName = IdxCalibrationData.ReadIdx(file.FullName, 0x801).Data.Select((c, i) => (c, i))
                .ToDictionary(p => p.i.ToString(CultureInfo.InvariantCulture), p => (int)p.c);
        else
        {
            var lines = File.ReadAllLines(file.FullName);
            var header = lines.FirstOrDefault()?.Split('\t') ?? [];
            int fileColumn = Array.IndexOf(header, "file"), classColumn = Array.IndexOf(header, "class_index");
            if (fileColumn < 0 || classColumn < 0)
                throw new UsageException($"{file.Name}: expected a TSV header with columns 'file' and 'class_index'");
            byName = [];
            foreach (var (line, number) in lines.Skip(1).Select((l, i) => (l, i + 2)).Where(p => p.l.Length > 0))
            {
                var cells = line.Split('\t');
                if (cells.Length <= Math.Max(fileColumn, classColumn) || !int.TryParse(cells[classColumn], CultureInfo.InvariantCulture, out int c))
                    throw new UsageException($"{file.Name} line {number}: expected a file name and an integer class_index");
                byName[Path.GetFileName(cells[fileColumn])] = c;
            }
        }
        return names.Select(n => byName.TryGetValue(n, out int c) ? c : throw new UsageException($"{file.Name} has no label for '{n}'")).ToArray();
    }
}
