using System.Globalization;
using System.Text;

namespace EdgeQ.Boards;

/// <summary>The JSON value kinds, named as <c>System.Text.Json.JsonValueKind</c> names them in messages.</summary>
internal enum ProfileJsonKind { Object, Array, String, Number, True, False, Null }

/// <summary>
/// One parsed JSON value (RFC 8259: no comments, no trailing commas) with its source text. Board profiles are read with
/// this instead of System.Text.Json's <c>JsonDocument</c>: its reader alone was over 200 KB of the linux-arm64
/// NativeAOT device binary (docs/device.md, binary size), and a profile needs only objects, arrays, strings and
/// whole numbers.
/// </summary>
internal sealed class ProfileJson
{
    private const int MaxDepth = 64;   // as JsonDocument's default

    private readonly string _source;
    private readonly int _start, _end;

    private ProfileJson(ProfileJsonKind kind, string source, int start, int end, string? text = null,
        List<(string Name, ProfileJson Value)>? properties = null, List<ProfileJson>? items = null)
    {
        Kind = kind;
        (_source, _start, _end) = (source, start, end);
        Text = text;
        Properties = properties ?? [];
        Items = items ?? [];
    }

    public ProfileJsonKind Kind { get; }
    /// <summary>The value as written in the file (for messages).</summary>
    public string Raw => _source[_start.._end];
    /// <summary>A string's value, escapes resolved.</summary>
    public string? Text { get; }
    /// <summary>An object's properties in file order.</summary>
    public IReadOnlyList<(string Name, ProfileJson Value)> Properties { get; }
    public IReadOnlyList<ProfileJson> Items { get; }

    public string KindName => Kind switch
    {
        ProfileJsonKind.Object => "Object",
        ProfileJsonKind.Array => "Array",
        ProfileJsonKind.String => "String",
        ProfileJsonKind.Number => "Number",
        ProfileJsonKind.True => "True",
        ProfileJsonKind.False => "False",
        _ => "Null",
    };

