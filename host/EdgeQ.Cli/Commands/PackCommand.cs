using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeQ.Cli.Reporting;
using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Correction;
using EdgeQ.Host.Evaluation;
using EdgeQ.Host.Packing;
using EdgeQ.Host.Quantization;
using EdgeQ.Runtime;

namespace EdgeQ.Cli.Commands;

/// <summary>
/// <c>edgeq pack MODEL.onnx --calib IMAGES --out MODEL.eqm</c>: calibrate, quantize, correct the bias, write the .eqm.
/// With no model it packs the bundled Fashion-MNIST fixture and prints its accuracy table.
/// </summary>
public static class PackCommand
{
    /// <summary>The bundled fixture (repository paths): model, its record, images and labels.</summary>
    private const string FixtureModel = "models/fmnist_mobilenetv2.onnx", FixtureImages = "data/fmnist-test-2000-images-idx3-ubyte",
        FixtureLabels = "data/fmnist-test-2000-labels-idx1-ubyte";
    /// <summary>The fixture calibrates on its first 1000 images and is evaluated on the other 1000.</summary>
    private const int FixtureHeldOutFrom = 1000;
    private static readonly string[] FixtureClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly Dictionary<string, ImagePreprocessing> Presets = new()
    {
        ["imagenet-torch"] = PreprocessingPresets.ImageNetTorch,
        ["symmetric"] = PreprocessingPresets.SymmetricUnit,
        // Grey images replicated to 3 channels (the idx reader pads 28 -> 32; a camera frame is stretched).
        ["fmnist"] = new(ColorOrder.Rgb, ResizeMode.Stretch, 1f, [72.94f, 72.94f, 72.94f], [90.02f, 90.02f, 90.02f]),
    };

    private static readonly PackOptions Defaults = new() { Preprocessing = PreprocessingPresets.ImageNetTorch };

