using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Execution;
using EdgeQ.Runtime.Kernels;
using CoordinateTransform = EdgeQ.Format.CoordinateTransform;

namespace EdgeQ.Runtime.Tests;

/// <summary>A MobileNet-like plan (conv, depthwise, pointwise, SE block with LUT and broadcast Mul, residual Add,
/// requantizing concat, max pool, bilinear resize, global pool, FC) run by the executor and, step by step, by hand.</summary>
public class ExecutorTests
{
    private sealed class TinyNet
    {
        private readonly CaseRandom _r = new(2024);
        public readonly List<PlanTensor> Tensors = [];
        public readonly List<Func<KernelTable, PlanOp>> Ops = [];
        public readonly List<Func<KernelTable, sbyte[][], sbyte[]>> Steps = [];   // the same ops by hand

        public int Tensor(string name, Nhwc shape)
        {
            Tensors.Add(new PlanTensor(name, shape));
            return Tensors.Count - 1;
        }

        public int Conv(int x, int outC, ConvGeometry g, int qmin = -128)
        {
            Nhwc s = Tensors[x].Shape;
            sbyte[] w = _r.Bytes(outC * g.Taps * s.C, -127, 127);
            int[] bias = Enumerable.Range(0, outC).Select(_ => _r.Int(-2000, 2000)).ToArray();
            float[] m = Enumerable.Range(0, outC).Select(_ => (float)(0.02 / Math.Sqrt(g.Taps * s.C) * _r.LogUniform(0.5, 2))).ToArray();
            int zp = _r.Int(-20, 20);
            var q = new OutputQuant(zp, Math.Max(qmin, zp), 127);
            int y = Tensor($"conv{Tensors.Count}", g.OutputShape(s, outC));
            Ops.Add(k => new ConvOp($"conv{y}", x, y, s, Kernels.Conv.Pack(k, w, outC, s.C, 1, g, bias, 3, m, q)));
            Steps.Add((k, t) => Apply(t[x], Tensors[y].Shape, o => ConvReference.Run(t[x], s, w, outC, 1, g, bias, 3, m, q, o)));
            return y;
        }

        public int Depthwise(int x, ConvGeometry g)
        {
            Nhwc s = Tensors[x].Shape;
            sbyte[] w = _r.Bytes(g.Taps * s.C, -127, 127);
            var q = new OutputQuant(-5, -5, 127);
            int y = Tensor($"dw{Tensors.Count}", g.OutputShape(s, s.C));
            Ops.Add(k => new DepthwiseOp($"dw{y}", x, y, s, Kernels.Depthwise.Pack(k, w, s.C, g, default, 3, [0.004f], q)));
            Steps.Add((k, t) => Apply(t[x], Tensors[y].Shape, o => Kernels.Depthwise.Run(k, Kernels.Depthwise.Pack(k, w, s.C, g, default, 3, [0.004f], q), t[x], s, o)));
            return y;
        }

        public int Pool(int x, PoolingParams pool, bool average)
        {
            Nhwc s = Tensors[x].Shape;
            int y = Tensor($"pool{Tensors.Count}", pool.Geometry.OutputShape(s, s.C));
            Ops.Add(_ => new PoolOp($"pool{y}", x, y, s, pool, average));
            Steps.Add((k, t) => Apply(t[x], Tensors[y].Shape, o =>
            {
                if (average) Pooling.AveragePool(k, pool, t[x], s, o);
                else Pooling.MaxPool(k, pool, t[x], s, o);
            }));
            return y;
        }