    /// <summary>A number written as a whole number that fits an <see cref="int"/> (no fraction or exponent).</summary>
    public bool TryGetInt32(out int value)
    {
        value = 0;
        return Kind == ProfileJsonKind.Number && int.TryParse(Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public int GetInt32() => TryGetInt32(out int value) ? value : throw new FormatException($"{Raw} is not a whole number");

    /// <summary>The last property called <paramref name="name"/>, as System.Text.Json finds it.</summary>
    public bool TryGetProperty(string name, out ProfileJson value)
    {
        for (int i = Properties.Count - 1; i >= 0; i--)
        {
            if (Properties[i].Name == name)
            {
                value = Properties[i].Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    /// <exception cref="FormatException">The text is not JSON; the message names the line and column.</exception>
    public static ProfileJson Parse(string json)
    {
        var parser = new Parser(json);
        parser.SkipWhitespace();
        var value = parser.Value(depth: 0);
        parser.SkipWhitespace();
        if (!parser.AtEnd)
            throw parser.Error("text after the end of the JSON value");
        return value;
    }

    private sealed class Parser(string json)
    {
        private int _at;

        public bool AtEnd => _at == json.Length;

        public ProfileJson Value(int depth)
        {
            if (depth > MaxDepth)
                throw Error($"nesting deeper than {MaxDepth}");
            int start = _at;
            switch (AtEnd ? '\0' : json[_at])
            {
                case '{':
                    return Object(depth);
                case '[':
                    return Array(depth);
                case '"':
                    string text = String();
                    return new ProfileJson(ProfileJsonKind.String, json, start, _at, text);
                case 't':
                    return Literal("true", ProfileJsonKind.True);
                case 'f':
                    return Literal("false", ProfileJsonKind.False);
                case 'n':
                    return Literal("null", ProfileJsonKind.Null);
                case '-' or (>= '0' and <= '9'):
                    Number();
                    return new ProfileJson(ProfileJsonKind.Number, json, start, _at);
                default:
                    throw Error(AtEnd ? "the text ends where a value should start" : $"'{json[_at]}' cannot start a value");
            }
        }

        private ProfileJson Object(int depth)
        {
            int start = _at++;
            var properties = new List<(string, ProfileJson)>();
            SkipWhitespace();
            if (!Take('}'))
            {
                do
                {
                    SkipWhitespace();
                    if (AtEnd || json[_at] != '"')
                        throw Error("expected a property name in double quotes");
                    string name = String();
                    SkipWhitespace();
                    if (!Take(':'))
                        throw Error("expected ':' after the property name");
                    SkipWhitespace();
                    properties.Add((name, Value(depth + 1)));
                    SkipWhitespace();
                } while (Take(','));
                if (!Take('}'))
                    throw Error("expected ',' or '}' after a property");
            }
            return new ProfileJson(ProfileJsonKind.Object, json, start, _at, properties: properties);
        }

        private ProfileJson Array(int depth)
        {
            int start = _at++;
            var items = new List<ProfileJson>();
            SkipWhitespace();
            if (!Take(']'))
            {
                do
                {
                    SkipWhitespace();
                    items.Add(Value(depth + 1));
                    SkipWhitespace();
                } while (Take(','));
                if (!Take(']'))
                    throw Error("expected ',' or ']' after an item");
            }
            return new ProfileJson(ProfileJsonKind.Array, json, start, _at, items: items);
        }

        private string String()
        {
            _at++;   // the opening quote
            var text = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                    throw Error("the text ends inside a string");
                char c = json[_at++];
                if (c == '"')
                    return text.ToString();
                if (c < ' ')
                    throw Error("a control character inside a string must be escaped");
                if (c != '\\')
                {
                    text.Append(c);
                    continue;
                }
                char escape = AtEnd ? '\0' : json[_at++];
                switch (escape)
                {
                    case '"' or '\\' or '/': text.Append(escape); break;
                    case 'b': text.Append('\b'); break;
                    case 'f': text.Append('\f'); break;
                    case 'n': text.Append('\n'); break;
                    case 'r': text.Append('\r'); break;
                    case 't': text.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > json.Length
                            || !int.TryParse(json.AsSpan(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                            throw Error("\\u must be followed by four hex digits");
                        text.Append((char)code);   // surrogate pairs arrive as two escapes and join up in the string
                        _at += 4;
                        break;
                    default:
                        throw Error("unknown escape sequence in a string");
                }
            }
        }

        private void Number()
        {
            Take('-');
            if (!Take('0') && Digits() == 0)
                throw Error("a number needs digits");
            if (Take('.') && Digits() == 0)
                throw Error("a number needs digits after the decimal point");
            if (Take('e') || Take('E'))
            {
                if (!Take('+')) Take('-');
                if (Digits() == 0)
                    throw Error("a number needs digits in its exponent");
            }
        }

        private int Digits()
        {
            int start = _at;
            while (!AtEnd && char.IsAsciiDigit(json[_at])) _at++;
            return _at - start;
        }

        private ProfileJson Literal(string literal, ProfileJsonKind kind)
        {
            if (!json.AsSpan(_at).StartsWith(literal, StringComparison.Ordinal))
                throw Error($"'{json[_at]}' cannot start a value");
            _at += literal.Length;
            return new ProfileJson(kind, json, _at - literal.Length, _at);
        }

        private bool Take(char c)
        {
            if (AtEnd || json[_at] != c) return false;
            _at++;
            return true;
        }

        public void SkipWhitespace()
        {
            while (!AtEnd && json[_at] is ' ' or '\t' or '\n' or '\r') _at++;
        }

        /// <summary>The problem at the current position, with its 1-based line and column.</summary>
        public FormatException Error(string problem)
        {
            int lineStart = json.LastIndexOf('\n', Math.Max(_at - 1, 0)) + 1;
            int line = 1 + json.AsSpan(0, lineStart).Count('\n');
            return new FormatException($"{problem} (line {line}, column {_at - lineStart + 1})");
        }
    }
}
