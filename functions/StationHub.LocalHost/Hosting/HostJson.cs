using System.Globalization;
using System.Text.Json;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// The queue settings of <c>host.json</c> (<c>extensions.queues</c>), with the Azure Functions
/// defaults for what it leaves out, so the local host processes queues as Functions does.
/// </summary>
public sealed record QueueTriggerSettings
{
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;
    public int BatchSize { get; init; } = 16;
    public int MaxDequeueCount { get; init; } = 5;
    public int? NewBatchThresholdSetting { get; init; }

    /// <summary>Functions' default: half the batch size (times processors, on one host instance: 1 here).</summary>
    public int NewBatchThreshold => NewBatchThresholdSetting ?? BatchSize / 2;

    /// <summary>The shortest wait between polls of an empty queue; it doubles up to <see cref="MaxPollingInterval"/>.</summary>
    public TimeSpan MinPollingInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a message stays hidden while it is processed; renewed at half-time.</summary>
    public TimeSpan MessageLease { get; init; } = TimeSpan.FromMinutes(1);
}

public static class HostJson
{
    public const string FileName = "host.json";

    public static QueueTriggerSettings ReadQueueSettings(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"host.json was not found at '{path}'.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var settings = new QueueTriggerSettings();
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return settings;
        }

        foreach (var property in queues.EnumerateObject())
        {
            settings = property.Name.ToLowerInvariant() switch
            {
                "maxpollinginterval" => settings with { MaxPollingInterval = Duration(property) },
                "visibilitytimeout" => settings with { VisibilityTimeout = Duration(property) },
                "batchsize" => settings with { BatchSize = Whole(property, 1, 32) },
                "maxdequeuecount" => settings with { MaxDequeueCount = Whole(property, 1, 1000) },
                "newbatchthreshold" => settings with { NewBatchThresholdSetting = Whole(property, 0, 1000) },
                _ => settings,
            };
        }

        return settings;
    }

    private static TimeSpan Duration(JsonProperty property)
    {
        if (property.Value.ValueKind == JsonValueKind.String
            && TimeSpan.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, out var value)
            && value >= TimeSpan.Zero)
        {
            return value;
        }

        // Functions also accepts milliseconds as a number for maxPollingInterval.
        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        throw new InvalidOperationException($"host.json extensions.queues.{property.Name} must be a duration such as \"00:00:02\".");
    }

    private static int Whole(JsonProperty property, int min, int max) =>
        property.Value.TryGetInt32(out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"host.json extensions.queues.{property.Name} must be a whole number from {min} to {max}.");
}
