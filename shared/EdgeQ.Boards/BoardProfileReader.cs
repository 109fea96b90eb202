using System.Text.Json;

namespace EdgeQ.Boards;

/// <summary>
/// Reads a profile with <see cref="JsonDocument"/> rather than the JSON serializer: on linux-arm64 NativeAOT the serializer
/// added 0.9 MB more than the reader did (docs/device.md), and the device runtime has a 3 MB budget. Reports every
/// missing, mistyped or unknown field instead of stopping at the first.
/// </summary>
internal sealed class BoardProfileReader
{
    private readonly JsonElement _profile;
    private readonly HashSet<string> _known = [];
    private readonly List<string> _problems = [];

    private BoardProfileReader(JsonElement profile) => _profile = profile;

    /// <summary>The profile, or the list of structural problems (which <see cref="BoardSchema"/> rules cannot check).</summary>
    public static (BoardProfile? Board, IReadOnlyList<string> Problems) Read(JsonElement profile)
    {
        if (profile.ValueKind != JsonValueKind.Object)
            return (null, [$"the file must hold one JSON object, not {profile.ValueKind}"]);
        var reader = new BoardProfileReader(profile);
        var board = new BoardProfile
        {
            Id = reader.Text("id"),
            Name = reader.Text("name"),
            DeviceTreeModel = reader.Text("deviceTreeModel"),
            Soc = reader.Text("soc"),
            CpuCore = reader.Text("cpuCore"),
            IsaLevel = reader.Text("isaLevel"),
            IsaFeatures = reader.List("isaFeatures", JsonValueKind.String, e => e.GetString()!),
            Cores = reader.Number("cores"),
            ClockMHz = reader.Number("clockMHz"),
            RamMB = reader.List("ramMB", JsonValueKind.Number, e => e.GetInt32()),
            RuntimeIdentifier = reader.Text("runtimeIdentifier"),
            IlcInstructionSet = reader.Text("ilcInstructionSet"),
            DefaultThreads = reader.Number("defaultThreads"),
            QemuCpu = reader.Text("qemuCpu"),
            GpioChip = reader.Text("gpioChip"),
            GpioChipLabel = reader.Text("gpioChipLabel"),
            CameraDevice = reader.Text("cameraDevice"),
            MinimumOs = reader.Text("minimumOs"),
            Notes = reader.List("notes", JsonValueKind.String, e => e.GetString()!, required: false),
        };
        foreach (var property in profile.EnumerateObject())
            if (!reader._known.Contains(property.Name))
                reader._problems.Add($"unknown field '{property.Name}'");
        return reader._problems.Count == 0 ? (board, []) : (null, reader._problems);
    }

    private string Text(string name) =>
        Field(name, JsonValueKind.String, "a string", required: true) is { } value ? value.GetString()! : "";

    private int Number(string name) =>
        Field(name, JsonValueKind.Number, "a whole number", required: true) is { } value ? value.GetInt32() : 0;

    private IReadOnlyList<T> List<T>(string name, JsonValueKind itemKind, Func<JsonElement, T> convert, bool required = true)
    {
        string expected = itemKind == JsonValueKind.String ? "a list of strings" : "a list of whole numbers";
        if (Field(name, JsonValueKind.Array, expected, required) is not { } array)
            return [];
        var items = new List<T>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != itemKind || itemKind == JsonValueKind.Number && !item.TryGetInt32(out _))
            {
                _problems.Add($"'{name}' must be {expected}");
                return [];
            }
            items.Add(convert(item));
        }
        return items;
    }

    private JsonElement? Field(string name, JsonValueKind kind, string expected, bool required)
    {
        _known.Add(name);
        if (!_profile.TryGetProperty(name, out var value))
        {
            if (required)
                _problems.Add($"required field '{name}' is missing");
            return null;
        }
        if (value.ValueKind != kind || kind == JsonValueKind.Number && !value.TryGetInt32(out _))
        {
            _problems.Add($"'{name}' must be {expected}, not {value.GetRawText()}");
            return null;
        }
        return value;
    }
}
