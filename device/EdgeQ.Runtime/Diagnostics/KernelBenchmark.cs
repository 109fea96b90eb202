using System.Diagnostics;
using EdgeQ.Runtime.Execution;
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
        foreach (Layer layer in Layers)
        foreach (KernelVariant each in variants)
        {
            if (layerFilter is not null && !layer.Name.Contains(layerFilter, StringComparison.Ordinal)) continue;
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

    /// <summary>Times whole-network inference of MobileNetV1-0.25 at 224x224 (random weights, real layer shapes)
    /// through the executor, per variant and thread count.</summary>
    public static void RunNetwork(TextWriter log, IEnumerable<KernelVariant> variants, IEnumerable<int> threadCounts, int iterations = 0)
    {
        log.WriteLine($"{"network",-26} {"variant",-10} {"threads",7} {"ms/run",9} {"arena KiB",9} {"weights KiB",11}");
        foreach (KernelVariant variant in variants)
        foreach (int threads in threadCounts)
        {
            using var executor = new Executor(MobileNetV1(KernelTable.Create(variant), 0.25), threads);
            executor.Input(0).Fill(1);
            executor.Run();
            int count = iterations;
            var clock = Stopwatch.StartNew();
            if (count > 0)
            {
                for (int i = 0; i < count; i++) executor.Run();
            }
            else
            {
                for (count = 0; clock.Elapsed.TotalSeconds < 1; count++) executor.Run();
            }
            log.WriteLine($"{"mobilenet_v1_0.25 224",-26} {variant.Name(),-10} {threads,7} {clock.Elapsed.TotalMilliseconds / count,9:F2} "
                + $"{executor.Memory.ArenaBytes / 1024.0,9:F0} {executor.Plan.WeightBytes / 1024.0,11:F0}");
        }
    }

    /// <summary>MobileNetV1 (width <paramref name="alpha"/>) on 1x224x224x3 with random weights: conv 3x3 s2, 13
    /// depthwise-separable blocks, global average pool, fully connected 1000. Zero points are 0 and each multiplier
    /// is 1 / (rms(w) * sqrt(depth)), so activations keep their spread through the depth of the network instead of
    /// collapsing to one value as uncalibrated ReLU layers would.</summary>
    public static ModelPlan MobileNetV1(KernelTable kernels, double alpha)
    {
        var r = new CaseRandom(3);
        var tensors = new List<PlanTensor> { new("input", new Nhwc(1, 224, 224, 3)) };
        var ops = new List<PlanOp>();
        var output = new OutputQuant(0);
        const double weightRms = 73.3;   // uniform int8 weights in [-127, 127]
        int Add(Nhwc shape)
        {
            tensors.Add(new PlanTensor($"t{tensors.Count}", shape));
            return tensors.Count - 1;
        }
        int Conv(int x, int outC, ConvGeometry g)
        {
            Nhwc s = tensors[x].Shape;
            PackedConv conv = Kernels.Conv.Pack(kernels, r.Bytes(outC * g.Taps * s.C, -127, 127), outC, s.C, 1, g, new int[outC], 0,
                [(float)(1 / (weightRms * Math.Sqrt(g.Taps * s.C)))], output);
            int y = Add(g.OutputShape(s, outC));
            ops.Add(new ConvOp($"conv {tensors[y].Shape}", x, y, s, conv));
            return y;
        }
        int Depthwise(int x, int stride)
        {
            Nhwc s = tensors[x].Shape;
            var g = new ConvGeometry(3, 3, stride, stride, PadTop: stride == 1 ? 1 : 0, PadLeft: stride == 1 ? 1 : 0, PadBottom: 1, PadRight: 1);
            PackedDepthwise dw = Kernels.Depthwise.Pack(kernels, r.Bytes(g.Taps * s.C, -127, 127), s.C, g, default, 0,
                [(float)(1 / (weightRms * Math.Sqrt(g.Taps)))], output);
            int y = Add(g.OutputShape(s, s.C));
            ops.Add(new DepthwiseOp($"dwconv {tensors[y].Shape}", x, y, s, dw));
            return y;
        }
        int Width(int channels) => (int)(channels * alpha);

        int t = Conv(0, Width(32), new ConvGeometry(3, 3, 2, 2, PadBottom: 1, PadRight: 1));
        (int Channels, int Stride)[] blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)];
        foreach ((int channels, int stride) in blocks) t = Conv(Depthwise(t, stride), Width(channels), new ConvGeometry(1, 1));
        Nhwc last = tensors[t].Shape;
        int pooled = Add(last with { H = 1, W = 1 });
        ops.Add(new PoolOp("global avgpool", t, pooled, last, PoolingParams.GlobalAverage(last, 0.02, 0, 0.02, output), average: true));
        int logits = Conv(pooled, 1000, new ConvGeometry(1, 1));
        return new ModelPlan(kernels, tensors, ops, [0], [logits]);
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
            PackedDepthwise dw = Depthwise.Pack(kernels, r.Bytes(input.C * g.Taps, -127, 127), input.C, g, new int[input.C], 3, [0.002f], new OutputQuant(-5));
            sbyte[] x = r.Bytes(input.Length), y = new sbyte[output.Length];
            return () => Depthwise.Run(kernels, dw, x, input, y);
        });
    }
}
