namespace EdgeQ.Boards;

/// <summary>The rules a board profile must satisfy beyond parsing (docs/boards.md lists them).</summary>
public static class BoardSchema
{
    /// <summary>ARM ISA features the runtime can select kernels by.</summary>
    public static readonly IReadOnlyList<string> IsaFeatures = ["neon", "dotprod", "fp16", "i8mm"];

    /// <summary>Architecture levels in ascending order, in NativeAOT's spelling.</summary>
    public static IReadOnlyList<string> IsaLevels => LevelOrder;

    private static readonly string[] LevelOrder =
        ["armv8-a", "armv8.1-a", "armv8.2-a", "armv8.3-a", "armv8.4-a", "armv8.5-a", "armv8.6-a"];

    /// <summary>
    /// Feature names from NativeAOT's arm64 instruction-set list that may follow the level in <c>IlcInstructionSet</c>
    /// (the profiles use only <c>dotprod</c>: tools/arm/publish-device.sh pi5 builds it, tests/EdgeQ.Device.Tests runs it).
    /// </summary>
    public static readonly IReadOnlyList<string> IlcFeatures = ["dotprod", "rdma", "lse", "rcpc", "crc", "aes", "sha1", "sha2"];

    public static readonly IReadOnlyList<string> RuntimeIdentifiers = ["linux-arm64"];

