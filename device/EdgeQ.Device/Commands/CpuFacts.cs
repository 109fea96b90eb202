using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using EdgeQ.Boards;

namespace EdgeQ.Device.Commands;

/// <summary>The ISA facts the runtime selects kernels from, as this process sees them, plus the board it runs on.</summary>
public sealed record CpuFacts(
    string ProcessArchitecture,
    int ProcessorCount,
    bool AdvSimdArm64IsSupported,
    bool DpIsSupported,
    bool RdmIsSupported,
    bool Avx2IsSupported,
    bool Vector128IsHardwareAccelerated,
    string? DeviceTreeModel,
    string? Board)
{
    private const string DeviceTreeModelPath = "/proc/device-tree/model";

    public static CpuFacts Detect()
    {
        string? model = File.Exists(DeviceTreeModelPath) ? File.ReadAllText(DeviceTreeModelPath).TrimEnd('\0') : null;
        return new CpuFacts(
            ArchitectureName(RuntimeInformation.ProcessArchitecture),
            Environment.ProcessorCount,
            AdvSimd.Arm64.IsSupported,
            Dp.IsSupported,
            Rdm.IsSupported,
            Avx2.IsSupported,
            Vector128.IsHardwareAccelerated,
            model,
            model is null ? null : BoardCatalog.FindByDeviceTreeModel(model)?.Id);
    }

    // A switch rather than Enum.ToString, which needs reflection metadata for the enum in a NativeAOT binary.
    private static string ArchitectureName(Architecture architecture) => architecture switch
    {
        Architecture.Arm64 => "arm64",
        Architecture.X64 => "x64",
        _ => "other",
    };

    // Written with Utf8JsonWriter: the source-generated serializer would add about 0.9 MB to the NativeAOT binary.
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("architecture", ProcessArchitecture);
            json.WriteNumber("processorCount", ProcessorCount);
            json.WriteBoolean("advSimdArm64IsSupported", AdvSimdArm64IsSupported);
            json.WriteBoolean("dpIsSupported", DpIsSupported);
            json.WriteBoolean("rdmIsSupported", RdmIsSupported);
            json.WriteBoolean("avx2IsSupported", Avx2IsSupported);
            json.WriteBoolean("vector128IsHardwareAccelerated", Vector128IsHardwareAccelerated);
            json.WriteString("deviceTreeModel", DeviceTreeModel);
            json.WriteString("board", Board);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