        public int Binary(int a, int b, bool multiply)
        {
            Nhwc sa = Tensors[a].Shape, sb = Tensors[b].Shape;
            BinaryQuant q = multiply ? BinaryQuant.Mul(0.05, -5, 0.01, -128, 0.04, new OutputQuant(2)) : BinaryQuant.Add(0.04, 2, 0.05, -5, 0.06, new OutputQuant(-1));
            int y = Tensor(multiply ? "mul" : "add", Elementwise.BroadcastShape(sa, sb));
            Ops.Add(_ => new BinaryOp(Tensors[y].Name, a, b, y, sa, sb, q, multiply));
            Steps.Add((k, t) => Apply(t[a], Tensors[y].Shape, o =>
            {
                if (multiply) Elementwise.Mul(k, t[a], sa, t[b], sb, q, o);
                else Elementwise.Add(k, t[a], sa, t[b], sb, q, o);
            }));
            return y;
        }

        public int Lut(int x)
        {
            sbyte[] table = Enumerable.Range(-128, 256).Select(v => (sbyte)Math.Round(255 / (1 + Math.Exp(-v / 16.0)) - 128)).ToArray();
            Nhwc s = Tensors[x].Shape;
            int y = Tensor("sigmoid", s);
            Ops.Add(_ => new LutOp("sigmoid", x, y, s, table));
            Steps.Add((k, t) => t[x].Select(v => table[v + 128]).ToArray());
            return y;
        }

        public int Concat(int a, int b, RequantizeParams requantizeB)
        {
            Nhwc sa = Tensors[a].Shape, sb = Tensors[b].Shape;
            int y = Tensor("concat", sa with { C = sa.C + sb.C });
            Ops.Add(_ => new ConcatOp("concat", [a, b], y, [sa, sb], [null, requantizeB]));
            Steps.Add((k, t) => Apply(t[a], Tensors[y].Shape, o =>
                Kernels.Concat.Channels(k, [new ConcatInput(t[a], sa.C), new ConcatInput(t[b], sb.C, requantizeB)], sa.Pixels, o)));
            return y;
        }

        public int Resize(int x, int h, int w)
        {
            var resize = new ResizeBilinear(Tensors[x].Shape, h, w, CoordinateTransform.HalfPixel, new RequantizeParams(0.05, -5, 0.05, new OutputQuant(-5)));
            int y = Tensor("resize", resize.Output);
            Ops.Add(_ => new ResizeBilinearOp("resize", x, y, resize));
            Steps.Add((k, t) => Apply(t[x], resize.Output, o => resize.Run(k, t[x], o)));
            return y;
        }

        public int Pad(int x)
        {
            Nhwc s = Tensors[x].Shape;
            Nhwc before = new(0, 1, 0, 0), after = new(0, 0, 2, 0);
            var os = new Nhwc(s.N, s.H + 1, s.W + 2, s.C);
            int y = Tensor("pad", os);
            Ops.Add(_ => new MoveOp("pad", x, y, os, (i, o) => Kernels.Pad.Run(i, s, before, after, -5, o)));
            Steps.Add((k, t) => Apply(t[x], os, o => Kernels.Pad.Run(t[x], s, before, after, -5, o)));
            return y;
        }

        private static sbyte[] Apply(sbyte[] _, Nhwc shape, Action<sbyte[]> run)
        {
            var o = new sbyte[shape.Length];
            run(o);
            return o;
        }
    }

