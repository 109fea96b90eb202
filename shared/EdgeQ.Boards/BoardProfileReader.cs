namespace EdgeQ.Boards;

/// <summary>
/// Reads a profile from <see cref="ProfileJson"/> rather than with the JSON serializer: on linux-arm64 NativeAOT the
/// serializer added 0.9 MB (docs/device.md), and the device runtime has a 3 MB budget. Reports every missing, mistyped
/// or unknown field instead of stopping at the first.
/// </summary>
internal sealed class BoardProfileReader
{
    private readonly ProfileJson _profile;
    private readonly HashSet<string> _known = [];
    private readonly List<string> _problems = [];

    private BoardProfileReader(ProfileJson profile) => _profile = profile;

    /// <summary>The profile, or the list of structural problems (which <see cref="BoardSchema"/> rules cannot check).</summary>
    public static (BoardProfile? Board, IReadOnlyList<string> Problems) Read(ProfileJson profile)
    {
        if (profile.Kind != ProfileJsonKind.Object)
            return (null, [$"the file must hold one JSON object, not {profile.KindName}"]);
        var reader = new BoardProfileReader(profile);
        var board = new BoardProfile
        {
            Id = reader.Text("id"),
            Name = reader.Text("name"),
            DeviceTreeModel = reader.Text("deviceTreeModel"),
            Soc = reader.Text("soc"),
            CpuCore = reader.Text("cpuCore"),
            IsaLevel = reader.Text("isaLevel"),
            IsaFeatures = reader.List("isaFeatures", ProfileJsonKind.String, e => e.Text!),
            Cores = reader.Number("cores"),
            ClockMHz = reader.Number("clockMHz"),
            RamMB = reader.List("ramMB", ProfileJsonKind.Number, e => e.GetInt32()),
            RuntimeIdentifier = reader.Text("runtimeIdentifier"),
            IlcInstructionSet = reader.Text("ilcInstructionSet"),
            DefaultThreads = reader.Number("defaultThreads"),
            QemuCpu = reader.Text("qemuCpu"),
            GpioChip = reader.Text("gpioChip"),
            GpioChipLabel = reader.Text("gpioChipLabel"),
            CameraDevice = reader.Text("cameraDevice"),
            MinimumOs = reader.Text("minimumOs"),
            Notes = reader.List("notes", ProfileJsonKind.String, e => e.Text!, required: false),
        };
        foreach (var property in profile.Properties)
            if (!reader._known.Contains(property.Name))
                reader._problems.Add($"unknown field '{property.Name}'");
        return reader._problems.Count == 0 ? (board, []) : (null, reader._problems);
    }

    private string Text(string name) =>
        Field(name, ProfileJsonKind.String, "a string", required: true) is { } value ? value.Text! : "";

    private int Number(string name) =>
        Field(name, ProfileJsonKind.Number, "a whole number", required: true) is { } value ? value.GetInt32() : 0;

    private IReadOnlyList<T> List<T>(string name, ProfileJsonKind itemKind, Func<ProfileJson, T> convert, bool required = true)
    {
        string expected = itemKind == ProfileJsonKind.String ? "a list of strings" : "a list of whole numbers";
        if (Field(name, ProfileJsonKind.Array, expected, required) is not { } array)
            return [];
        var items = new List<T>();
        foreach (var item in array.Items)
        {
            if (item.Kind != itemKind || itemKind == ProfileJsonKind.Number && !item.TryGetInt32(out _))
            {
                _problems.Add($"'{name}' must be {expected}");
                return [];
            }
            items.Add(convert(item));
        }
        return items;
    }

    private ProfileJson? Field(string name, ProfileJsonKind kind, string expected, bool required)
    {
        _known.Add(name);
        if (!_profile.TryGetProperty(name, out var value))
        {
            if (required)
                _problems.Add($"required field '{name}' is missing");
            return null;
        }
        if (value.Kind != kind || kind == ProfileJsonKind.Number && !value.TryGetInt32(out _))
        {
            _problems.Add($"'{name}' must be {expected}, not {value.Raw}");
            return null;
        }
        return value;
    }
}
