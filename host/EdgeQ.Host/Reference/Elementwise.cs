using System.Numerics;
using System.Numerics.Tensors;
using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Reference;

/// <summary>Binary elementwise ops with ONNX broadcasting; the innermost contiguous run goes to TensorPrimitives.</summary>
public static class Elementwise
{
    public static TensorData Cast(TensorData x, ElementType to) => (x.Type, to) switch
    {
        (ElementType.Float32, ElementType.Int64) => TensorData.FromLongs(x.Shape, x.Floats.Select(v => (long)v).ToArray()),
        (ElementType.Int64, ElementType.Float32) => TensorData.FromFloats(x.Shape, x.Longs.Select(v => (float)v).ToArray()),
        _ => x,
    };

    public static TensorData Binary(BinaryKind kind, TensorData a, TensorData b)
    {
        int[] outShape = Shapes.Broadcast(a.Shape, b.Shape);
        if (a.Type != b.Type) throw new InvalidOperationException($"{kind}: operand types {a.Type} and {b.Type} differ");
        if (a.Type == ElementType.Int64)
        {
            var result = new long[Shapes.Size(outShape)];
            switch (kind)
            {
                case BinaryKind.Add: Broadcast<long, AddOp<long>>(a.Longs, a.Shape, b.Longs, b.Shape, result, outShape); break;
                case BinaryKind.Sub: Broadcast<long, SubOp<long>>(a.Longs, a.Shape, b.Longs, b.Shape, result, outShape); break;
                case BinaryKind.Mul: Broadcast<long, MulOp<long>>(a.Longs, a.Shape, b.Longs, b.Shape, result, outShape); break;
                case BinaryKind.Div: Broadcast<long, DivOp<long>>(a.Longs, a.Shape, b.Longs, b.Shape, result, outShape); break;
                default: throw new InvalidOperationException($"{kind} on int64");
            }
            return TensorData.FromLongs(outShape, result);
        }
        var floats = new float[Shapes.Size(outShape)];
        switch (kind)
        {
            case BinaryKind.Add: Broadcast<float, AddOp<float>>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
            case BinaryKind.Sub: Broadcast<float, SubOp<float>>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
            case BinaryKind.Mul: Broadcast<float, MulOp<float>>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
            case BinaryKind.Div: Broadcast<float, DivOp<float>>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
            case BinaryKind.PRelu: Broadcast<float, PReluOp>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
            case BinaryKind.Pow: Broadcast<float, PowOp>(a.Floats, a.Shape, b.Floats, b.Shape, floats, outShape); break;
        }
        return TensorData.FromFloats(outShape, floats);
    }

    /// <summary>A binary op on a contiguous run, with either side possibly a broadcast scalar.</summary>
    private interface IBinaryOp<T>
    {
        static abstract void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);
        static abstract void Invoke(ReadOnlySpan<T> a, T b, Span<T> d);
        static abstract void Invoke(T a, ReadOnlySpan<T> b, Span<T> d);
    }

    private readonly struct AddOp<T> : IBinaryOp<T> where T : INumber<T>
    {
        public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(a, b, d);
        public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Add(a, b, d);
        public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(b, a, d);
    }

    private readonly struct SubOp<T> : IBinaryOp<T> where T : INumber<T>
    {
        public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
        public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
        public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
    }

    private readonly struct MulOp<T> : IBinaryOp<T> where T : INumber<T>
    {
        public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);
        public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);
        public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(b, a, d);
    }

    private readonly struct DivOp<T> : IBinaryOp<T> where T : INumber<T>
    {
        public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
        public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
        public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
    }

    private readonly struct PowOp : IBinaryOp<float>
    {
        public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Pow(a, b, d);
        public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Pow(a, b, d);
        public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Pow(a, b, d);
    }

    private readonly struct PReluOp : IBinaryOp<float>
    {
        public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, Span<float> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] = x[i] < 0 ? x[i] * slope[i] : x[i];
        }

        public static void Invoke(ReadOnlySpan<float> x, float slope, Span<float> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] = x[i] < 0 ? x[i] * slope : x[i];
        }

        public static void Invoke(float x, ReadOnlySpan<float> slope, Span<float> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] = x < 0 ? x * slope[i] : x;
        }
    }

    private static void Broadcast<T, TOp>(T[] a, int[] aShape, T[] b, int[] bShape, T[] dst, int[] outShape)
        where TOp : IBinaryOp<T>
    {
        if (dst.Length == 0) return;
        var (sizes, aStrides, bStrides) = MergedBroadcastDims(aShape, bShape, outShape);
        int rank = sizes.Count, inner = sizes[rank - 1];
        int aInner = aStrides[rank - 1], bInner = bStrides[rank - 1];
        var index = new int[rank - 1];
        for (int d = 0; d < dst.Length; d += inner)
        {
            int ai = 0, bi = 0;
            for (int k = 0; k < rank - 1; k++) { ai += index[k] * aStrides[k]; bi += index[k] * bStrides[k]; }
            var target = dst.AsSpan(d, inner);
            if (aInner == 0 && bInner == 0) { TOp.Invoke(a[ai], b.AsSpan(bi, 1), target[..1]); target.Fill(target[0]); }
            else if (aInner == 0) TOp.Invoke(a[ai], b.AsSpan(bi, inner), target);
            else if (bInner == 0) TOp.Invoke(a.AsSpan(ai, inner), b[bi], target);
            else TOp.Invoke(a.AsSpan(ai, inner), b.AsSpan(bi, inner), target);
            for (int k = rank - 2; k >= 0 && ++index[k] == sizes[k]; k--) index[k] = 0;
        }
    }

    /// <summary>
    /// Output dims with each operand's stride (0 where broadcast), merging neighbours that are contiguous in both
    /// operands, so a per-channel scale over NHWC becomes [H*W, C] with one run per pixel.
    /// </summary>
    private static (List<int> Sizes, List<int> AStrides, List<int> BStrides) MergedBroadcastDims(int[] aShape, int[] bShape, int[] outShape)
    {
        int rank = outShape.Length;
        int[] aStr = AlignedStrides(aShape, rank), bStr = AlignedStrides(bShape, rank);
        List<int> sizes = [1], aS = [0], bS = [0];
        for (int d = 0; d < rank; d++)
        {
            if (outShape[d] == 1) continue;
            int last = sizes.Count - 1;
            if (aS[last] == aStr[d] * outShape[d] && bS[last] == bStr[d] * outShape[d] || sizes[last] == 1)
            {
                sizes[last] *= outShape[d];
                aS[last] = aStr[d];
                bS[last] = bStr[d];
            }
            else { sizes.Add(outShape[d]); aS.Add(aStr[d]); bS.Add(bStr[d]); }
        }
        return (sizes, aS, bS);
    }

    private static int[] AlignedStrides(int[] shape, int rank)
    {
        var strides = new int[rank];
        int[] own = Shapes.Strides(shape);
        for (int i = 0; i < shape.Length; i++)
            strides[rank - shape.Length + i] = shape[i] == 1 ? 0 : own[i];
        return strides;
    }
}