    private static (TinyNet Net, int Input, int Output) Build()
    {
        var net = new TinyNet();
        int x = net.Tensor("input", new Nhwc(1, 17, 17, 3));
        int t = net.Conv(x, 8, new ConvGeometry(3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), qmin: 0);
        t = net.Depthwise(t, new ConvGeometry(3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
        t = net.Conv(t, 16, new ConvGeometry(1, 1));
        int features = net.Depthwise(t, new ConvGeometry(3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
        int squeezed = net.Pool(features, PoolingParams.GlobalAverage(net.Tensors[features].Shape, 0.05, -5, 0.05, new OutputQuant(-5)), average: true);
        int excite = net.Lut(net.Conv(squeezed, 16, new ConvGeometry(1, 1)));
        int scaled = net.Binary(features, excite, multiply: true);
        int residual = net.Binary(scaled, features, multiply: false);
        int joined = net.Concat(residual, features, new RequantizeParams(0.05, -5, 0.06, new OutputQuant(-1)));
        int pooled = net.Pool(joined, PoolingParams.Max(new ConvGeometry(2, 2, 2, 2)), average: false);
        int padded = net.Pad(net.Resize(pooled, 4, 4));
        int global = net.Pool(padded, PoolingParams.GlobalAverage(net.Tensors[padded].Shape, 0.05, -5, 0.07, new OutputQuant(0)), average: true);
        int logits = net.Conv(global, 10, new ConvGeometry(1, 1));
        return (net, x, logits);
    }

    private static ModelPlan Plan(TinyNet net, int input, int output, KernelTable kernels)
        => new(kernels, net.Tensors, net.Ops.Select(op => op(kernels)).ToList(), [input], [output]);

    private static sbyte[] ByHand(TinyNet net, sbyte[] input, KernelTable kernels)
    {
        var values = new sbyte[net.Tensors.Count][];
        values[0] = input;
        for (int i = 0; i < net.Steps.Count; i++) values[i + 1] = net.Steps[i](kernels, values);
        return values[^1];
    }

    public static TheoryData<string, int> VariantsAndThreads()
    {
        var data = new TheoryData<string, int>();
        foreach (KernelVariant v in KernelVariants.Supported)
        foreach (int threads in new[] { 1, 2, 3, 4 })
            data.Add(v.Name(), threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(VariantsAndThreads))]
    public void Executor_matches_the_ops_run_by_hand_for_every_variant_and_thread_count(string variantName, int threads)
    {
        Assert.True(KernelVariants.TryParse(variantName, out KernelVariant variant));
        (TinyNet net, int input, int output) = Build();
        sbyte[] x = new CaseRandom(5).Bytes(net.Tensors[input].Bytes);
        sbyte[] expected = ByHand(net, x, KernelTable.Create(KernelVariant.Reference));
        Assert.True(expected.Distinct().Count() > 3, "the test network should produce varied logits");

        using var executor = new Executor(Plan(net, input, output, KernelTable.Create(variant)), threads);
        var actual = new sbyte[expected.Length];
        executor.Run(x, actual);
        Assert.Equal(expected, actual);
        executor.Run(x, actual);   // the arena is reused: a second run gives the same bytes
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Inference_after_the_first_run_allocates_nothing(int threads)
    {
        (TinyNet net, int input, int output) = Build();
        using var executor = new Executor(Plan(net, input, output, KernelTable.Best), threads) { CollectLayerTimes = true };
        sbyte[] x = new CaseRandom(5).Bytes(net.Tensors[input].Bytes), y = new sbyte[net.Tensors[output].Bytes];
        executor.Run(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) executor.Run(x, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains(Enumerable.Range(0, executor.Plan.Ops.Count), op => executor.LayerTime(op) > TimeSpan.Zero);
    }

    /// <summary>Real layer shapes: MobileNetV1-0.25 at 224x224 (random weights) gives the same bytes with every
    /// variant and thread count.</summary>
    [Fact]
    public void MobileNet_shaped_network_is_identical_across_variants_and_threads()
    {
        sbyte[] x = new CaseRandom(8).Bytes(224 * 224 * 3);
        sbyte[]? expected = null;
        foreach (KernelVariant variant in KernelVariants.Supported)
        foreach (int threads in variant == KernelVariant.Reference ? [1] : new[] { 1, 2, 3 })
        {
            using var executor = new Executor(KernelBenchmark.MobileNetV1(KernelTable.Create(variant), 0.25), threads);
            var y = new sbyte[1000];
            executor.Run(x, y);
            expected ??= y;
            Assert.True(expected.AsSpan().SequenceEqual(y), $"{variant.Name()} with {threads} threads differs");
            Assert.True(executor.Memory.ArenaBytes < executor.Plan.Tensors.Sum(t => t.Bytes) / 2);
        }
        Assert.True(expected!.Distinct().Count() > 10, "logits should vary");
    }

    [Fact]
    public void Memory_plan_reuses_memory_without_overlapping_live_tensors()
    {
        (TinyNet net, int input, int output) = Build();
        ModelPlan plan = Plan(net, input, output, KernelTable.Best);
        MemoryPlan memory = MemoryPlan.Create(plan);
        Assert.True(memory.ArenaBytes < net.Tensors.Sum(t => t.Bytes), $"arena {memory.ArenaBytes} should reuse memory");
        AssertNoLiveOverlap(plan, memory);
    }

    [Fact]
    public void Memory_plan_is_sound_on_random_graphs()
    {
        var r = new CaseRandom(11);
        for (int trial = 0; trial < 200; trial++)
        {
            var tensors = new List<PlanTensor> { new("in", new Nhwc(1, 1, 1, r.Int(1, 300))) };
            var ops = new List<PlanOp>();
            for (int i = 0, count = r.Int(1, 12); i < count; i++)
            {
                int a = r.Int(0, tensors.Count - 1), b = r.Int(0, tensors.Count - 1);
                Nhwc shape = new(1, 1, 1, r.Int(1, 300));
                tensors.Add(new PlanTensor($"t{i}", shape));
                ops.Add(new FakeOp($"op{i}", [a, b], tensors.Count - 1, shape));
            }
            var plan = new ModelPlan(KernelTable.Best, tensors, ops, [0], [tensors.Count - 1, r.Int(0, tensors.Count - 1)]);
            AssertNoLiveOverlap(plan, MemoryPlan.Create(plan));
        }
    }

    [Fact]
    public void Plans_with_dangling_or_rewritten_tensors_are_rejected()
    {
        var shape = new Nhwc(1, 1, 1, 4);
        PlanTensor[] tensors = [new("a", shape), new("b", shape)];
        Assert.Throws<ArgumentException>(() => new ModelPlan(KernelTable.Best, tensors, [new FakeOp("x", [1], 0, shape)], [0], [1]));
        Assert.Throws<ArgumentException>(() => new ModelPlan(KernelTable.Best, tensors, [], [0], [1]));
    }

    private static void AssertNoLiveOverlap(ModelPlan plan, MemoryPlan memory)
    {
        int n = plan.Tensors.Count;
        var (first, last) = (Enumerable.Repeat(int.MaxValue, n).ToArray(), Enumerable.Repeat(-1, n).ToArray());
        foreach (int t in plan.Inputs) first[t] = -1;
        for (int i = 0; i < plan.Ops.Count; i++)
        {
            first[plan.Ops[i].Output] = Math.Min(first[plan.Ops[i].Output], i);
            last[plan.Ops[i].Output] = Math.Max(last[plan.Ops[i].Output], i);
            foreach (int t in plan.Ops[i].Inputs) last[t] = Math.Max(last[t], i);
        }
        foreach (int t in plan.Outputs) last[t] = plan.Ops.Count;
        for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
        {
            if (last[a] < 0 || last[b] < 0 || first[a] > last[b] || first[b] > last[a]) continue;
            int endA = memory.Offset(a) + plan.Tensors[a].Bytes, endB = memory.Offset(b) + plan.Tensors[b].Bytes;
            Assert.True(endA <= memory.Offset(b) || endB <= memory.Offset(a), $"tensors {a} and {b} are live together and overlap");
            Assert.True(Math.Max(endA, endB) <= memory.ArenaBytes);
        }
    }

    private sealed class FakeOp(string name, int[] inputs, int output, Nhwc shape) : PlanOp(name, inputs, output, shape)
    {
        public override void Execute(KernelTable kernels, in OpIO io, int first, int count, Span<sbyte> scratch) { }
    }
}