    /// <summary>
    /// QEMU user-mode CPU models and the features of <see cref="IsaFeatures"/> they emulate. A board's model must emulate
    /// exactly the board's features, so code under QEMU takes the same kernel path as on the board.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> QemuCpuFeatures =
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["cortex-a53"] = ["neon"],
            ["cortex-a57"] = ["neon"],
            ["cortex-a72"] = ["neon"],
            ["cortex-a76"] = ["neon", "dotprod", "fp16"],
            ["neoverse-n1"] = ["neon", "dotprod", "fp16"],
            ["max"] = ["neon", "dotprod", "fp16", "i8mm"],
        };

    // Features that need at least this architecture level: dotprod and fp16 arrived as Armv8.2-A options, and so did i8mm.
    private static readonly IReadOnlyDictionary<string, string> MinimumLevel =
        new Dictionary<string, string> { ["dotprod"] = "armv8.2-a", ["fp16"] = "armv8.2-a", ["i8mm"] = "armv8.2-a" };

    /// <summary>Every rule the profile breaks, each as one readable sentence; empty when the profile is valid.</summary>
    public static IReadOnlyList<string> Validate(BoardProfile board, string fileName)
    {
        var problems = new List<string>();
        void Require(bool holds, string problem) { if (!holds) problems.Add(problem); }

        Require(IsValidId(board.Id), $"id '{board.Id}' must be lower-case letters, digits and single hyphens");
        Require(fileName == board.Id + ".json", $"file name must be '{board.Id}.json' to match the id");
        foreach (var (field, value) in new[]
                 {
                     ("name", board.Name), ("deviceTreeModel", board.DeviceTreeModel), ("soc", board.Soc),
                     ("cpuCore", board.CpuCore), ("minimumOs", board.MinimumOs),
                 })
            Require(!string.IsNullOrWhiteSpace(value), $"{field} must not be empty");

        int level = LevelIndex(board.IsaLevel);
        Require(level >= 0, $"isaLevel '{board.IsaLevel}' is not one of {string.Join(", ", IsaLevels)}");
        foreach (var feature in board.IsaFeatures)
        {
            if (!IsListed(IsaFeatures, feature))
                problems.Add($"isaFeatures: unknown feature '{feature}' (known: {string.Join(", ", IsaFeatures)})");
            else if (MinimumLevel.TryGetValue(feature, out var minimum) && level >= 0 && level < LevelIndex(minimum))
                problems.Add($"isaFeatures: '{feature}' needs an {minimum} or later core, but isaLevel is {board.IsaLevel}");
        }
        Require(new HashSet<string>(board.IsaFeatures).Count == board.IsaFeatures.Count, "isaFeatures lists a feature twice");
        Require(board.Has("neon"), "isaFeatures must include 'neon': the runtime needs AdvSimd on every board");

        Require(board.Cores is >= 1 and <= 256, $"cores {board.Cores} must be between 1 and 256");
        Require(board.ClockMHz is >= 100 and <= 6000, $"clockMHz {board.ClockMHz} must be between 100 and 6000");
        Require(board.RamMB.Count > 0 && AllPositive(board.RamMB), "ramMB must list at least one positive size");
        Require(board.DefaultThreads >= 1 && board.DefaultThreads <= board.Cores,
            $"defaultThreads {board.DefaultThreads} must be between 1 and cores ({board.Cores})");
        Require(IsListed(RuntimeIdentifiers, board.RuntimeIdentifier),
            $"runtimeIdentifier '{board.RuntimeIdentifier}' is not one of {string.Join(", ", RuntimeIdentifiers)}");
        problems.AddRange(ValidateIlcInstructionSet(board, level));

        if (!QemuCpuFeatures.TryGetValue(board.QemuCpu, out var emulated))
            problems.Add($"qemuCpu '{board.QemuCpu}' is not one of {string.Join(", ", QemuCpuFeatures.Keys)}");
        else if (!SameSet(emulated, board.IsaFeatures))
            problems.Add($"qemuCpu '{board.QemuCpu}' emulates [{string.Join(", ", emulated)}] " +
                         $"but the board has [{string.Join(", ", board.IsaFeatures)}]");

        Require(IsGpioChipName(board.GpioChip), $"gpioChip '{board.GpioChip}' must look like 'gpiochip0'");
        Require(!string.IsNullOrWhiteSpace(board.GpioChipLabel), "gpioChipLabel must not be empty");
        Require(board.CameraDevice.StartsWith("/dev/video", StringComparison.Ordinal),
            $"cameraDevice '{board.CameraDevice}' must be a /dev/video* path");
        return problems;
    }

    private static IEnumerable<string> ValidateIlcInstructionSet(BoardProfile board, int boardLevel)
    {
        if (board.IlcInstructionSet.Length == 0)
            yield break;
        var parts = board.IlcInstructionSet.Split(',');
        int level = LevelIndex(parts[0]);
        if (level < 0)
            yield return $"ilcInstructionSet must start with an architecture level ({string.Join(", ", IsaLevels)}), not '{parts[0]}'";
        else if (boardLevel >= 0 && level > boardLevel)
            yield return $"ilcInstructionSet level {parts[0]} is above the core's isaLevel {board.IsaLevel}: the binary would not start";
        for (int i = 1; i < parts.Length; i++)
        {
            var feature = parts[i];
            if (!IsListed(IlcFeatures, feature))
                yield return $"ilcInstructionSet: unknown feature '{feature}' (known: {string.Join(", ", IlcFeatures)})";
            else if (IsListed(IsaFeatures, feature) && !board.Has(feature))
                yield return $"ilcInstructionSet requires '{feature}', which the board's isaFeatures lack: the binary would not start";
        }
    }

    // Hand-written instead of Regex: the regex engine would add hundreds of KB to the NativeAOT device binary.
    private static bool IsValidId(string id)
    {
        if (id.Length == 0 || id[0] == '-' || id[^1] == '-' || id.Contains("--", StringComparison.Ordinal))
            return false;
        foreach (char c in id)
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                return false;
        return true;
    }

    private static bool IsGpioChipName(string name) =>
        name.StartsWith("gpiochip", StringComparison.Ordinal) && name.Length > "gpiochip".Length
        && !name.AsSpan("gpiochip".Length).ContainsAnyExceptInRange('0', '9');

    private static int LevelIndex(string level) => Array.IndexOf(LevelOrder, level);

    /// <summary>Whether <paramref name="list"/> holds <paramref name="item"/> (ordinal).</summary>
    internal static bool IsListed(IReadOnlyList<string> list, string item)
    {
        foreach (var entry in list)
            if (entry == item)
                return true;
        return false;
    }

    private static bool AllPositive(IReadOnlyList<int> values)
    {
        foreach (int value in values)
            if (value <= 0)
                return false;
        return true;
    }

    /// <summary>Same items in any order; <paramref name="a"/> holds no duplicates, so equal counts and a within b suffice.</summary>
    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count != b.Count)
            return false;
        foreach (var item in a)
            if (!IsListed(b, item))
                return false;
        return true;
    }
}
