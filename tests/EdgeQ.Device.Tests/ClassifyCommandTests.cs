using System.Text.Json;
using EdgeQ.Device.Imaging;
using Xunit.Abstractions;

namespace EdgeQ.Device.Tests;

/// <summary>edgeq-run classify in-process on real ImageNet photos with the packed real MobileNetV1-0.25, lossless
/// re-encodings of a photo, bad input; and one photo on the published x64 and arm64 (QEMU, Cortex-A72) binaries.</summary>
public class ClassifyCommandTests(ITestOutputHelper log)
{
    private const string Photo = "300_n02165105.jpg";   // class 300, which the model gets right

    [Fact]
    public void Top_classes_are_the_highest_scores_highest_first_with_ties_in_index_order()
    {
        float[] scores = [0.1f, 0.7f, -2f, 0.7f, 0.3f];
        Assert.Equal([1, 3, 4], EdgeQ.Device.Commands.ClassifyCommand.TopClasses(scores, 3));
        Assert.Equal([1, 3, 4, 0, 2], EdgeQ.Device.Commands.ClassifyCommand.TopClasses(scores, 9));
    }

    [Fact]
    public void Most_sample_photos_get_their_label_as_top_1_and_more_within_top_5()
    {
        string model = Path.Combine(ClassifyImages.ModelDirectory(), "model.eqm");
        var photos = ClassifyImages.Sample(20);
        var (exitCode, stdout, stderr) = RunModelFiles.InProcess(["classify", model, "--json", "--top", "5", .. photos.Select(p => p.File)]);
        Assert.True(exitCode == 0, stderr);

        var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(photos.Select(p => p.File), results.Select(r => r.GetProperty("file").GetString()));
        int top1 = 0, top5 = 0;
        foreach (var (photo, result) in photos.Zip(results))
        {
            var top = result.GetProperty("top").EnumerateArray().ToArray();
            Assert.Equal(5, top.Length);
            Assert.All(top, t => Assert.Equal(JsonValueKind.Null, t.GetProperty("label").ValueKind));
            var scores = top.Select(t => t.GetProperty("score").GetDouble()).ToArray();
            Assert.Equal(scores.OrderDescending(), scores);
            var indices = top.Select(t => t.GetProperty("index").GetInt32()).ToArray();
            log.WriteLine($"{Path.GetFileName(photo.File)}: label {photo.ClassIndex}, top-5 {string.Join(' ', indices)}");
            top1 += indices[0] == photo.ClassIndex ? 1 : 0;
            top5 += indices.Contains(photo.ClassIndex) ? 1 : 0;
        }
        log.WriteLine($"top-1 {top1}/20, top-5 {top5}/20");
        Assert.InRange(top1, 8, 20);
        Assert.True(top5 > top1, $"top-5 {top5} should beat top-1 {top1}");
    }

    [Fact]
    public void Png_and_ppm_of_the_decoded_jpeg_classify_exactly_like_the_jpeg()
    {
        string directory = ClassifyImages.ModelDirectory();
        string jpeg = Path.Combine(ClassifyImages.Photos, Photo);
        var decoded = ImageDecoder.Decode(File.ReadAllBytes(jpeg));
        string png = Path.Combine(directory, "photo.png"), ppm = Path.Combine(directory, "photo.ppm");
        File.WriteAllBytes(png, ClassifyImages.Png(decoded.Width, decoded.Height, decoded.Rgb));
        File.WriteAllBytes(ppm, ClassifyImages.Ppm(decoded.Width, decoded.Height, decoded.Rgb));
        Assert.Equal(decoded.Rgb, ImageDecoder.Decode(File.ReadAllBytes(png)).Rgb);
        Assert.Equal(decoded.Rgb, ImageDecoder.Decode(File.ReadAllBytes(ppm)).Rgb);

        var (exitCode, stdout, stderr) = RunModelFiles.InProcess("classify", Path.Combine(directory, "model.eqm"), jpeg, png, ppm, "--top", "3");
        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.Equal([jpeg, png, ppm], [lines[0], lines[4], lines[8]]);
        Assert.Matches(@"^  1  +\d+\.\d{4}  class 300$", lines[1]);
        Assert.Equal(lines[1..4], lines[5..8]);
        Assert.Equal(lines[1..4], lines[9..12]);
    }

