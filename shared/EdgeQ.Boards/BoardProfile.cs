namespace EdgeQ.Boards;

/// <summary>One supported board, as described by a <c>boards/&lt;id&gt;.json</c> file (schema: docs/boards.md).</summary>
public sealed record BoardProfile
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>Prefix of <c>/proc/device-tree/model</c> on this board; how a running device finds its profile.</summary>
    public required string DeviceTreeModel { get; init; }
    public required string Soc { get; init; }
    public required string CpuCore { get; init; }
    /// <summary>Architecture level of the core, spelled as NativeAOT spells it (<c>armv8-a</c>, <c>armv8.2-a</c>).</summary>
    public required string IsaLevel { get; init; }
    /// <summary>Subset of <see cref="BoardSchema.IsaFeatures"/>.</summary>
    public required IReadOnlyList<string> IsaFeatures { get; init; }
    public required int Cores { get; init; }
    public required int ClockMHz { get; init; }
    /// <summary>RAM sizes the board is sold with, in MiB.</summary>
    public required IReadOnlyList<int> RamMB { get; init; }
    public required string RuntimeIdentifier { get; init; }
    /// <summary>NativeAOT <c>IlcInstructionSet</c> for a board-specific build; empty keeps ISA checks at run time.</summary>
    public required string IlcInstructionSet { get; init; }
    public required int DefaultThreads { get; init; }
    /// <summary>The <c>qemu-aarch64 -cpu</c> model whose ISA features match the board's.</summary>
    public required string QemuCpu { get; init; }
    public required string GpioChip { get; init; }
    public required string GpioChipLabel { get; init; }
    public required string CameraDevice { get; init; }
    public required string MinimumOs { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool Has(string isaFeature) => BoardSchema.IsListed(IsaFeatures, isaFeature);
}
