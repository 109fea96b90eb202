using EdgeQ.Runtime.Kernels;

namespace EdgeQ.Runtime.Diagnostics;

/// <summary>Lists of variant names for messages and logs ("reference, vector128, ...").</summary>
public static class KernelVariantNames
{
    /// <summary>A loop, not <c>Select</c>: LINQ over an enum is a value-type instantiation of its iterators, which
    /// NativeAOT compiles separately (docs/device.md, binary size).</summary>
    public static string Join(IEnumerable<KernelVariant> variants, string separator = ", ")
    {
        var names = new List<string>();
        foreach (var variant in variants)
            names.Add(variant.Name());
        return string.Join(separator, names);
    }
}
