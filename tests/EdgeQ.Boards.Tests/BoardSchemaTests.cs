using System.Text.Json.Nodes;
using EdgeQ.Boards;

namespace EdgeQ.Boards.Tests;

/// <summary>Each schema rule rejects a profile that breaks it, with a message that names the file and the field.</summary>
public class BoardSchemaTests
{
    internal static JsonObject ValidPi4() =>
        JsonNode.Parse(BoardCatalog.EmbeddedFiles().Single(f => f.FileName == "pi4b.json").Json)!.AsObject();

    private static string Rejection(JsonObject profile, string fileName = "pi4b.json") =>
        Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(profile.ToJsonString(), fileName)).Message;

    [Fact]
    public void The_unmodified_profile_is_accepted()
    {
        Assert.Equal("pi4b", BoardCatalog.Parse(ValidPi4().ToJsonString(), "pi4b.json").Id);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("qemuCpu")]
    [InlineData("ilcInstructionSet")]
    [InlineData("defaultThreads")]
    public void A_missing_required_field_is_named(string field)
    {
        var profile = ValidPi4();
        profile.Remove(field);
        var message = Rejection(profile);
        Assert.StartsWith("pi4b.json: ", message);
        Assert.Contains($"'{field}'", message);
    }

    [Fact]
    public void A_misspelt_field_is_rejected()
    {
        var profile = ValidPi4();
        profile["qemu_cpu"] = "cortex-a72";
        Assert.Contains("qemu_cpu", Rejection(profile));
    }

    [Fact]
    public void A_null_string_is_rejected()
    {
        var profile = ValidPi4();
        profile["gpioChip"] = null;
        Assert.Contains("gpioChip", Rejection(profile));
    }

    [Fact]
    public void A_mistyped_field_is_named_with_its_value()
    {
        var profile = ValidPi4();
        profile["cores"] = "4";
        profile["ramMB"] = new JsonArray(1024, 2.5);
        var message = Rejection(profile);
        Assert.Contains("'cores' must be a whole number, not \"4\"", message);
        Assert.Contains("'ramMB' must be a list of whole numbers", message);
    }

    [Fact]
    public void A_file_that_is_not_an_object_is_rejected()
    {
        Assert.Contains("one JSON object", Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse("[]", "x.json")).Message);
    }

    [Fact]
    public void Malformed_json_names_the_file()
    {
        var message = Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse("{ \"id\": ", "x.json")).Message;
        Assert.StartsWith("x.json: ", message);
    }

    public static TheoryData<string, Action<JsonObject>, string> BrokenRules() => new()
    {
        { "unknown ISA feature", p => p["isaFeatures"] = new JsonArray("neon", "sve"), "unknown feature 'sve'" },
        { "no neon", p => p["isaFeatures"] = new JsonArray(), "must include 'neon'" },
        { "duplicate feature", p => p["isaFeatures"] = new JsonArray("neon", "neon"), "twice" },
        { "dotprod on v8.0", p => { p["isaFeatures"] = new JsonArray("neon", "dotprod"); p["qemuCpu"] = "cortex-a72"; },
            "'dotprod' needs an armv8.2-a or later core" },
        { "unknown level", p => p["isaLevel"] = "armv7-a", "isaLevel 'armv7-a'" },
        { "threads above cores", p => p["defaultThreads"] = 5, "defaultThreads 5 must be between 1 and cores (4)" },
        { "zero threads", p => p["defaultThreads"] = 0, "defaultThreads 0" },
        { "qemu model unknown", p => p["qemuCpu"] = "cortex-a9", "qemuCpu 'cortex-a9'" },
        { "qemu model with SDOT for a board without", p => p["qemuCpu"] = "cortex-a76", "emulates [neon, dotprod, fp16]" },
        { "ilc needs dotprod the board lacks", p => p["ilcInstructionSet"] = "armv8-a,dotprod", "lack" },
        { "ilc level above the core", p => p["ilcInstructionSet"] = "armv8.2-a", "above the core's isaLevel" },
        { "ilc without level", p => p["ilcInstructionSet"] = "dotprod", "must start with an architecture level" },
        { "ilc unknown feature", p => p["ilcInstructionSet"] = "armv8-a,turbo", "unknown feature 'turbo'" },
        { "runtime identifier", p => p["runtimeIdentifier"] = "linux-arm", "runtimeIdentifier 'linux-arm'" },
        { "gpio chip", p => p["gpioChip"] = "/dev/gpiochip0", "gpioChip '/dev/gpiochip0'" },
        { "camera", p => p["cameraDevice"] = "video0", "cameraDevice 'video0'" },
        { "ram", p => p["ramMB"] = new JsonArray(), "ramMB" },
        { "empty name", p => p["name"] = " ", "name must not be empty" },
        { "bad id", p => p["id"] = "Pi 4", "id 'Pi 4'" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void A_broken_rule_is_reported(string rule, Action<JsonObject> breakIt, string expectedMessagePart)
    {
        var profile = ValidPi4();
        breakIt(profile);
        var message = Rejection(profile);
        Assert.True(message.Contains(expectedMessagePart, StringComparison.Ordinal), $"{rule}: got '{message}'");
    }

    [Fact]
    public void The_file_name_must_match_the_id()
    {
        Assert.Contains("must be 'pi4b.json'", Rejection(ValidPi4(), "pi4.json"));
    }

    [Fact]
    public void Every_problem_is_listed_not_only_the_first()
    {
        var profile = ValidPi4();
        profile["defaultThreads"] = 9;
        profile["gpioChip"] = "gpio";
        var message = Rejection(profile);
        Assert.Contains("defaultThreads", message);
        Assert.Contains("gpioChip", message);
    }

    [Fact]
    public void Two_profiles_with_one_id_are_rejected()
    {
        var json = ValidPi4().ToJsonString();
        var message = Assert.Throws<BoardProfileException>(() => BoardCatalog.Load([("pi4b.json", json), ("pi4b.json", json)])).Message;
        Assert.Contains("board id 'pi4b' is used by 2 profiles", message);
    }

    [Fact]
    public void Nested_device_tree_prefixes_are_rejected()
    {
        var broad = ValidPi4();
        broad["id"] = "pi";
        broad["deviceTreeModel"] = "Raspberry Pi";
        var message = Assert.Throws<BoardProfileException>(() =>
            BoardCatalog.Load([("pi.json", broad.ToJsonString()), ("pi4b.json", ValidPi4().ToJsonString())])).Message;
        Assert.Contains("also matches board 'pi4b'", message);
    }
}
