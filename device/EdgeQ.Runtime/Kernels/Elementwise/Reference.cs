using System.Runtime.CompilerServices;

namespace EdgeQ.Runtime.Kernels;

/// <summary>o[i] = op(a[i * aStep] - za, b[i * bStep] - zb), requantized; a step of 0 broadcasts one value.</summary>
internal static class BinaryReference<TOp> where TOp : struct, IBinaryOp
{
    public static void Run(ref sbyte a, nint aStep, ref sbyte b, nint bStep, ref sbyte o, nint count, in BinaryQuant q)
    {
        for (nint i = 0; i < count; i++)
        {
            float x = Unsafe.Add(ref a, i * aStep) - q.ZeroPointA, y = Unsafe.Add(ref b, i * bStep) - q.ZeroPointB;
            Unsafe.Add(ref o, i) = Requantization.FromFloat(TOp.Invoke(x, y, q), q.Output);
        }
    }
}
