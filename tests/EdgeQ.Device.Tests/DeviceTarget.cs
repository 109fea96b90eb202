namespace EdgeQ.Device.Tests;

/// <summary>
/// A published edgeq-run build (the folder under artifacts/device: linux-x64, linux-arm64 or a board id) and where it
/// runs: natively when <paramref name="QemuCpu"/> is null, otherwise under that QEMU CPU model.
/// </summary>
public sealed record DeviceTarget(string Name, string Build, string? QemuCpu)
{
    public static readonly DeviceTarget X64 = new("x64", "linux-x64", null);
    /// <summary>Raspberry Pi 4: NEON without SDOT.</summary>
    public static readonly DeviceTarget A72 = new("cortex-a72 (Pi 4)", "linux-arm64", "a72");
    /// <summary>Raspberry Pi 5: NEON with SDOT.</summary>
    public static readonly DeviceTarget A76 = new("cortex-a76 (Pi 5)", "linux-arm64", "a76");

    /// <summary>The paths whose output bytes must agree: AVX-VNNI or AVX2, NEON and NEON dot-product.</summary>
    public static readonly IReadOnlyList<DeviceTarget> KernelPaths = [X64, A72, A76];

    /// <summary>The arm64 build under the QEMU model a board profile names (e.g. cortex-a53).</summary>
    public static DeviceTarget ForQemuCpu(string qemuCpu) => new(qemuCpu, "linux-arm64", qemuCpu);

    /// <summary>A board-specific build (the board's ilcInstructionSet) under a QEMU CPU model.</summary>
    public static DeviceTarget BoardBuild(string boardId, string qemuCpu) => new($"{boardId} build on {qemuCpu}", boardId, qemuCpu);

    public override string ToString() => Name;
}
