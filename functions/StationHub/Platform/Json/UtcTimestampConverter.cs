using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StationHub.Platform.Json;

/// <summary>Writes every time the hub sends as UTC ISO 8601 with milliseconds (<c>2026-11-22T08:30:00.000Z</c>).</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
