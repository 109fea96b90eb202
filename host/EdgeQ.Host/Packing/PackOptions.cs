using System.Globalization;
using EdgeQ.Format;
using EdgeQ.Host.Calibration;
using EdgeQ.Host.Correction;
using EdgeQ.Host.Quantization;

namespace EdgeQ.Host.Packing;

public enum BiasCorrectionMethod { None, Iterative, FineTune, Analytic }

/// <summary>Everything <c>edgeq pack</c> takes besides the model and the images; one property per command-line option.</summary>
public sealed record PackOptions
{
    /// <summary>--weights per-channel|per-tensor.</summary>
    public WeightGranularity Weights { get; init; } = WeightGranularity.PerChannel;
    /// <summary>--wbits 8|6|4: weights on the grids [-127,127], [-31,31], [-7,7], stored as int8.</summary>
    public int WeightBits { get; init; } = 8;
    /// <summary>--calibration minmax|percentile|mse.</summary>
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.Percentile;
    /// <summary>Two-sided percentile kept by <see cref="CalibrationMethod.Percentile"/>.</summary>
    public double Percentile { get; init; } = 99.99;
    /// <summary>How many of the given images calibrate (spread evenly over them, see ImageCalibrationData.FindImages).</summary>
    public int CalibrationImages { get; init; } = 256;
    /// <summary>--equalize: cross-layer equalization before quantization.</summary>
    public bool Equalize { get; init; }
    /// <summary>
    /// --bias-correction: iterative (measured on the int8 runtime), finetune (iterative, then biases trained against the
    /// float output), analytic (data-free, from the ONNX file's BatchNorm priors) or none (docs/bias-correction.md).
    /// </summary>
    public BiasCorrectionMethod BiasCorrection { get; init; } = BiasCorrectionMethod.Iterative;
    /// <summary>How many of the calibration images iterative correction runs (spread evenly over them); each layer
    /// costs one int8 pass over them.</summary>
    public int CorrectionImages { get; init; } = 128;
    /// <summary>--finetune-steps: Adam steps of bias fine-tuning (batches of <see cref="FineTuningSettings.DefaultBatchSize"/> images).</summary>
    public int FineTuneSteps { get; init; } = 200;
    /// <summary>--finetune-lr: Adam's learning rate, in output quantization steps of each layer.</summary>
    public double FineTuneLearningRate { get; init; } = 0.05;
    /// <summary>--mean/--std/--bgr/--crop-fraction, stored in the .eqm so the device needs no flags.</summary>
    public required ImagePreprocessing Preprocessing { get; init; }
    /// <summary>Class names along the last axis of the first output (empty: none).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
    /// <summary>--board: the board profile id stored in the metadata (empty: none).</summary>
    public string Board { get; init; } = "";
    /// <summary>Model name in the metadata; the graph's name when null.</summary>
    public string? Name { get; init; }

    public QuantizationSettings Quantization => new(Weights, WeightBits, Calibration, Percentile);

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for values no pack can use.</summary>
    public void Validate()
    {
        WeightQuantizer.GridMax(WeightBits);
        if (!(Percentile > 50 && Percentile <= 100)) throw new ArgumentException($"percentile must be in (50, 100], not {Percentile}");
        if (CorrectionImages < 1) throw new ArgumentException($"the number of correction images must be positive, not {CorrectionImages}");
        if (FineTuneSteps < 1) throw new ArgumentException($"the number of fine-tuning steps must be positive, not {FineTuneSteps}");
        if (!(FineTuneLearningRate > 0 && double.IsFinite(FineTuneLearningRate)))
            throw new ArgumentException($"the fine-tuning learning rate must be positive, not {FineTuneLearningRate}");
        if (CalibrationImages < 1) throw new ArgumentException($"the number of calibration images must be positive, not {CalibrationImages}");
        if (Preprocessing.Mean.Count != Preprocessing.Std.Count)
            throw new ArgumentException($"--mean has {Preprocessing.Mean.Count} values but --std has {Preprocessing.Std.Count}");
        if (Preprocessing.Std.Any(s => !(s > 0))) throw new ArgumentException("every --std value must be positive");
        if (!(Preprocessing.CropFraction > 0 && Preprocessing.CropFraction <= 1))
            throw new ArgumentException($"crop fraction must be in (0, 1], not {Preprocessing.CropFraction}");
    }

    /// <summary>The creation options recorded in the .eqm metadata.</summary>
    public IEnumerable<MetadataOption> MetadataOptions(int calibrationSamples)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        yield return new("weights", Weights == WeightGranularity.PerChannel ? "per-channel" : "per-tensor");
        yield return new("wbits", WeightBits.ToString(CultureInfo.InvariantCulture));
        yield return new("calibration", Calibration.ToString().ToLowerInvariant());
        if (Calibration == CalibrationMethod.Percentile) yield return new("percentile", F(Percentile));
        yield return new("calibration-images", calibrationSamples.ToString(CultureInfo.InvariantCulture));
        yield return new("equalize", Equalize ? "true" : "false");
        yield return new("bias-correction", BiasCorrection.ToString().ToLowerInvariant());
        if (BiasCorrection is BiasCorrectionMethod.Iterative or BiasCorrectionMethod.FineTune)
            yield return new("correction-images", Math.Min(CorrectionImages, calibrationSamples).ToString(CultureInfo.InvariantCulture));
        if (BiasCorrection == BiasCorrectionMethod.FineTune)
        {
            yield return new("finetune-steps", FineTuneSteps.ToString(CultureInfo.InvariantCulture));
            yield return new("finetune-lr", F(FineTuneLearningRate));
        }
    }
}

/// <summary>Preprocessing presets (pixel units 0..255, keep aspect ratio, crop 0.875 as in the ImageNet evaluations).</summary>
public static class PreprocessingPresets
{
    /// <summary>torchvision ImageNet models: mean 123.675/116.28/103.53, std 58.395/57.12/57.375.</summary>
    public static ImagePreprocessing ImageNetTorch { get; } = new(ColorOrder.Rgb, Format.ResizeMode.KeepAspectRatio, 0.875f,
        [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    /// <summary>PaddleOCR models ((pixel / 255 - 0.45) / 0.225): mean 114.75, std 57.375.</summary>
    public static ImagePreprocessing PaddleOcr { get; } = ImageNetTorch with
    {
        Mean = [114.75f, 114.75f, 114.75f], Std = [57.375f, 57.375f, 57.375f],
    };

    /// <summary>Keras/TensorFlow MobileNets (pixel / 127.5 - 1): mean 127.5, std 127.5.</summary>
    public static ImagePreprocessing SymmetricUnit { get; } = new(ColorOrder.Rgb, Format.ResizeMode.KeepAspectRatio, 0.875f,
        [127.5f, 127.5f, 127.5f], [127.5f, 127.5f, 127.5f]);
}
