using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>
/// One outbound call to one destination. <see cref="DeliveryId"/> is stable for the same
/// logical event and destination and is sent as the <c>webhook-id</c>, so receivers can drop
/// repeats. Retries are new messages with <see cref="Attempt"/> + 1, queued with a delay.
/// <see cref="Then"/> is a delivery to the same destination that rides in the same message and is
/// made once this one is settled (made, or given up): one queue message for what one event tells one
/// destination, in order (see <see cref="DeliveryQueue.RequestDeliveriesAsync"/>).
/// </summary>
public sealed record DeliveryRequested(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string DeliveryId,
    Destination Destination,
    string EventType,
    JsonElement Data,
    string Subject,
    int Attempt,
    DateTimeOffset FirstRequestedAt,
    DeliveryRequested? Then = null)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>A stable id for (subject, event, destination): the same inputs, the same id.</summary>
    public static string IdFor(string subject, string eventKey, Destination destination)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{subject}\n{eventKey}\n{destination.Kind}\n{destination.Id}"));
        return "msg_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>True for a string of the form <see cref="IdFor"/> makes.</summary>
    public static bool IsDeliveryId(string? value) =>
        value is { Length: 36 } && value.StartsWith("msg_", StringComparison.Ordinal)
        && value.AsSpan(4).IndexOfAnyExcept("0123456789abcdef") < 0;

    public static DeliveryRequested Create(string correlationId, DateTimeOffset occurredAt, Destination destination, string eventType, string eventKey, JsonElement data, string subject) =>
        new(CurrentSchemaVersion, correlationId, occurredAt, IdFor(subject, eventKey, destination), destination, eventType, data, subject, 0, occurredAt);
}

/// <summary>The one way onto the deliveries queues (<see cref="Shards"/>), for every flow that tells a city or a platform something.</summary>
public static class DeliveryQueue
{
    /// <summary>
    /// The outbound deliveries' queues. A delivery goes to one of them by a stable hash of its
    /// <c>webhook-id</c> (<see cref="ShardOf"/>), so its retries go where it went, and no queue carries
    /// every delivery of the hub. Each shard is a queue and a function of its own in the trigger table
    /// (so a queue in Bicep and a row in the Functions app), and costs each idle host 4 polls a minute
    /// (docs/capacity.md).
    /// </summary>
    public static IReadOnlyList<string> Shards { get; } = [Queues.Deliveries, Queues.DeliveriesShard1];

    /// <summary>The queue a delivery with this <c>webhook-id</c> is sent to.</summary>
    public static string ShardOf(string deliveryId) => Shards[StableHash.Shard(deliveryId, Shards.Count)];

    /// <summary>Queues a delivery (after <paramref name="delay"/>, for a retry) on the shard its <c>webhook-id</c> chooses.</summary>
    public static Task RequestDeliveryAsync(this HubStorage storage, DeliveryRequested delivery, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return storage.SendAsync(ShardOf(delivery.DeliveryId), delivery, HubJsonContext.Default.DeliveryRequested, delay, cancellationToken);
    }

    /// <summary>
    /// Queues deliveries to one destination as one message, made in the order given: each after the one
    /// before it is settled. Each keeps its own <c>webhook-id</c>, record, tries and ledger fact; what is
    /// saved is a queue send, a receive and a delete for each but the first.
    /// </summary>
    public static Task RequestDeliveriesAsync(this HubStorage storage, IReadOnlyList<DeliveryRequested> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentOutOfRangeException.ThrowIfZero(deliveries.Count);
        DeliveryRequested? chain = null;
        for (var i = deliveries.Count - 1; i >= 0; i--)
        {
            if (deliveries[i].Destination != deliveries[0].Destination || deliveries[i].Then is not null)
            {
                throw new ArgumentException("Deliveries queued as one message go to one destination, one after another.", nameof(deliveries));
            }

            chain = deliveries[i] with { Then = chain };
        }

        return storage.RequestDeliveryAsync(chain!, cancellationToken: cancellationToken);
    }
}

/// <summary>Where a delivery goes: a city system or a platform, by registry id.</summary>
public sealed record Destination(DestinationKind Kind, string Id)
{
    public static Destination City(string id) => new(DestinationKind.City, id);

    public static Destination Platform(string id) => new(DestinationKind.Platform, id);

    /// <summary>A responsible body of a city (registry <c>cities[].bodies[]</c>).</summary>
    public static Destination Body(string id) => new(DestinationKind.Body, id);

    /// <summary>The administrators' endpoint of the registry (<c>admin</c>): told when a destination is disabled; it has no lifecycle of its own.</summary>
    public static Destination Administrators { get; } = new(DestinationKind.Admin, "admin");

    /// <summary>Reads the form <see cref="ToString"/> writes (<c>city:hangzhou</c>); null for anything else.</summary>
    public static Destination? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 200 || value.Split(':') is not [var kind, var id] || id.Length == 0)
        {
            return null;
        }

        return kind switch
        {
            "city" => City(id),
            "platform" => Platform(id),
            "body" => Body(id),
            _ => null,
        };
    }

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Id}";
}

[JsonConverter(typeof(JsonStringEnumConverter<DestinationKind>))]
public enum DestinationKind
{
    City,
    Platform,
    Body,

    /// <summary>The administrators' endpoint (registry <c>admin</c>).</summary>
    Admin,
}
