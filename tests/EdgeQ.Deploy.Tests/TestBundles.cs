using EdgeQ.Format;

namespace EdgeQ.Deploy.Tests;

/// <summary>Real .eqm models, a stand-in edgeq-run and bundles made from them, in a temp folder per test.</summary>
public sealed class TestBundles : IDisposable
{
    /// <summary>
    /// Stand-in for edgeq-run (the real one is not built yet): <c>info MODEL</c> exits 0 only for a file that starts
    /// with the .eqm magic and is as long as its header says (docs/format.md: file length at byte 16, u64 LE), so
    /// the default health check command rejects corrupt and truncated models.
    /// </summary>
    public const string StandInRuntime = """
        #!/bin/sh
        [ "$1" = info ] || { echo "usage: edgeq-run info MODEL.eqm" >&2; exit 2; }
        [ -f "$2" ] || { echo "$2: no such model" >&2; exit 1; }
        [ "$(head -c 4 "$2")" = EQMF ] || { echo "$2: not an .eqm model" >&2; exit 1; }
        declared=$(od -An -t u8 -j 16 -N 8 "$2" | tr -d ' ')
        actual=$(wc -c < "$2" | tr -d ' ')
        [ "$declared" = "$actual" ] || { echo "$2: header says $declared bytes, file has $actual" >&2; exit 1; }
        echo "$2: ok, $actual bytes"

        """;

    public static readonly BoardTarget Pi5 = new("pi5", "linux-arm64", "gpiochip4", "/dev/video0", 4);

    public string Root { get; } = Directory.CreateTempSubdirectory("edgeq-bundles-").FullName;

    public string Runtime { get; }

    public TestBundles()
    {
        Runtime = Path.Combine(Root, "edgeq-run-standin");
        File.WriteAllText(Runtime, StandInRuntime);
    }

    /// <summary>A small valid classifier; <paramref name="classes"/> changes its bytes so versions can be told apart.</summary>
    public string Model(string name, int classes)
    {
        var b = new EqmModelBuilder(new EqmMetadata(name, "edgeq deploy tests", "pi5", []));
        var q = EqmQuantization.PerTensor(0.02f, -5);
        var preprocessing = new ImagePreprocessing(ColorOrder.Rgb, ResizeMode.Stretch, 1f, [127.5f, 127.5f, 127.5f], [127.5f, 127.5f, 127.5f]);
        int x = b.SetInput("image", ElementType.Int8, [1, 8, 8, 3], q, preprocessing);
        int gap = b.AddOperator(new GlobalAveragePoolParams(OutputClamp.FullInt8), [x], "gap", ElementType.Int8, q);
        int flat = b.AddOperator(new ReshapeParams([1, 3]), [gap], "flatten", ElementType.Int8, q);
        var rng = new Random(classes);
        int w = b.AddWeights("fc.weight", [classes, 3], EqmQuantization.PerTensor(0.004f, 0),
            Enumerable.Range(0, classes * 3).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray());
        int bias = b.AddBias("fc.bias", Enumerable.Range(0, classes).Select(_ => rng.Next(-2000, 2000)).ToArray());
        int logits = b.AddOperator(new FullyConnectedParams(OutputClamp.FullInt8), [flat, w, bias], "fc", ElementType.Int8, q);
        b.AddOutput(logits, Enumerable.Range(0, classes).Select(i => $"class {i}").ToArray());
        string path = Path.Combine(Root, name + ".eqm");
        EqmWriter.WriteFile(b.Build(), path);
        return path;
    }

    public Bundle Create(string name, string? model) =>
        BundleLayout.Create(new BundleRequest(Pi5, Runtime, model, Path.Combine(Root, name)));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
