using EdgeQ.Boards;
using EdgeQ.CommandLine;
using EdgeQ.Format;
using EdgeQ.Runtime;
using EdgeQ.Runtime.Diagnostics;
using EdgeQ.Runtime.Kernels;
using EdgeQ.Runtime.Loading;

namespace EdgeQ.Device.Commands;

/// <summary>The MODEL.eqm argument and the --threads / --kernels options the model commands share, and loading the
/// model with them so that a missing, corrupt or unsupported model is a one-line usage error.</summary>
public static class ModelOptions
{
    public static readonly ArgumentSpec Model = new("MODEL.eqm", "The model file (from 'edgeq pack')");
    public static readonly OptionSpec Threads = new("--threads", "Threads per inference (default: the board profile's, else one per core)", "N");
    public static readonly OptionSpec Kernels = new("--kernels",
        $"Force a kernel variant: {KernelVariantNames.Join(KernelVariants.All)} (default: the best this CPU runs)", "VARIANT");

    public static InferenceModel Open(ParsedCommand parsed)
    {
        string path = parsed.Arguments[0];
        var options = new InferenceOptions(parsed.IntValue(Threads.Name, DefaultThreads(), 1, 1024), Variant(parsed));
        try
        {
            return InferenceModel.Open(path, options);
        }
        catch (Exception e) when (e is EqmFormatException or UnsupportedModelException or PlatformNotSupportedException)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }

    /// <summary>The forced variant, or null for this CPU's best.</summary>
    public static KernelVariant? Variant(ParsedCommand parsed)
    {
        if (parsed.Value(Kernels.Name) is not { } name) return null;
        return KernelVariants.TryParse(name, out KernelVariant variant)
            ? variant
            : throw new UsageException($"{Kernels.Name} must be one of {KernelVariantNames.Join(KernelVariants.All)}, not '{name}'");
    }

    public static long TotalMacs(InferenceModel model)
    {
        long macs = 0;
        foreach (LayerInfo layer in model.Layers) macs += layer.Macs;
        return macs;
    }

    private static int DefaultThreads() =>
        CpuFacts.Detect().Board is { } id && BoardCatalog.Find(id) is { } board ? board.DefaultThreads : Environment.ProcessorCount;

    /// <summary>"avx2 (gemm avx2, depthwise vector128, ...)": what each kernel family runs, so a fall-back is visible.</summary>
    public static string DescribeKernels(KernelTable k) =>
        $"{k.Variant.Name()} (gemm {k.GemmVariant.Name()} {k.GemmTile.MR}x{k.GemmTile.NR}c{k.GemmTile.KR}, depthwise {k.DepthwiseVariant.Name()}, " +
        $"pooling/elementwise/resize {k.VectorFamiliesVariant.Name()}, lut {k.LutVariant.Name()})";
}
