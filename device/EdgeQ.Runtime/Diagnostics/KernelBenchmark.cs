using System.Diagnostics;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Diagnostics;

/// <summary>Times the kernels on layer shapes of MobileNetV1-0.25 at 224x224 (the repository's reference model),
/// once per supported variant. Wall-clock figures mean something on real hardware only (not under QEMU; count ARM
/// instructions with shared/tools/arm-icount and a fixed <c>iterations</c> there).</summary>
public static class KernelBenchmark
{
    private sealed record Layer(string Name, long MultiplyAdds, Func<KernelTable, Action> Prepare);

    private static readonly Layer[] Layers =
    [
        ConvLayer("conv 3x3 s2 3->8 @224", new Nhwc(1, 224, 224, 3), 8, new ConvGeometry(3, 3, 2, 2, PadBottom: 1, PadRight: 1)),
        DepthwiseLayer("dwconv 3x3 s1 C=8 @112", new Nhwc(1, 112, 112, 8), new ConvGeometry(3, 3, 1, 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)),
        ConvLayer("conv 1x1 8->16 @112", new Nhwc(1, 112, 112, 8), 16, new ConvGeometry(1, 1)),
        DepthwiseLayer("dwconv 3x3 s2 C=32 @56", new Nhwc(1, 56, 56, 32), new ConvGeometry(3, 3, 2, 2, PadBottom: 1, PadRight: 1)),
        ConvLayer("conv 1x1 64->64 @28", new Nhwc(1, 28, 28, 64), 64, new ConvGeometry(1, 1)),
        DepthwiseLayer("dwconv 3x3 s1 C=128 @14", new Nhwc(1, 14, 14, 128), new ConvGeometry(3, 3, 1, 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)),
        ConvLayer("conv 1x1 128->128 @14", new Nhwc(1, 14, 14, 128), 128, new ConvGeometry(1, 1)),
        ConvLayer("conv 1x1 256->256 @7", new Nhwc(1, 7, 7, 256), 256, new ConvGeometry(1, 1)),
        ConvLayer("fc 256->1000", new Nhwc(1, 1, 1, 256), 1000, new ConvGeometry(1, 1)),
    ];

    /// <param name="variant">Only this variant; null: every supported one.</param>
    /// <param name="iterations">Runs per layer and variant; 0: as many as fit in about 0.3 s.</param>
    /// <param name="layerFilter">Only layers whose name contains this text.</param>
    public static void Run(TextWriter log, KernelVariant? variant = null, int iterations = 0, string? layerFilter = null)
    {
        IEnumerable<KernelVariant> variants = variant is { } v ? [v] : KernelVariants.Supported;
        log.WriteLine($"{"layer",-26} {"variant",-10} {"us/run",10} {"GMAC/s",8}");
        foreach (Layer layer in Layers.Where(l => layerFilter is null || l.Name.Contains(layerFilter, StringComparison.Ordinal)))
        foreach (KernelVariant each in variants)
        {
            Action run = layer.Prepare(KernelTable.Create(each));
            run();   // warm-up (and JIT tiering where there is a JIT)
            int count = iterations;
            var clock = Stopwatch.StartNew();
            if (count > 0)
            {
                for (int i = 0; i < count; i++) run();
            }
            else
            {
                for (count = 0; clock.Elapsed.TotalSeconds < 0.3; count++) run();
            }
            double microseconds = clock.Elapsed.TotalMicroseconds / count;
            log.WriteLine($"{layer.Name,-26} {each.Name(),-10} {microseconds,10:F1} {layer.MultiplyAdds / microseconds / 1e3,8:F2}");
        }
    }

    private static Layer ConvLayer(string name, Nhwc input, int outputChannels, ConvGeometry g)
    {
        Nhwc output = g.OutputShape(input, outputChannels);
        return new Layer(name, (long)output.Length * g.Taps * input.C, kernels =>
        {
            var r = new CaseRandom(1);
            PackedConv conv = Conv.Pack(kernels, r.Bytes(outputChannels * g.Taps * input.C, -127, 127), outputChannels, input.C, 1, g,
                new int[outputChannels], 3, [0.0005f], new OutputQuant(-5));
            sbyte[] x = r.Bytes(input.Length), y = new sbyte[output.Length], scratch = new sbyte[Conv.ScratchBytes(conv)];
            return () => Conv.Run(kernels, conv, x, input, y, scratch);
        });
    }

    private static Layer DepthwiseLayer(string name, Nhwc input, ConvGeometry g)
    {
        Nhwc output = g.OutputShape(input, input.C);
        return new Layer(name, (long)output.Length * g.Taps, kernels =>
        {
            var r = new CaseRandom(2);
            PackedDepthwise dw = Depthwise.Pack(r.Bytes(input.C * g.Taps, -127, 127), input.C, g, new int[input.C], 3, [0.002f], new OutputQuant(-5));
            sbyte[] x = r.Bytes(input.Length), y = new sbyte[output.Length];
            return () => Depthwise.Run(kernels, dw, x, input, y);
        });
    }
}
