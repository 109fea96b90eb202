using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace EdgeQ.Runtime.Kernels;

/// <summary>The instruction-set variants a kernel family can be built for, from plainest to most specialised.</summary>
public enum KernelVariant
{
    /// <summary>Scalar C#: the readable oracle every other variant must match byte for byte.</summary>
    Reference,
    /// <summary>Portable <see cref="System.Runtime.Intrinsics.Vector128"/> code (SSE on x86, NEON on ARM64).</summary>
    Vector128,
    /// <summary>x86-64 AVX2.</summary>
    Avx2,
    /// <summary>x86-64 AVX2 + AVX-VNNI (VPDPBUSD; Intel Alder Lake and later, AMD Zen 4 and later).</summary>
    AvxVnni,
    /// <summary>ARM64 AdvSimd (Cortex-A72, Pi 4): SMULL/SMLAL into int16, SADALP into int32.</summary>
    Neon,
    /// <summary>ARM64 AdvSimd + Dp (Cortex-A76, Pi 5): SDOT.</summary>
    NeonDot,
}

public static class KernelVariants
{
    public static IReadOnlyList<KernelVariant> All { get; } = Enum.GetValues<KernelVariant>();

    public static bool IsSupported(KernelVariant variant) => variant switch
    {
        KernelVariant.Reference => true,
        KernelVariant.Vector128 => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
        KernelVariant.Avx2 => X86.Avx2.IsSupported,
        KernelVariant.AvxVnni => X86.AvxVnni.IsSupported,
        KernelVariant.Neon => AdvSimd.Arm64.IsSupported,
        KernelVariant.NeonDot => AdvSimd.Arm64.IsSupported && Dp.IsSupported,
        _ => false,
    };

    /// <summary>Every variant this CPU runs, reference first.</summary>
    public static IEnumerable<KernelVariant> Supported => All.Where(IsSupported);

    /// <summary>The fastest variant this CPU runs.</summary>
    public static KernelVariant Best => Supported.Last();

    /// <summary>The lower-case name used on the command line (<c>--kernels neondot</c>) and in logs.</summary>
    public static string Name(this KernelVariant variant) => variant.ToString().ToLowerInvariant();

    public static bool TryParse(string name, out KernelVariant variant)
    {
        foreach (KernelVariant v in All)
        {
            if (string.Equals(v.Name(), name, StringComparison.OrdinalIgnoreCase)) { variant = v; return true; }
        }
        variant = default;
        return false;
    }
}
