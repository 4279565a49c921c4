using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// The JSON Canonicalization Scheme (JCS) of RFC 8785: one byte sequence for every JSON value,
/// so that a hash of it can be recomputed by anyone from the published JSON alone.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>No whitespace between tokens (RFC 8785 §3.2.1).</item>
/// <item><c>null</c>, <c>true</c>, <c>false</c> as themselves (§3.2.2.1).</item>
/// <item>Strings as ECMAScript's <c>JSON.stringify</c> writes them (§3.2.2.2): only <c>"</c>, <c>\</c>
/// and the controls below U+0020 are escaped, with the short forms <c>\b \t \n \f \r</c> and
/// <c>\u00xx</c> (lowercase hex) for the rest; every other character is raw UTF-8.</item>
/// <item>Numbers as IEEE-754 doubles written by ECMAScript's <c>Number.prototype.toString</c>
/// (§3.2.2.3): the shortest digits that read back as the same double, plain notation from 1e-6
/// up to but excluding 1e21, exponent notation (<c>1e+21</c>, <c>1e-7</c>) outside it, and
/// <c>-0</c> as <c>0</c>.</item>
/// <item>Object members sorted by their names' UTF-16 code units, compared as unsigned integers
/// (ordinal), recursively; array order kept (§3.2.3).</item>
/// <item>The result encoded as UTF-8 (§3.2.4).</item>
/// </list>
/// What JCS cannot represent is refused with a <see cref="CanonicalJsonException"/> (§3.1, I-JSON
/// of RFC 7493): a number outside the range of a double, NaN or an infinity, an object with two
/// members of the same name, and a string with a lone surrogate. Unicode normalization is not
/// applied: strings are kept as they are.
/// </remarks>
public static class CanonicalJson
{
    private const string LoneSurrogateMessage = "A string holds a lone surrogate, which is not Unicode text (RFC 8785 §3.1, I-JSON).";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The RFC 8785 canonical form of <paramref name="value"/>, as UTF-8 bytes.</summary>
    /// <exception cref="CanonicalJsonException">The value holds something JCS cannot represent.</exception>
    public static byte[] Canonicalize(JsonElement value) => Canonicalize(value, omitMember: null);

    /// <summary>The RFC 8785 canonical form of a JSON node (<see langword="null"/> is JSON <c>null</c>).</summary>
    /// <exception cref="CanonicalJsonException">The node holds something JCS cannot represent.</exception>
    public static byte[] Canonicalize(JsonNode? value)
    {
        // The writer would put U+FFFD in place of a lone surrogate, so look before writing.
        RefuseLoneSurrogates(value);
        using var buffer = new MemoryStream();
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
        catch (ArgumentException exception)
        {
            // Utf8JsonWriter refuses NaN and infinities with an ArgumentException.
            throw new CanonicalJsonException("The JSON node holds a value JCS cannot represent: " + exception.Message, exception);
        }

        return Canonicalize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The RFC 8785 canonical form of UTF-8 JSON text.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    /// <exception cref="CanonicalJsonException">The JSON holds something JCS cannot represent.</exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        using var document = JsonDocument.ParseValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("The JSON text has more than one value.");
        }

