using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StationHub.Platform.Json;

/// <summary>
/// Reads fields out of a JSON object and collects every problem at once, keyed by the field's
/// path (<c>data.location.lat</c>), so a caller learns all that is wrong from one answer.
/// </summary>
public sealed partial class FieldReader
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool HasErrors => errors.Count > 0;

    public IReadOnlyDictionary<string, string[]> Errors =>
        errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);

    public void Fail(string path, string message)
    {
        if (!errors.TryGetValue(path, out var list))
        {
            errors[path] = list = [];
        }

        list.Add(message);
    }

    public JsonElement? Object(JsonElement parent, string name, string path, bool required = true)
    {
        if (!TryGet(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(path, "must be an object.");
            return null;
        }

        return value;
    }

    public string? String(JsonElement parent, string name, string path, bool required = true, int minLength = 1, int maxLength = 256, Regex? pattern = null, string? patternHint = null)
    {
        if (!TryGet(parent, name, path, required, out var value))
        {
            return null;
        }

        if (!TryGetText(value, out var text))
        {
            Fail(path, value.ValueKind == JsonValueKind.String ? "must be valid UTF-8 text (no lone surrogates)." : "must be a string.");
            return null;
        }

        var length = new StringInfoLength(text).Count;
        if (length < minLength || length > maxLength)
        {
            Fail(path, minLength == maxLength
                ? $"must be {minLength} characters long."
                : $"must be {minLength} to {maxLength} characters long.");
            return null;
        }

        if (ContainsControlCharacters(text))
        {
            Fail(path, "must not contain control characters.");
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(text))
        {
            Fail(path, patternHint ?? "has an invalid format.");
            return null;
        }

        return text;
    }

    /// <summary>An identifier: 1–64 of <c>[A-Za-z0-9_-]</c>.</summary>
    public string? Identifier(JsonElement parent, string name, string path, bool required = true) =>
        String(parent, name, path, required, 1, 64, IdentifierPattern(), "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'.");

    public double? Number(JsonElement parent, string name, string path, double min, double max, bool required = true)
    {
        if (!TryGet(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            Fail(path, "must be a number.");
            return null;
        }

        if (number < min || number > max)
        {
            Fail(path, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}."));
            return null;
        }

        return number;
    }

    public long? Integer(JsonElement parent, string name, string path, long min, long max, bool required = true)
    {
        if (!TryGet(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            Fail(path, "must be a whole number.");
            return null;
        }

        if (number < min || number > max)
        {
            Fail(path, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}."));
            return null;
        }

        return number;
    }

    /// <summary>A UTC or offset ISO 8601 timestamp; one without an offset is refused.</summary>
    public DateTimeOffset? Timestamp(JsonElement parent, string name, string path, bool required = true)
    {
        var text = String(parent, name, path, required, 1, 64);
        if (text is null)
        {
            return null;
        }

        if (!IsoTimestamp.TryParse(text, out var timestamp))
        {
            Fail(path, "must be an ISO 8601 date and time with a time zone, such as 2026-11-22T08:30:00Z.");
            return null;
        }

        return timestamp;
    }

    public IReadOnlyList<JsonElement>? Array(JsonElement parent, string name, string path, int maxItems, bool required = true)
    {
        if (!TryGet(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Fail(path, "must be an array.");
            return null;
        }

        var items = value.EnumerateArray().ToList();
        if (items.Count > maxItems)
        {
            Fail(path, $"must have at most {maxItems} items.");
            return null;
        }

        return items;
    }

    /// <summary>
    /// The text of a JSON string, or false when it is not a string or not valid Unicode: a JSON
    /// document may parse and still hold an escaped lone surrogate or invalid UTF-8 in a string,
    /// which only fails when the string is read.
    /// </summary>
    public static bool TryGetText(JsonElement value, out string text)
    {
        text = string.Empty;
        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private bool TryGet(JsonElement parent, string name, string path, bool required, out JsonElement value)
    {
        if (parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Fail(path, "is required.");
        }

        return false;
    }

    private static bool ContainsControlCharacters(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not '\n' and not '\r' and not '\t')
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdentifierPattern();

    /// <summary>Counts text elements, so a limit in characters means what a person sees.</summary>
    private readonly struct StringInfoLength(string text)
    {
        public int Count { get; } = new StringInfo(text).LengthInTextElements;
    }
}

/// <summary>Strict ISO 8601 timestamps with an explicit offset or <c>Z</c>.</summary>
public static class IsoTimestamp
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || !(text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text)))
        {
            return false;
        }

        // Cut to the hub's one precision (milliseconds), as it will be queued and sent.
        var parsed = DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
        value = UtcTimestampConverter.ToHubPrecision(value);
        return parsed;
    }

    /// <summary>UTC ISO 8601 with milliseconds, as the hub writes every time.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool HasOffset(string text) =>
        text.Length > 6 && (text[^6] is '+' or '-') && text[^3] == ':';
}
