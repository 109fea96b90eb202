using EdgeQ.Host.Ir;

namespace EdgeQ.Host.Quantization;

/// <summary>Host-built 256-entry int8 tables for the Lut op: no transcendental function runs on the device.</summary>
public static class LookupTables
{
    /// <summary>
    /// table[q + 128] = quantize_out(f(dequantize_in(q))) for every int8 q, with f evaluated in float32 by the same
    /// code as the float executor, so the table is the float network's function sampled at the input grid.
    /// </summary>
    public static sbyte[] Build(Activation activation, AffineQuantization input, AffineQuantization output)
    {
        var x = new float[256];
        for (int i = 0; i < x.Length; i++) x[i] = input.Dequantize(i + AffineQuantization.QMin);
        activation.Apply(x);
        var table = new sbyte[256];
        for (int i = 0; i < table.Length; i++)
        {
            if (float.IsNaN(x[i]))
                throw new NotSupportedException($"{activation} is undefined at {input.Dequantize(i + AffineQuantization.QMin):G4}, inside its input's quantized range");
            table[i] = (sbyte)output.Quantize(x[i]);
        }
        return table;
    }
}