        return Canonicalize(document.RootElement);
    }

    /// <summary>The RFC 8785 canonical form of JSON text.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    /// <exception cref="CanonicalJsonException">The JSON holds something JCS cannot represent.</exception>
    public static byte[] Canonicalize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException exception)
        {
            throw LoneSurrogate(exception);
        }

        return Canonicalize(utf8);
    }

    /// <summary>
    /// The canonical form of <paramref name="value"/> with the top-level member
    /// <paramref name="omitMember"/> left out (when the value is an object that has it).
    /// Duplicate names are refused before the member is left out.
    /// </summary>
    internal static byte[] Canonicalize(JsonElement value, string? omitMember)
    {
        var text = new StringBuilder();
        Write(value, text, omitMember);
        return StrictUtf8.GetBytes(text.ToString());
    }

    /// <summary>
    /// A double as ECMAScript's <c>Number.prototype.toString</c> writes it (ECMA-262
    /// Number::toString, which RFC 8785 §3.2.2.3 adopts).
    /// </summary>
    internal static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CanonicalJsonException("NaN and infinities cannot be represented in JSON (RFC 8785 §3.2.2.3).");
        }

        if (value == 0)
        {
            return "0"; // also -0
        }

        // .NET writes the shortest digits that round-trip (the closest such digits when several
        // qualify), as ECMA-262 asks; only the layout differs, so take the digits and place them.
        var roundTrip = value.ToString("R", CultureInfo.InvariantCulture).AsSpan();
        var negative = roundTrip[0] == '-';
        if (negative)
        {
            roundTrip = roundTrip[1..];
        }

        var exponent = 0;
        var e = roundTrip.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exponent = int.Parse(roundTrip[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            roundTrip = roundTrip[..e];
        }

        var point = roundTrip.IndexOf('.');
        var digits = point >= 0 ? string.Concat(roundTrip[..point], roundTrip[(point + 1)..]) : roundTrip.ToString();
        var beforePoint = point >= 0 ? point : roundTrip.Length;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');

        // The value is 0.<digits> × 10^n (ECMA-262: s × 10^(n−k) with k digits).
        var n = beforePoint - leadingZeros + exponent;
        var k = digits.Length;
        var result = new StringBuilder(32);
        if (negative)
        {
            result.Append('-');
        }

        if (k <= n && n <= 21)
        {
            result.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            result.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            result.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            result.Append(digits[0]);
            if (k > 1)
            {
                result.Append('.').Append(digits, 1, k - 1);
            }

            result.Append('e').Append(n - 1 < 0 ? '-' : '+').Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }

    private static void Write(JsonElement value, StringBuilder text, string? omitMember)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(value, text, omitMember);
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    Write(item, text, omitMember: null);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(ReadString(value), text);
                break;
            case JsonValueKind.Number:
                text.Append(FormatNumber(ParseNumber(value.GetRawText())));
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Null:
                text.Append("null");
                break;
            default:
                throw new ArgumentException("The JSON element holds no value.", nameof(value));
        }
    }

    private static void WriteObject(JsonElement value, StringBuilder text, string? omitMember)
    {
        var members = new List<KeyValuePair<string, JsonElement>>();
        foreach (var member in value.EnumerateObject())
        {
            members.Add(new(ReadName(member), member.Value));
        }

        // Ordinal string order is the order of UTF-16 code units as unsigned integers (§3.2.3).
        members.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        for (var i = 1; i < members.Count; i++)
        {
            if (string.Equals(members[i - 1].Key, members[i].Key, StringComparison.Ordinal))
            {
                throw new CanonicalJsonException("An object has two members named \"" + members[i].Key + "\" (RFC 8785 §3.1, I-JSON).");
            }
        }

        text.Append('{');
        var first = true;
        foreach (var (name, member) in members)
        {
            if (omitMember is not null && string.Equals(name, omitMember, StringComparison.Ordinal))
            {
                continue;
            }

            if (!first)
            {
                text.Append(',');
            }

            first = false;
            WriteString(name, text);
            text.Append(':');
            Write(member, text, omitMember: null);
        }

        text.Append('}');
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case < ' ':
                    text.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        text.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        throw LoneSurrogate();
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }

    private static void RefuseLoneSurrogates(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, member) in members)
                {
                    RefuseLoneSurrogates(name);
                    RefuseLoneSurrogates(member);
                }

                break;
            case JsonArray items:
                foreach (var item in items)
                {
                    RefuseLoneSurrogates(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    if (value.TryGetValue<string>(out var text))
                    {
                        RefuseLoneSurrogates(text);
                    }
                    else if (value.TryGetValue<char>(out var character) && char.IsSurrogate(character))
                    {
                        throw LoneSurrogate();
                    }
                }
                catch (InvalidOperationException exception)
                {
                    throw LoneSurrogate(exception);
                }

                break;
        }
    }

    private static void RefuseLoneSurrogates(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw LoneSurrogate();
            }
        }
    }

    private static double ParseNumber(string raw)
    {
        // The reader has checked the JSON number grammar; .NET rounds to the nearest double.
        var value = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw new CanonicalJsonException("The number " + Shorten(raw) + " is beyond the range of an IEEE-754 double (RFC 8785 §3.2.2.3).");
        }

        return value;
    }

    private static string ReadString(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            throw LoneSurrogate(exception);
        }
    }

    private static string ReadName(JsonProperty member)
    {
        try
        {
            return member.Name;
        }
        catch (InvalidOperationException exception)
        {
            throw LoneSurrogate(exception);
        }
    }

    private static CanonicalJsonException LoneSurrogate() => new(LoneSurrogateMessage);

    private static CanonicalJsonException LoneSurrogate(Exception inner) => new(LoneSurrogateMessage, inner);

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..37] + "...";
}

/// <summary>JSON that the JSON Canonicalization Scheme (RFC 8785) cannot represent.</summary>
public sealed class CanonicalJsonException : JsonException
{
    public CanonicalJsonException()
    {
    }

    public CanonicalJsonException(string message)
        : base(message)
    {
    }

    public CanonicalJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
