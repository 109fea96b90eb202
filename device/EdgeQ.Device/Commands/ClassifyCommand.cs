using System.Globalization;
using System.Text.Json;
using EdgeQ.CommandLine;
using EdgeQ.Device.Camera;
using EdgeQ.Device.Imaging;
using EdgeQ.Format;
using EdgeQ.Runtime;

namespace EdgeQ.Device.Commands;

/// <summary>
/// <c>edgeq-run classify MODEL.eqm IMAGE...</c>: decode each still image, convert it with the camera's conversion
/// (<see cref="FrameToInput"/>, the model's stored preprocessing), run the model and print the top-k classes.
/// </summary>
public static class ClassifyCommand
{
    private const int DefaultTop = 5;

    public static readonly CommandSpec Spec = new(
        "classify",
        "Classify still images (JPEG, PNG, PPM/PGM) with the model's stored preprocessing and print the top classes",
        [
            new OptionSpec("--top", $"How many classes to print per image (default {DefaultTop})", "N"),
            new OptionSpec("--json", "One JSON object per image and line: {\"file\", \"top\": [{\"label\", \"index\", \"score\"}]}"),
            ModelOptions.Threads,
            ModelOptions.Kernels,
        ],
        [ModelOptions.Model, new ArgumentSpec("IMAGE", "Image files to classify", Repeats: true)],
        Run);

    private static int Run(ParsedCommand parsed, TextWriter output)
    {
        var images = new string[parsed.Arguments.Count - 1];
        for (int i = 0; i < images.Length; i++) images[i] = parsed.Arguments[i + 1];
        // Checked before the model loads, so a typo costs no work and prints no partial results.
        foreach (string image in images)
            if (!File.Exists(image)) throw new UsageException($"image '{image}' not found");

        InferenceModel model = ModelOptions.Open(parsed);
        using var classifier = new InferenceClassifier(model);
        var input = AsUsageError(() => ModelInput.From(model));
        var labels = model.Outputs[0].Labels;
        int top = parsed.IntValue("--top", DefaultTop, 1, classifier.ClassCount);
        bool json = parsed.Has("--json");

        var inputBuffer = new byte[input.ByteCount];
        var scores = new float[classifier.ClassCount];
        foreach (string image in images)
        {
            var decoded = AsUsageError(() => ImageDecoder.Decode(File.ReadAllBytes(image)), image);
            var converter = AsUsageError(() => FrameToInput.Create(decoded.Width, decoded.Height, input, FramePixels.Rgb24), image);
            converter.Convert(decoded.Rgb, inputBuffer);
            classifier.Classify(inputBuffer, scores);
            var best = TopClasses(scores, top);
            output.WriteLine(json ? ToJson(image, best, scores, labels) : ToText(image, best, scores, labels));
        }
        return CommandErrors.Success;
    }

    /// <summary>Indices of the <paramref name="count"/> highest scores, highest first; ties keep index order.</summary>
    // A selection loop, not OrderByDescending: LINQ's ordered enumerable over int cost 7.7 KB of the device binary.
    public static int[] TopClasses(float[] scores, int count)
    {
        var best = new int[Math.Min(count, scores.Length)];
        var taken = new bool[scores.Length];
        for (int rank = 0; rank < best.Length; rank++)
        {
            int pick = -1;
            for (int i = 0; i < scores.Length; i++)
                if (!taken[i] && (pick < 0 || scores[i] > scores[pick]))
                    pick = i;
            taken[pick] = true;
            best[rank] = pick;
        }
        return best;
    }

    private static string Label(EquatableArray<string> labels, int index) =>
        index < labels.Count ? $"{labels[index]} ({index})" : $"class {index}";

    private static string ToText(string image, int[] best, float[] scores, EquatableArray<string> labels)
    {
        var lines = new string[best.Length + 1];
        lines[0] = image;
        for (int rank = 0; rank < best.Length; rank++)
            lines[rank + 1] = string.Create(CultureInfo.InvariantCulture, $"  {rank + 1}  {scores[best[rank]],8:0.0000}  {Label(labels, best[rank])}");
        return string.Join(Environment.NewLine, lines);
    }

    // Written with Utf8JsonWriter like the other commands: the source-generated serializer costs 0.9 MB (docs/device.md).
    private static string ToJson(string image, int[] best, float[] scores, EquatableArray<string> labels)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("file", image);
            json.WriteStartArray("top");
            foreach (int index in best)
            {
                json.WriteStartObject();
                if (index < labels.Count) json.WriteString("label", labels[index]);
                else json.WriteNull("label");
                json.WriteNumber("index", index);
                json.WriteNumber("score", scores[index]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static T AsUsageError<T>(Func<T> action, string? image = null)
    {
        try
        {
            return action();
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(image is null ? e.Message : $"{image}: {e.Message}");
        }
    }
}