    [Fact]
    public void A_pgm_is_read_as_grey_in_every_channel()
    {
        byte[] pgm = [.. "P5 2 1 65535\n"u8, 0xFF, 0xFF, 0x80, 0x00];
        var image = ImageDecoder.Decode(pgm);
        Assert.Equal((2, 1), (image.Width, image.Height));
        Assert.Equal(new byte[] { 255, 255, 255, 128, 128, 128 }, image.Rgb);
    }

    [Fact]
    public void Bad_images_and_models_are_one_line_errors_with_exit_2()
    {
        string directory = ClassifyImages.ModelDirectory();
        string model = Path.Combine(directory, "model.eqm"), photo = Path.Combine(ClassifyImages.Photos, Photo);
        string text = Path.Combine(directory, "notes.jpg"), truncated = Path.Combine(directory, "header-only.jpg"), shortPpm = Path.Combine(directory, "short.ppm");
        File.WriteAllText(text, "not an image\n");
        File.WriteAllBytes(truncated, File.ReadAllBytes(photo)[..20]);
        File.WriteAllBytes(shortPpm, [.. "P6\n4 4\n255\n"u8, 1, 2, 3]);
        string corrupt = Path.Combine(directory, "corrupt.eqm");
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^100] ^= 0x5A;
        File.WriteAllBytes(corrupt, bytes);

        (string[] Args, string Expected)[] cases =
        [
            (["classify", model, Path.Combine(directory, "missing.jpg")], $"image '{Path.Combine(directory, "missing.jpg")}' not found"),
            (["classify", model, photo, text], $"{text}: not a decodable JPEG, PNG or PPM/PGM image (unknown image type)"),
            (["classify", model, truncated], $"{truncated}: not a decodable JPEG, PNG or PPM/PGM image ("),
            (["classify", model, shortPpm], $"{shortPpm}: truncated PPM/PGM: a 4x4 raster needs 48 bytes"),
            (["classify", corrupt, photo], $"{corrupt}: "),
            (["classify", Path.Combine(directory, "none.eqm"), photo], "none.eqm"),
            (["classify", model], "missing IMAGE"),
            (["classify", model, photo, "--top", "0"], "--top"),
        ];
        foreach (var (args, expected) in cases)
        {
            var (exitCode, _, stderr) = RunModelFiles.InProcess(args);
            Assert.True(exitCode == 2, $"{string.Join(' ', args)}: exit {exitCode}, {stderr}");
            Assert.StartsWith("edgeq-run: error: ", stderr);
            Assert.Contains(expected, stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Fact]
    public void The_published_arm64_binary_prints_the_same_top_classes_as_x64()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["model.eqm"] = RealModelFiles.MobileNetV1Model,
            ["photo.jpg"] = File.ReadAllBytes(Path.Combine(ClassifyImages.Photos, Photo)),
        };
        var help = DeviceBinary.Run(DeviceTarget.A72, ["classify", "--help"]);
        Assert.True(help.ExitCode == 0, help.Describe());
        Assert.Contains("Usage: edgeq-run classify [options] MODEL.eqm IMAGE...", help.Stdout);

        var x64 = DeviceBinary.Run(DeviceTarget.X64, ["classify", "model.eqm", "photo.jpg", "--top", "3", "--threads", "2"], files);
        var a72 = DeviceBinary.Run(DeviceTarget.A72, ["classify", "model.eqm", "photo.jpg", "--top", "3", "--threads", "2"], files, TimeSpan.FromMinutes(5));
        log.WriteLine(x64.Describe());
        log.WriteLine(a72.Describe());
        Assert.True(x64.ExitCode == 0, x64.Describe());
        Assert.True(a72.ExitCode == 0, a72.Describe());
        Assert.Matches(@"\n  1  +\d+\.\d{4}  class 300\n", x64.Stdout);
        Assert.Equal(x64.Stdout, a72.Stdout);
    }
}
