using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>The latest state of one delivery (table <c>Deliveries</c>, partition = delivery id).</summary>
public sealed class DeliveryEntity : ITableEntity
{
    public const string Row = "delivery";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Destination { get; set; } = string.Empty;
    public string EventType { get; set; } = string.Empty;
    public string Subject { get; set; } = string.Empty;
    public string State { get; set; } = DeliveryStates.Pending;
    public int Attempts { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}

public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Retrying = "retrying";
    public const string Delivered = "delivered";
    public const string DeadLettered = "dead-lettered";
}

/// <summary>A delivery that used every try (table <c>DeadLetters</c>), kept for an administrator.</summary>
public sealed class DeadLetterEntity : ITableEntity
{
    public const string Partition = "dead-letter";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Message { get; set; } = string.Empty;
    public string Destination { get; set; } = string.Empty;
    public string EventType { get; set; } = string.Empty;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset FailedAt { get; set; }
    public DateTimeOffset? ReplayedAt { get; set; }

    public DeliveryRequested ToMessage() => JsonSerializer.Deserialize(Message, HubJsonContext.Default.DeliveryRequested)!;
}

public sealed class DeliveryStore(HubStorage storage)
{
    private TableClient Deliveries => storage.Table(Tables.Deliveries);

    private TableClient DeadLetters => storage.Table(Tables.DeadLetters);

    public Task<DeliveryEntity?> FindAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        Deliveries.FindAsync<DeliveryEntity>(deliveryId, DeliveryEntity.Row, cancellationToken);

    public Task RecordAsync(DeliveryRequested message, string state, int? statusCode, string? error, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Deliveries.UpsertEntityAsync(Record(message, state, statusCode, error, now), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Records the delivery made, unless it has a record already (false: another copy of the message, or an earlier try, wrote one).</summary>
    public Task<bool> TryRecordMadeAsync(DeliveryRequested message, int? statusCode, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Deliveries.TryAddAsync(Record(message, DeliveryStates.Delivered, statusCode, null, now), cancellationToken);

    private static DeliveryEntity Record(DeliveryRequested message, string state, int? statusCode, string? error, DateTimeOffset now) =>
            new()
            {
                PartitionKey = message.DeliveryId,
                Destination = message.Destination.ToString(),
                EventType = message.EventType,
                Subject = message.Subject,
                State = state,
                Attempts = message.Attempt + 1,
                LastStatusCode = statusCode,
                LastError = error,
                UpdatedAt = now,
                DeliveredAt = state == DeliveryStates.Delivered ? now : null,
            };

    public Task DeadLetterAsync(DeliveryRequested message, string? error, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        DeadLetters.UpsertEntityAsync(
            new DeadLetterEntity
            {
                RowKey = message.DeliveryId,
                Message = JsonSerializer.Serialize(message, HubJsonContext.Default.DeliveryRequested),
                Destination = message.Destination.ToString(),
                EventType = message.EventType,
                Attempts = message.Attempt + 1,
                LastError = error,
                FailedAt = now,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    public Task<DeadLetterEntity?> FindDeadLetterAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        DeliveryRequested.IsDeliveryId(deliveryId)
            ? DeadLetters.FindAsync<DeadLetterEntity>(DeadLetterEntity.Partition, deliveryId, cancellationToken)
            : Task.FromResult<DeadLetterEntity?>(null);

    public async Task<IReadOnlyList<DeadLetterEntity>> ListDeadLettersAsync(bool includeReplayed, int max, CancellationToken cancellationToken = default)
    {
        var list = new List<DeadLetterEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeadLetterEntity.Partition}");
        await foreach (var entity in DeadLetters.QueryAsync<DeadLetterEntity>(filter, cancellationToken: cancellationToken))
        {
            if (includeReplayed || entity.ReplayedAt is null)
            {
                list.Add(entity);
                if (list.Count >= max)
                {
                    break;
                }
            }
        }

        return list;
    }

    /// <summary>The destination's dead letters not yet replayed that failed at or after <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<DeadLetterEntity>> ListDeadLettersAsync(Destination destination, DateTimeOffset since, int max, CancellationToken cancellationToken = default)
    {
        var list = new List<DeadLetterEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeadLetterEntity.Partition} and Destination eq {destination.ToString()} and FailedAt ge {since}");
        await foreach (var entity in DeadLetters.QueryAsync<DeadLetterEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.ReplayedAt is null)
            {
                list.Add(entity);
                if (list.Count >= max)
                {
                    break;
                }
            }
        }

        return [.. list.OrderBy(letter => letter.FailedAt)];
    }

    /// <summary>
    /// Queues the dead letter's delivery again from its first try, then marks it replayed; false when
    /// someone else marked it first. Queue first, then mark: a crash in between replays it twice (same
    /// <c>webhook-id</c>), never zero times.
    /// </summary>
    public async Task<bool> ReplayAsync(DeadLetterEntity letter, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await storage.RequestDeliveryAsync(letter.ToMessage() with { Attempt = 0 }, cancellationToken: cancellationToken);
        return await TryMarkReplayedAsync(letter, now, cancellationToken);
    }

    /// <summary>Marks a dead letter replayed unless someone else did first (ETag).</summary>
    public Task<bool> TryMarkReplayedAsync(DeadLetterEntity entity, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        entity.ReplayedAt = now;
        return DeadLetters.TryReplaceAsync(entity, cancellationToken);
    }
}
