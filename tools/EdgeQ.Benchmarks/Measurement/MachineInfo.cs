using System.Globalization;
using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Benchmarks.Measurement;

/// <summary>
/// The CPU as /proc/cpuinfo reports it, and its int8 peak for the GEMM instruction EdgeQ's kernels use here:
/// AVX-VNNI VPDPBUSD (256-bit) does 32 int8 multiply-adds per instruction, AVX2 VPMADDWD 16 int16 ones; 2 per cycle per
/// core is the reciprocal throughput of 0.5 that instruction tables give for current x86 cores (an assumption, not
/// measured here); times the clock ("cpu MHz" in /proc/cpuinfo) times the cores a run may use.
/// </summary>
internal sealed record MachineInfo(string CpuModel, double ClockGHz, int LogicalCores, IReadOnlyList<string> Int8Extensions)
{
    public const int InstructionsPerCycle = 2;

    /// <summary>The multiply-add instruction of the GEMM kernel this CPU runs, and its int8 MACs.</summary>
    public static (string Name, int Macs) GemmInstruction { get; } =
        KernelTable.Best.GemmVariant == KernelVariant.AvxVnni ? ("VPDPBUSD", 32) : ("VPMADDWD", 16);

    public double Int8PeakGmacs(int threads) => GemmInstruction.Macs * InstructionsPerCycle * ClockGHz * threads;

    public string PeakFormula(int threads) =>
        $"{GemmInstruction.Macs} MACs/{GemmInstruction.Name} x {InstructionsPerCycle}/cycle x {ClockGHz:F2} GHz x {threads} core(s) = {Int8PeakGmacs(threads):F0} GMAC/s";

    public static MachineInfo Read()
    {
        var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(line => line.Length > 0)   // the first processor's block
            .Select(line => line.Split(':', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim());
        var flags = fields.GetValueOrDefault("flags", "").Split(' ').ToHashSet();
        // ISA extensions with faster int8 dot products than VPMADDWD, which ONNX Runtime's MLAS uses when present.
        string[] int8Extensions = ["avx_vnni", "avx512_vnni", "avx512bw"];
        return new MachineInfo(
            fields.GetValueOrDefault("model name", "unknown"),
            double.Parse(fields["cpu MHz"], CultureInfo.InvariantCulture) / 1000,
            Environment.ProcessorCount,
            int8Extensions.Where(flags.Contains).ToList());
    }

    /// <summary>The 1-minute load average (/proc/loadavg): how busy the shared machine was.</summary>
    public static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
