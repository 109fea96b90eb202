using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeQ.Boards;

namespace EdgeQ.Boards.Tests;

/// <summary>
/// Board profiles are read with the runtime's own small JSON reader (ProfileJson), not System.Text.Json. These tests
/// hold it to what System.Text.Json accepts and rejects, through <see cref="BoardCatalog.Parse"/>.
/// </summary>
public class ProfileJsonTests
{
    private static string Rejection(string json) =>
        Assert.Throws<BoardProfileException>(() => BoardCatalog.Parse(json, "pi4b.json")).Message;

    [Fact]
    public void Every_embedded_profile_reads_as_System_Text_Json_reads_it()
    {
        foreach (var (fileName, json) in BoardCatalog.EmbeddedFiles())
        {
            var board = BoardCatalog.Parse(json, fileName);
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Assert.Equal(root.GetProperty("name").GetString(), board.Name);
            Assert.Equal(root.GetProperty("defaultThreads").GetInt32(), board.DefaultThreads);
            Assert.Equal(root.GetProperty("ramMB").EnumerateArray().Select(e => e.GetInt32()), board.RamMB);
            Assert.Equal(root.GetProperty("notes").EnumerateArray().Select(e => e.GetString()), board.Notes);
        }
    }

    [Fact]
    public void String_escapes_are_resolved()
    {
        var profile = BoardSchemaTests.ValidPi4();
        string name = "Pi \"4\" \\ / \b\f\n\r\t caf\u00e9 \U0001F600 \u0001";
        profile["name"] = name;
        // System.Text.Json writes \u escapes for the non-ASCII and control characters, \" and \\ for the others.
        Assert.Equal(name, BoardCatalog.Parse(profile.ToJsonString(), "pi4b.json").Name);
        Assert.Equal("a/b", BoardCatalog.Parse(profile.ToJsonString().Replace(JsonSerializer.Serialize(name), "\"a\\/b\""), "pi4b.json").Name);
    }

    [Fact]
    public void Whitespace_and_any_property_order_are_accepted()
    {
        var profile = BoardSchemaTests.ValidPi4();
        var reordered = new JsonObject();
        foreach (var (key, value) in profile.Reverse()) reordered[key] = value?.DeepClone();
        string spaced = reordered.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\n", "\r\n\t");
        Assert.Equal("pi4b", BoardCatalog.Parse(spaced, "pi4b.json").Id);
    }

    [Theory]
    [InlineData("4.0")]
    [InlineData("4e0")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("99999999999")]
    public void A_number_that_is_not_a_whole_int_is_named_with_its_text(string cores)
    {
        string json = BoardSchemaTests.ValidPi4().ToJsonString().Replace("\"cores\":4", $"\"cores\":{cores}");
        Assert.Contains($"'cores' must be a whole number, not {cores}", Rejection(json));
    }

    [Theory]
    [InlineData("", "the text ends where a value should start (line 1, column 1)")]
    [InlineData("{\n  \"id\": \"pi4b\",\n}", "expected a property name in double quotes (line 3, column 1)")]
    [InlineData("{\"id\": [1, 2,]}", "']' cannot start a value (line 1, column 14)")]
    [InlineData("{\"id\" \"pi4b\"}", "expected ':' after the property name (line 1, column 7)")]
    [InlineData("{\"id\": \"pi4b\" \"name\": 1}", "expected ',' or '}' after a property (line 1, column 15)")]
    [InlineData("{\"id\": \"pi\n4b\"}", "a control character inside a string must be escaped (line 2, column 1)")]
    [InlineData("{\"id\": \"\\x\"}", "unknown escape sequence in a string (line 1, column 11)")]
    [InlineData("{\"id\": \"\\u12\"}", "\\u must be followed by four hex digits (line 1, column 11)")]
    [InlineData("{\"id\": \"pi4b", "the text ends inside a string (line 1, column 13)")]
    [InlineData("{\"cores\": 01}", "expected ',' or '}' after a property (line 1, column 12)")]
    [InlineData("{\"cores\": -}", "a number needs digits (line 1, column 12)")]
    [InlineData("{\"cores\": 1.}", "a number needs digits after the decimal point (line 1, column 13)")]
    [InlineData("{\"cores\": 1e}", "a number needs digits in its exponent (line 1, column 13)")]
    [InlineData("{\"id\": tru}", "'t' cannot start a value (line 1, column 8)")]
    [InlineData("{} {}", "text after the end of the JSON value (line 1, column 4)")]
    [InlineData("// comment\n{}", "'/' cannot start a value (line 1, column 1)")]
    public void Malformed_json_is_located_by_line_and_column(string json, string problem)
    {
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json).Dispose());   // System.Text.Json rejects it too
        Assert.Equal($"pi4b.json: not valid JSON: {problem}", Rejection(json));
    }

    [Fact]
    public void Nesting_deeper_than_System_Text_Json_allows_is_rejected()
    {
        string deep = "{\"notes\": " + new string('[', 70) + new string(']', 70) + "}";
        Assert.Contains("nesting deeper than 64", Rejection(deep));
    }
}
