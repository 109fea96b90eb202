using System.IO.Hashing;
using System.Runtime.InteropServices;
using EdgeQ.Runtime.Execution;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Diagnostics;

/// <summary>Runs every kernel family through every variant this CPU supports on the same seeded cases as the unit
/// tests and compares each output byte for byte with the reference (and the reference with the direct spec loop).
/// The final hash covers all outputs, so it is the same on every CPU that passes.</summary>
public static class KernelSelfTest
{
    public const int CasesPerFamily = 40;

    /// <param name="variant">Only this variant (a <see cref="KernelVariant"/> name); null: every supported one.</param>
    /// <returns>False if any output differs or the variant cannot run here.</returns>
    public static bool Run(TextWriter log, string? variant = null)
    {
        List<KernelVariant> variants;
        if (variant is null)
        {
            variants = [.. KernelVariants.Supported];
        }
        else if (!KernelVariants.TryParse(variant, out KernelVariant only))
        {
            log.WriteLine($"unknown kernel variant '{variant}' (expected one of: {KernelVariantNames.Join(KernelVariants.All)})");
            return false;
        }
        else if (!KernelVariants.IsSupported(only))
        {
            log.WriteLine($"kernel variant '{only.Name()}' is not supported on this CPU (supported: {KernelVariantNames.Join(KernelVariants.Supported)})");
            return false;
        }
        else
        {
            variants = [only];
        }

        log.WriteLine($"kernel selftest: {RuntimeInformation.ProcessArchitecture}, variants {KernelVariantNames.Join(variants, " ")}, {CasesPerFamily} cases per family");
        KernelTable reference = KernelTable.Create(KernelVariant.Reference);
        var allOutputs = new XxHash64();
        bool allOk = true;
        foreach (KernelFamily family in KernelFamilies.All)
        {
            var cases = new KernelCase[CasesPerFamily];
            var expected = new sbyte[CasesPerFamily][];
            var familyOutputs = new XxHash64();
            for (int i = 0; i < CasesPerFamily; i++)
            {
                cases[i] = family.Case(i);
                expected[i] = cases[i].Run(reference);
                familyOutputs.Append(MemoryMarshal.AsBytes(expected[i].AsSpan()));
            }
            allOutputs.Append(familyOutputs.GetCurrentHash());
            string hash = familyOutputs.GetCurrentHashAsUInt64().ToString("x16");

            foreach (KernelVariant v in variants)
            {
                KernelTable table = KernelTable.Create(v);
                string? failure = null;
                for (int i = 0; i < CasesPerFamily && failure is null; i++)
                {
                    sbyte[] actual = v == KernelVariant.Reference ? cases[i].RunOracle() ?? expected[i] : cases[i].Run(table);
                    int same = expected[i].AsSpan().CommonPrefixLength(actual);
                    if (same != expected[i].Length || actual.Length != expected[i].Length)
                        failure = $"case {i} byte {same}: {cases[i]}";
                }
                KernelVariant ran = family.VariantOf(table);
                string name = ran == v ? v.Name() : $"{ran.Name()} (table {v.Name()})";
                log.WriteLine($"{family.Name,-16} {name,-26} {(failure is null ? "ok" : "MISMATCH"),-8} cases={CasesPerFamily}  hash={hash}");
                if (failure is not null)
                {
                    log.WriteLine($"  first mismatch: {failure}");
                    allOk = false;
                }
            }
        }
        allOk &= CheckNetwork(log, variants, reference, allOutputs);
        log.WriteLine($"kernel selftest {(allOk ? "passed" : "FAILED")}  hash={allOutputs.GetCurrentHashAsUInt64():x16}");
        return allOk;
    }

    /// <summary>Whole-network check on real layer shapes: MobileNetV1-0.25 (random weights) through the executor
    /// with two threads, logits compared with the single-threaded reference.</summary>
    private static bool CheckNetwork(TextWriter log, List<KernelVariant> variants, KernelTable reference, XxHash64 allOutputs)
    {
        const int threads = 2;
        sbyte[] input = new CaseRandom(8).Bytes(224 * 224 * 3);
        sbyte[] expected = RunNetwork(reference, 1, input);
        allOutputs.Append(MemoryMarshal.AsBytes(expected.AsSpan()));
        string hash = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(expected.AsSpan())).ToString("x16");
        bool ok = true;
        foreach (KernelVariant v in variants)
        {
            bool same = RunNetwork(KernelTable.Create(v), threads, input).AsSpan().SequenceEqual(expected);
            log.WriteLine($"{"mobilenet 0.25",-16} {v.Name() + $" ({threads} threads)",-26} {(same ? "ok" : "MISMATCH"),-8} logits=1000  hash={hash}");
            ok &= same;
        }
        return ok;
    }

    private static sbyte[] RunNetwork(KernelTable kernels, int threads, sbyte[] input)
    {
        using var executor = new Executor(KernelBenchmark.MobileNetV1(kernels, 0.25), threads);
        var logits = new sbyte[1000];
        executor.Run(input, logits);
        return logits;
    }
}
