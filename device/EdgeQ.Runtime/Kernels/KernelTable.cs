namespace EdgeQ.Runtime.Kernels;

/// <summary>The kernels one CPU runs, chosen once (at model load) from its instruction sets, or forced to a
/// variant for tests and <c>--kernels</c>. Operators call through these pointers and never branch on the ISA.
/// A family without its own code for the requested variant uses the best one below it (e.g. depthwise on
/// <see cref="KernelVariant.NeonDot"/> runs the <see cref="KernelVariant.Neon"/> kernel: SDOT does not help there);
/// <c>...Variant</c> properties say which one each family runs.</summary>
public sealed unsafe class KernelTable
{
    private KernelTable(KernelVariant variant)
    {
        Variant = variant;
        switch (variant)
        {
            case KernelVariant.Reference:
                SetGemm<Gemm4x16c1Vector128>(KernelVariant.Reference, Gemm1x1Reference.Tile, &Gemm1x1Reference.Run);
                break;
            case KernelVariant.Vector128:
                SetGemm<Gemm4x16c1Vector128>(KernelVariant.Vector128);
                break;
            case KernelVariant.Avx2:
                SetGemm<Gemm4x16c2Avx2>(KernelVariant.Avx2);
                break;
            case KernelVariant.Neon:
                SetGemm<Gemm2x8c16Neon>(KernelVariant.Neon);
                break;
            case KernelVariant.NeonDot:
                SetGemm<Gemm4x16c4NeonDot>(KernelVariant.NeonDot);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, null);
        }
    }

    /// <summary>The table for this CPU's best variant.</summary>
    public static KernelTable Best { get; } = new(KernelVariants.Best);

    /// <summary>The table for a forced variant; fails if this CPU cannot run it.</summary>
    public static KernelTable Create(KernelVariant variant)
    {
        if (!KernelVariants.IsSupported(variant))
            throw new PlatformNotSupportedException($"kernel variant '{variant.Name()}' is not supported on this CPU");
        return variant == Best.Variant ? Best : new KernelTable(variant);
    }

    public KernelVariant Variant { get; }

    public GemmTile GemmTile { get; private set; }
    public KernelVariant GemmVariant { get; private set; }
    internal delegate*<ref sbyte, nint, nint, PackedGemm, ref sbyte, nint, void> Gemm { get; private set; }

    private void SetGemm<TKernel>(KernelVariant variant) where TKernel : struct, IGemmMicrokernel
        => SetGemm<TKernel>(variant, TKernel.Tile, &GemmDriver.Run<TKernel>);

    private void SetGemm<TKernel>(KernelVariant variant, GemmTile tile,
        delegate*<ref sbyte, nint, nint, PackedGemm, ref sbyte, nint, void> kernel) where TKernel : struct, IGemmMicrokernel
    {
        GemmVariant = variant;
        GemmTile = tile;
        Gemm = kernel;
    }
}
