using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeQ.Runtime.Kernels;

/// <summary>ARM64 TBL/TBX over the table as four 64-byte quarters: index = in + 128 (flip the sign bit); TBL looks up
/// the first quarter (0 elsewhere), each TBX looks up the next quarter with the index moved down by 64 and keeps
/// the lanes whose index is outside it.</summary>
internal static class LutC16Neon
{
    public static void Run(ref sbyte table, ref sbyte src, ref sbyte dst, nint count)
    {
        ref byte t = ref Unsafe.As<sbyte, byte>(ref table);
        var q0 = (Vector128.LoadUnsafe(ref t, 0), Vector128.LoadUnsafe(ref t, 16), Vector128.LoadUnsafe(ref t, 32), Vector128.LoadUnsafe(ref t, 48));
        var q1 = (Vector128.LoadUnsafe(ref t, 64), Vector128.LoadUnsafe(ref t, 80), Vector128.LoadUnsafe(ref t, 96), Vector128.LoadUnsafe(ref t, 112));
        var q2 = (Vector128.LoadUnsafe(ref t, 128), Vector128.LoadUnsafe(ref t, 144), Vector128.LoadUnsafe(ref t, 160), Vector128.LoadUnsafe(ref t, 176));
        var q3 = (Vector128.LoadUnsafe(ref t, 192), Vector128.LoadUnsafe(ref t, 208), Vector128.LoadUnsafe(ref t, 224), Vector128.LoadUnsafe(ref t, 240));
        Vector128<byte> signBit = Vector128.Create((byte)0x80), quarter = Vector128.Create((byte)64);
        nint i = 0;
        for (; i + 16 <= count; i += 16)
        {
            Vector128<byte> index = Vector128.LoadUnsafe(ref Unsafe.As<sbyte, byte>(ref src), (nuint)i) ^ signBit;
            Vector128<byte> r = AdvSimd.Arm64.VectorTableLookup(q0, index);
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q1, index -= quarter);
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q2, index -= quarter);
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q3, index - quarter);
            r.AsSByte().StoreUnsafe(ref dst, (nuint)i);
        }
        LutReference.Run(ref table, ref Unsafe.Add(ref src, i), ref Unsafe.Add(ref dst, i), count - i);
    }
}