    public static Command Create()
    {
        var model = new Argument<FileInfo?>("model") { Description = "The float ONNX model (none: the bundled Fashion-MNIST fixture)", Arity = ArgumentArity.ZeroOrOne };
        var calib = new Option<string?>("--calib") { Description = "Calibration images: a folder of JPEG/PNG, a text file listing image paths, or an idx3 file" };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "The .eqm file to write (default: MODEL.eqm in the current folder)" };
        var board = new Option<string>("--board") { Description = "Board profile id stored in the model (e.g. pi5)", DefaultValueFactory = _ => "" };
        var weights = new Option<string>("--weights") { Description = "Weight scales: per-channel or per-tensor", DefaultValueFactory = _ => "per-channel" };
        weights.AcceptOnlyFromAmong("per-channel", "per-tensor");
        var wbits = new Option<int>("--wbits") { Description = "Weight bits: 8, 6 or 4 (stored as int8)", DefaultValueFactory = _ => 8 };
        wbits.AcceptOnlyFromAmong("8", "6", "4");
        var equalize = new Option<bool>("--equalize") { Description = "Cross-layer equalization before quantization (per-tensor weights need it)" };
        var calibration = new Option<string>("--calibration") { Description = "Activation ranges: minmax, percentile or mse", DefaultValueFactory = _ => "percentile" };
        calibration.AcceptOnlyFromAmong("minmax", "percentile", "mse");
        var calibCount = new Option<int>("--calib-count") { Description = "Calibration images to use, spread over IMAGES", DefaultValueFactory = _ => 256 };
        var correctionCount = new Option<int>("--correction-count") { Description = "Of those, images bias correction (iterative, finetune) runs", DefaultValueFactory = _ => 128 };
        var biasCorrection = new Option<string>("--bias-correction") { Description = "none, iterative (int8 runtime), finetune (iterative, then biases trained to match the float output) or analytic (BatchNorm priors, no images)", DefaultValueFactory = _ => "iterative" };
        biasCorrection.AcceptOnlyFromAmong("none", "iterative", "finetune", "analytic");
        var fineTuneSteps = new Option<int>("--finetune-steps") { Description = $"Bias fine-tuning: Adam steps (batches of {FineTuningSettings.DefaultBatchSize} correction images)", DefaultValueFactory = _ => Defaults.FineTuneSteps };
        var fineTuneRate = new Option<double>("--finetune-lr") { Description = "Bias fine-tuning: learning rate, in output quantization steps of each layer", DefaultValueFactory = _ => Defaults.FineTuneLearningRate };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean R,G,B in pixel units 0..255 (x = (pixel - mean) / std)" };
        var std = new Option<string?>("--std") { Description = "Per-channel std R,G,B in pixel units 0..255" };
        var bgr = new Option<bool>("--bgr") { Description = "The model takes blue-first channels" };
        var cropFraction = new Option<float?>("--crop-fraction") { Description = "Resize the shorter side to size / fraction, then centre-crop (default 0.875)" };
        var preset = new Option<string?>("--preset") { Description = $"Preprocessing preset: {string.Join(", ", Presets.Keys)}" };
        preset.AcceptOnlyFromAmong([.. Presets.Keys]);
        var labels = new Option<FileInfo?>("--labels") { Description = "Class names, one a line, stored in the model" };
        var inputSize = InspectCommand.InputSizeOption();
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.json (per-layer correction figures and SQNR, accuracy) and report.html (the same with plots) into this folder" };
        var command = new Command("pack", "Calibrate, quantize to int8, correct quantization bias and write an .eqm model")
        {
            model, calib, output, board, weights, wbits, equalize, calibration, calibCount, correctionCount, biasCorrection,
            fineTuneSteps, fineTuneRate, mean, std, bgr, cropFraction, preset, labels, inputSize, report,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var stdout = parse.InvocationConfiguration.Output;
            var modelFile = parse.GetValue(model);
            bool fixture = modelFile is null;
            string modelPath = fixture ? RepositoryFile(FixtureModel) : modelFile!.FullName;
            string images = parse.GetValue(calib) ?? (fixture ? RepositoryFile(FixtureImages)
                : throw new UsageException("--calib IMAGES is required (a folder of JPEG/PNG, a list file or an idx file)"));
            var preprocessing = Preprocessing(fixture ? "fmnist" : parse.GetValue(preset), parse.GetValue(mean), parse.GetValue(std),
                parse.GetValue(bgr), parse.GetValue(cropFraction), error);
            var options = new PackOptions
            {
                Preprocessing = preprocessing,
                Board = parse.GetValue(board)!,
                Weights = parse.GetValue(weights) == "per-tensor" ? WeightGranularity.PerTensor : WeightGranularity.PerChannel,
                WeightBits = parse.GetValue(wbits),
                Equalize = parse.GetValue(equalize),
                Calibration = Enum.Parse<CalibrationMethod>(parse.GetValue(calibration)!, ignoreCase: true),
                CalibrationImages = parse.GetValue(calibCount),
                CorrectionImages = parse.GetValue(correctionCount),
                BiasCorrection = Enum.Parse<BiasCorrectionMethod>(parse.GetValue(biasCorrection)!, ignoreCase: true),
                FineTuneSteps = parse.GetValue(fineTuneSteps),
                FineTuneLearningRate = parse.GetValue(fineTuneRate),
                Labels = fixture ? FixtureClasses : ReadLines(parse.GetValue(labels)),
                Name = Path.GetFileNameWithoutExtension(modelPath),
            };
            string outPath = parse.GetValue(output)?.FullName ?? Path.GetFullPath(Path.GetFileNameWithoutExtension(modelPath) + ".eqm");
            // Checked before the minutes of calibration and correction, not when the file is written.
            if (!Directory.Exists(Path.GetDirectoryName(outPath)))
                throw new UsageException($"--out: the folder {Path.GetDirectoryName(outPath)} does not exist");

            var graph = InspectCommand.LoadGraph(new FileInfo(modelPath), parse.GetValue(inputSize));
            var progress = ProgressBar.For(error);
            var clock = Stopwatch.StartNew();
            var result = Guarded(() =>
            {
                var calibrationImages = ImageSource.Open(images, preprocessing, graph.Inputs[0].Shape, options.CalibrationImages,
                    fixture ? ..FixtureHeldOutFrom : null).Data;
                var priors = options.BiasCorrection == BiasCorrectionMethod.Analytic ? AnalyticBiasCorrection.ReadPriors(modelPath) : null;
                return ModelPacker.Pack(graph, calibrationImages, options, progress, priors);
            });
            var packTime = clock.Elapsed;
            progress.Done();
            EqmWriter.WriteFile(result.Model, outPath);
            stdout.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length / 1024.0:F0} KiB) in {packTime.TotalSeconds:F1} s; " +
                $"bias correction {parse.GetValue(biasCorrection)}: {result.CorrectedLayers.Count} layers corrected" +
                (result.Corrections.Any(c => !c.Accepted) ? $", {result.Corrections.Count(c => !c.Accepted)} rejected on held-out images (names in --report)" : ""));
            if (result.FineTuning is { } tuning)
                stdout.WriteLine($"fine-tuning: {tuning.Steps} steps on {tuning.TrainingImages} images, loss {tuning.FirstLoss:G3} -> {tuning.LastLoss:G3}" +
                    (tuning.HeldOutSqnrBefore is { } heldBefore ? $"; int8 output SQNR on {tuning.HeldOutImages} held-out images {heldBefore:F1} -> {tuning.HeldOutSqnrAfter:F1} dB" : "") +
                    (tuning.Accepted ? "" : ", worse: rejected, the iteratively corrected biases are kept"));

            AccuracyReport? accuracy = null;
            ImageSource? evaluation = null;
            if (fixture)
            {
                evaluation = ImageSource.Open(images, preprocessing, graph.Inputs[0].Shape, idxRange: FixtureHeldOutFrom..);
                var classes = IdxCalibrationData.ReadIdx(RepositoryFile(FixtureLabels), 0x801).Data;
                using var int8 = InferenceModel.Load(result.Model);
                // A fresh float graph: --equalize rewrote the packed one's weights.
                accuracy = AccuracyEvaluator.Evaluate(InspectCommand.LoadGraph(new FileInfo(modelPath), parse.GetValue(inputSize)), int8, evaluation.Data,
                    [.. evaluation.Names.Select(n => (int)classes[int.Parse(n, CultureInfo.InvariantCulture)])],
                    f => progress.Report(new PackProgress("evaluate", f)));
                progress.Done();
                stdout.WriteLine($"accuracy on the fixture's held-out images {FixtureHeldOutFrom}..{FixtureHeldOutFrom + accuracy.Images - 1}:");
                EvalCommand.WriteTable(stdout, accuracy);
            }
            if (parse.GetValue(report) is { } reportDir)
            {
                var sqnrImages = evaluation ?? HeldOutImages(images, preprocessing, graph.Inputs[0].Shape, options.CalibrationImages);
                var layerSqnr = Guarded(() => LayerSqnrMeasurement.BeforeAndAfter(result, options, sqnrImages.Data, progress));
                progress.Done();
                WriteReport(reportDir, modelPath, outPath, options, result, packTime, accuracy, layerSqnr);
            }
            return CommandErrors.Success;
        });
        return command;
    }

    /// <summary>Pack-time problems in the user's input (bad option values, ops without an int8 form, unreadable images)
    /// become one-line usage errors.</summary>
    internal static T Guarded<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidDataException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ImagePreprocessing Preprocessing(string? preset, string? mean, string? std, bool bgr, float? cropFraction, TextWriter error)
    {
        var chosen = preset is null ? PreprocessingPresets.ImageNetTorch : Presets[preset];
        if (preset is null && (mean is null || std is null))
            error.WriteLine($"edgeq: note: no --preset or --mean/--std given; assuming imagenet-torch (mean {string.Join(",", chosen.Mean)}, " +
                $"std {string.Join(",", chosen.Std)}); pass --mean/--std or --preset if the model expects other input");
        return chosen with
        {
            Mean = mean is null ? chosen.Mean : Triple(mean, "--mean"),
            Std = std is null ? chosen.Std : Triple(std, "--std"),
            ColorOrder = bgr ? ColorOrder.Bgr : chosen.ColorOrder,
            CropFraction = cropFraction ?? chosen.CropFraction,
        };
    }

    /// <summary>"R,G,B" or one value for all three channels.</summary>
    private static float[] Triple(string text, string option)
    {
        var parts = text.Split(',');
        if (parts.Length is not (1 or 3) || !parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new UsageException($"{option} takes R,G,B (or one value) in pixel units 0..255, not '{text}'");
        var values = parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return values.Length == 1 ? [values[0], values[0], values[0]] : values;
    }

    private static string[] ReadLines(FileInfo? file) => file is null ? []
        : file.Exists ? File.ReadLines(file.FullName).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray()
        : throw new UsageException($"labels file not found: {file.FullName}");

    /// <summary>A file of the repository (the bundled fixture), found above the working folder or the tool.</summary>
    internal static string RepositoryFile(string relativePath)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relativePath))) return Path.Combine(dir.FullName, relativePath);
        throw new UsageException($"the bundled fixture ({relativePath}) is not found above {Environment.CurrentDirectory}; run from the EdgeQ repository or give MODEL.onnx --calib IMAGES");
    }

    /// <summary>Images the per-layer SQNR runs on when the pack evaluates none: up to this many of IMAGES that did not
    /// calibrate (the calibration images themselves when all did).</summary>
    private const int LayerSqnrImages = 64;

    private static ImageSource HeldOutImages(string images, ImagePreprocessing preprocessing, int[] inputShape, int calibrationCount)
    {
        var all = ImageSource.Open(images, preprocessing, inputShape);
        var calibration = ImageSource.Open(images, preprocessing, inputShape, calibrationCount).Names.ToHashSet();
        var heldOut = Enumerable.Range(0, all.Names.Count).Where(i => !calibration.Contains(all.Names[i])).ToList();
        if (heldOut.Count == 0) return ImageSource.Open(images, preprocessing, inputShape, Math.Min(calibrationCount, LayerSqnrImages));
        int count = Math.Min(heldOut.Count, LayerSqnrImages);
        var chosen = Enumerable.Range(0, count).Select(i => heldOut[(int)((long)i * heldOut.Count / count)]).ToList();
        return new ImageSource(new SubsetCalibrationData(all.Data, chosen), [.. chosen.Select(i => all.Names[i])]);
    }

    private static void WriteReport(DirectoryInfo folder, string modelPath, string outPath, PackOptions options, PackResult result,
        TimeSpan packTime, AccuracyReport? accuracy, LayerSqnrComparison layerSqnr)
    {
        folder.Create();
        var report = new
        {
            model = modelPath,
            output = outPath,
            options = options.MetadataOptions(result.Statistics.Samples).ToDictionary(o => o.Key, o => o.Value),
            pack_seconds = Math.Round(packTime.TotalSeconds, 2),
            corrected_layers = result.CorrectedLayers,
            layers = result.Corrections.Select(c => new
            {
                name = c.Layer,
                channels = c.Channels,
                shift_before_mean = c.Before.Mean,
                shift_before_spread = c.Before.Spread,
                shift_after_mean = c.After.Mean,
                shift_after_spread = c.After.Spread,
                held_out_error_change = c.HeldOutErrorChange,
                held_out_output_error_change = c.HeldOutOutputErrorChange,
                held_out_network_error_change = c.HeldOutNetworkErrorChange,
                accepted = c.Accepted,
                clamped_channels = c.ClampedChannels,
            }),
            fine_tuning = result.FineTuning is not { } tuning ? null : new
            {
                steps = tuning.Steps,
                training_images = tuning.TrainingImages,
                held_out_images = tuning.HeldOutImages,
                first_loss = tuning.FirstLoss,
                last_loss = tuning.LastLoss,
                held_out_sqnr_before = tuning.HeldOutSqnrBefore,
                held_out_sqnr_after = tuning.HeldOutSqnrAfter,
                accepted = tuning.Accepted,
                clamped_channels = tuning.ClampedChannels,
                changed_layers = tuning.ChangedLayers,
            },
            layer_sqnr_images = layerSqnr.Images,
            layer_sqnr = layerSqnr.After.Select((a, i) => new
            {
                name = a.Layer,
                sqnr_before_db = layerSqnr.Before is { } before ? Math.Round(before[i].SqnrDb, 3) : (double?)null,
                sqnr_after_db = Math.Round(a.SqnrDb, 3),
            }),
            accuracy = accuracy is null ? null : EvalCommand.Json(accuracy),
        };
        File.WriteAllText(Path.Combine(folder.FullName, "report.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            // A layer whose float and int8 outputs are both all zero (a dead ReLU) has an SQNR of NaN, not a crash.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        File.WriteAllText(Path.Combine(folder.FullName, "report.html"), PackReportHtml.Render(modelPath, result.Corrections, layerSqnr, accuracy));
    }
}

/// <summary>
/// One progress line per stage on stderr, redrawn in place on a terminal; when stderr goes to a file or a pipe (CI
/// logs, `2>&1 | tail`), one plain line every 10 % instead of hundreds of carriage-return redraws.
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool redraw) : IProgress<PackProgress>
{
    private const int Width = 30;
    private const int LogStep = 10;
    private string? stage;
    private int shown = -1;

    public static ProgressBar For(TextWriter error) => new(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);

    public void Report(PackProgress value)
    {
        int percent = (int)(Math.Clamp(value.Fraction, 0, 1) * 100);
        if (value.Stage != stage) { Done(); stage = value.Stage; shown = -1; }
        if (!redraw) percent -= percent % LogStep;
        if (percent == shown) return;
        shown = percent;
        if (!redraw) { error.WriteLine($"{stage,-10} {percent,3}%{(value.Detail is null ? "" : " " + value.Detail)}"); return; }
        int filled = percent * Width / 100;
        error.Write($"\r{stage,-10} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%{(value.Detail is null ? "" : " " + value.Detail.PadRight(32))}");
    }

    /// <summary>Ends the current line.</summary>
    public void Done()
    {
        if (stage is not null && redraw) error.WriteLine();
        stage = null;
    }
}
