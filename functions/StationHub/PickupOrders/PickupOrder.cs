using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;

namespace StationHub.PickupOrders;

/// <summary>A community e-commerce order a platform sends to a station to be picked up there.</summary>
public sealed record PickupOrder(
    string HubId,
    string PlatformId,
    string OrderId,
    string StationId,
    int Parcels,
    long HandlingFeeFen,
    long CommissionFen,
    DateTimeOffset? ExpectedArrival,
    int PickupWithinHours,
    DateTimeOffset ReceivedAt)
{
    public const int DefaultPickupWithinHours = 72;

    /// <summary>The same (platform, orderId) always gives the same hub id.</summary>
    public static string HubIdFor(string platformId, string orderId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"pickup\n{platformId}\n{orderId}"));
        return "po-" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    public static bool IsHubId(string? value) =>
        value is { Length: 27 } && value.StartsWith("po-", StringComparison.Ordinal)
        && value.AsSpan(3).IndexOfAnyExcept("0123456789abcdef") < 0;
}

/// <summary>created → arrived → collected, or → expired / cancelled. The last three are final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PickupOrderStatus>))]
public enum PickupOrderStatus
{
    [JsonStringEnumMemberName("created")] Created,
    [JsonStringEnumMemberName("arrived")] Arrived,
    [JsonStringEnumMemberName("collected")] Collected,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>What happens to an order; each is queued before it is committed (see <see cref="Platform.Storage.QueueFirst"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PickupOrderEventKind>))]
public enum PickupOrderEventKind
{
    Created,
    Arrived,
    Collected,
    Expired,
    Cancelled,
}

public sealed record PickupOrderEvent(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    PickupOrderEventKind Kind,
    string HubId,
    string AttemptId,
    PickupOrder? Order = null,
    string? PickupCode = null,
    string? ActionKey = null)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// The order's state machine. <see cref="TryApply"/> moves the entity if the event is legal
/// from where it stands and says whether it did; both the HTTP handlers and the queue function
/// use it, so an event is applied by whichever gets there first, and once.
/// </summary>
public static class PickupOrderMachine
{
    public static string ToWire(this PickupOrderStatus status) => status switch
    {
        PickupOrderStatus.Created => "created",
        PickupOrderStatus.Arrived => "arrived",
        PickupOrderStatus.Collected => "collected",
        PickupOrderStatus.Expired => "expired",
        PickupOrderStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool IsFinal(this PickupOrderStatus status) => status >= PickupOrderStatus.Collected;

    /// <summary>The status an event leads to.</summary>
    public static PickupOrderStatus Target(PickupOrderEventKind kind) => kind switch
    {
        PickupOrderEventKind.Created => PickupOrderStatus.Created,
        PickupOrderEventKind.Arrived => PickupOrderStatus.Arrived,
        PickupOrderEventKind.Collected => PickupOrderStatus.Collected,
        PickupOrderEventKind.Expired => PickupOrderStatus.Expired,
        PickupOrderEventKind.Cancelled => PickupOrderStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Whether <paramref name="kind"/> may happen to an order that is <paramref name="from"/>.</summary>
    public static bool Allows(PickupOrderStatus from, PickupOrderEventKind kind) => (from, kind) switch
    {
        (PickupOrderStatus.Created, PickupOrderEventKind.Arrived) => true,
        (PickupOrderStatus.Arrived, PickupOrderEventKind.Collected) => true,
        (PickupOrderStatus.Arrived, PickupOrderEventKind.Expired) => true,
        (PickupOrderStatus.Created or PickupOrderStatus.Arrived, PickupOrderEventKind.Cancelled) => true,
        _ => false,
    };

    /// <summary>Applies the event to the entity if it is legal now; false (entity untouched) if not.</summary>
    public static bool TryApply(OrderEntity entity, PickupOrderEvent change, string? codeDigest = null)
    {
        if (!Allows(entity.CurrentStatus, change.Kind))
        {
            return false;
        }

        entity.Status = Target(change.Kind).ToWire();
        entity.UpdatedAt = change.OccurredAt;
        entity.LastAttemptId = change.AttemptId;
        entity.ActionKey = change.ActionKey;
        entity.Version++;
        switch (change.Kind)
        {
            case PickupOrderEventKind.Arrived:
                entity.ArrivedAt = change.OccurredAt;
                entity.ExpiresAt = change.OccurredAt.AddHours(entity.ToOrder().PickupWithinHours);
                entity.CodeDigest = codeDigest ?? throw new ArgumentNullException(nameof(codeDigest));
                break;
            case PickupOrderEventKind.Collected:
                entity.CollectedAt = change.OccurredAt;
                break;
        }

        if (Target(change.Kind).IsFinal())
        {
            entity.ClosedAt = change.OccurredAt;
        }

        return true;
    }
}

/// <summary>An order in table <c>PickupOrders</c>: partition = its hub id, row <c>order</c>.</summary>
public sealed class OrderEntity : ITableEntity
{
    public const string Row = "order";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Order { get; set; } = string.Empty;
    public string WebhookId { get; set; } = string.Empty;
    public string AttemptId { get; set; } = string.Empty;

    /// <summary>The attempt whose event made the latest change (tells queue functions which message won).</summary>
    public string LastAttemptId { get; set; } = string.Empty;
    public string Status { get; set; } = "created";
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ArrivedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? CollectedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>A keyed digest of the pickup code: enough to check a code, not to recover it.</summary>
    public string? CodeDigest { get; set; }
    public int WrongCodes { get; set; }
    public bool Locked { get; set; }
    public int Version { get; set; }

    /// <summary>
    /// The <c>Idempotency-Key</c> digest of the station action that made the latest change, if it sent one
    /// (carried by the change's queued event, so it is kept whether the request or the router applied it).
    /// </summary>
    public string? ActionKey { get; set; }

    public PickupOrderStatus CurrentStatus => Status switch
    {
        "arrived" => PickupOrderStatus.Arrived,
        "collected" => PickupOrderStatus.Collected,
        "expired" => PickupOrderStatus.Expired,
        "cancelled" => PickupOrderStatus.Cancelled,
        _ => PickupOrderStatus.Created,
    };

    public PickupOrder ToOrder() => JsonSerializer.Deserialize(Order, HubJsonContext.Default.PickupOrder)!;

    public static OrderEntity For(PickupOrder order, string webhookId, string attemptId) => new()
    {
        PartitionKey = order.HubId,
        Order = JsonSerializer.Serialize(order, HubJsonContext.Default.PickupOrder),
        WebhookId = webhookId,
        AttemptId = attemptId,
        LastAttemptId = attemptId,
        UpdatedAt = order.ReceivedAt,
    };
}
