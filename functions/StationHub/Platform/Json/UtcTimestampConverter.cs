using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StationHub.Platform.Json;

/// <summary>
/// Writes every time the hub sends as UTC ISO 8601 with milliseconds (<c>2026-11-22T08:30:00.000Z</c>).
/// Milliseconds are the hub's one precision for times: what it queues, stores and sends. The
/// hub's clock (<see cref="HubClock"/>) and its parser of incoming times (<see cref="IsoTimestamp"/>)
/// cut to it, so a time read back from a table equals the same time read back from a queue message.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ToHubPrecision(reader.GetDateTimeOffset());

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    /// <summary>The time cut to whole milliseconds (towards the past), as the converter writes it.</summary>
    public static DateTimeOffset ToHubPrecision(DateTimeOffset value) =>
        value.AddTicks(-(value.UtcTicks % TimeSpan.TicksPerMillisecond));
}

/// <summary>
/// The hub's clock: another <see cref="TimeProvider"/> (the system's, by default) whose
/// <see cref="GetUtcNow"/> is cut to whole milliseconds, the precision of everything the hub
/// queues and sends (<see cref="UtcTimestampConverter"/>). Without it, a time stored in a table
/// keeps its ticks and never equals the same time carried in a queue message.
/// </summary>
public sealed class HubClock(TimeProvider inner) : TimeProvider
{
    /// <summary>The system clock at the hub's precision.</summary>
    public static HubClock SystemClock { get; } = new(TimeProvider.System);

    public override DateTimeOffset GetUtcNow() => UtcTimestampConverter.ToHubPrecision(inner.GetUtcNow());

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
