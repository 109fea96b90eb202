namespace EdgeQ.Runtime.Kernels;

/// <summary>The kernels one CPU runs, chosen once (at model load) from its instruction sets, or forced to a
/// variant for tests and <c>--kernels</c>. Operators call through these pointers and never branch on the ISA.
/// A family without its own code for the requested variant uses the best one below it (depthwise on
/// <see cref="KernelVariant.NeonDot"/> runs the <see cref="KernelVariant.Neon"/> kernel: SDOT does not help there);
/// the <c>...Variant</c> properties say which code each family runs.</summary>
public sealed unsafe class KernelTable
{
    private KernelTable(KernelVariant variant)
    {
        Variant = variant;
        switch (variant)
        {
            case KernelVariant.Reference:
                SetGemm(KernelVariant.Reference, Gemm1x1Reference.Tile, &Gemm1x1Reference.Run);
                break;
            case KernelVariant.Vector128:
                SetGemm<Gemm4x16c1Vector128>(KernelVariant.Vector128);
                break;
            case KernelVariant.Avx2:
                SetGemm<Gemm4x16c2Avx2>(KernelVariant.Avx2);
                break;
            case KernelVariant.AvxVnni:
                SetGemm<Gemm4x16c4AvxVnni>(KernelVariant.AvxVnni);
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

        // Families whose vector code is portable Vector128 plus, where it pays, one ARM64 and one x86 AVX2 form.
        bool arm = variant is KernelVariant.Neon or KernelVariant.NeonDot;
        bool avx2 = variant is KernelVariant.Avx2 or KernelVariant.AvxVnni;
        VectorFamiliesVariant = variant == KernelVariant.Reference ? KernelVariant.Reference : KernelVariant.Vector128;
        bool vector = VectorFamiliesVariant == KernelVariant.Vector128;

        if (arm) SetDepthwise<DepthwiseRow3x3Neon>(KernelVariant.Neon);
        else if (avx2) SetDepthwise<DepthwiseRow3x3Avx2>(KernelVariant.Avx2);
        else if (vector) SetDepthwise<DepthwiseRowC16<DepthwiseC16Vector128>>(KernelVariant.Vector128);
        else SetDepthwise<DepthwiseReference>(KernelVariant.Reference);

        MaxPool = vector ? &Window.Run<PoolingPixel<MaxPoolC16Vector128>, PoolingArgs> : &Window.Run<PoolingPixel<MaxPoolReference>, PoolingArgs>;
        AveragePool = vector ? &Window.Run<PoolingPixel<AveragePoolC16Vector128>, PoolingArgs> : &Window.Run<PoolingPixel<AveragePoolReference>, PoolingArgs>;
        BinaryVariant = avx2 ? KernelVariant.Avx2 : VectorFamiliesVariant;
        Add = avx2 ? &BinaryAvx2<AddOp>.Run : vector ? &BinaryVector128<AddOp>.Run : &BinaryReference<AddOp>.Run;
        Mul = avx2 ? &BinaryAvx2<MulOp>.Run : vector ? &BinaryVector128<MulOp>.Run : &BinaryReference<MulOp>.Run;
        Requantize = vector ? &RequantizeVector128.Run : &RequantizeReference.Run;
        ResizeBilinear = vector ? &BilinearDriver.Run<BilinearC16Vector128> : &BilinearDriver.Run<BilinearReference>;

        LutVariant = arm ? KernelVariant.Neon : avx2 ? KernelVariant.Avx2 : KernelVariant.Reference;
        Lut = arm ? &LutC16Neon.Run : avx2 ? &LutC32Avx2.Run : &LutReference.Run;
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

    /// <summary>The variant this table was built for.</summary>
    public KernelVariant Variant { get; }

    public GemmTile GemmTile { get; private set; }
    public KernelVariant GemmVariant { get; private set; }
    internal delegate*<ref sbyte, nint, nint, PackedGemm, ref sbyte, nint, void> Gemm { get; private set; }

    public KernelVariant DepthwiseVariant { get; private set; }
    /// <summary>How <see cref="Kernels.Depthwise.Pack"/> lays out weights for this table's depthwise kernel.</summary>
    public DepthwiseLayout DepthwiseLayout { get; private set; }
    internal delegate*<in WindowOp, in DepthwiseArgs, int, int, void> Depthwise { get; private set; }

    /// <summary>Variant of pooling, elementwise, requantize and bilinear resize: Vector128 unless the table is the
    /// reference one.</summary>
    public KernelVariant VectorFamiliesVariant { get; }
    /// <summary>The Add/Mul code: avx2 on avx2 and avxvnni, else as <see cref="VectorFamiliesVariant"/>.</summary>
    public KernelVariant BinaryVariant { get; }
    internal delegate*<in WindowOp, in PoolingArgs, int, int, void> MaxPool { get; }
    internal delegate*<in WindowOp, in PoolingArgs, int, int, void> AveragePool { get; }
    internal delegate*<ref sbyte, nint, ref sbyte, nint, ref sbyte, nint, in BinaryQuant, void> Add { get; }
    internal delegate*<ref sbyte, nint, ref sbyte, nint, ref sbyte, nint, in BinaryQuant, void> Mul { get; }
    internal delegate*<ref sbyte, ref sbyte, nint, in RequantizeParams, void> Requantize { get; }
    internal delegate*<ResizeBilinear, sbyte*, sbyte*, int, int, void> ResizeBilinear { get; }

    /// <summary>Lookup tables: NEON TBL/TBX on ARM64, scalar elsewhere (x86 has no 256-byte table lookup).</summary>
    public KernelVariant LutVariant { get; }
    internal delegate*<ref sbyte, ref sbyte, ref sbyte, nint, void> Lut { get; }

    private void SetDepthwise<TRow>(KernelVariant variant) where TRow : struct, IDepthwiseRow
    {
        DepthwiseVariant = variant;
        DepthwiseLayout = TRow.Layout;
        Depthwise = &DepthwiseDriver.Run<TRow>;
    }

    private void SetGemm<TKernel>(KernelVariant variant) where TKernel : struct, IGemmMicrokernel
        => SetGemm(variant, TKernel.Tile, &GemmDriver.Run<TKernel>);

    private void SetGemm(KernelVariant variant, GemmTile tile, delegate*<ref sbyte, nint, nint, PackedGemm, ref sbyte, nint, void> kernel)
    {
        GemmVariant = variant;
        GemmTile = tile;
        Gemm = kernel;
    }
}
