using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>A delivery waiting for its paused or disabled destination (table <c>ParkedDeliveries</c>, partition = destination, row = delivery id).</summary>
public sealed class ParkedDeliveryEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Message { get; set; } = string.Empty;
    public DateTimeOffset ParkedAt { get; set; }

    /// <summary>Set by the release that claimed the row; a claim older than <see cref="ParkedDeliveries.ClaimLease"/> was a release that died.</summary>
    public DateTimeOffset? ReleasingAt { get; set; }
}

/// <summary>
/// Deliveries to a paused or disabled destination wait here, one row per delivery id, so a delivery
/// parked twice (a repeat of its message) waits once. Releasing queues each one again, then deletes
/// its row. Each row is claimed under its ETag before it is queued, so two releases at once (a resume
/// and a park that saw the resume) queue it once; a crash after the queueing queues it twice with the
/// same <c>webhook-id</c>, and the processor skips the copy that finds the delivery made. Nothing
/// parked is ever dropped: a claim whose release died is taken again after <see cref="ClaimLease"/>, and
/// what a resume left behind goes out with the next sweep (<see cref="ReleaseLeftAsync"/>).
/// </summary>
public sealed class ParkedDeliveries(HubStorage storage, EndpointStore endpoints, TimeProvider time)
{
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(1);

    private TableClient Parked => storage.Table(Tables.ParkedDeliveries);

    /// <summary>
    /// Parks the delivery. If the destination became active meanwhile (a resume that released before
    /// this row was written), releases it at once, so no delivery waits for a resume that has passed.
    /// </summary>
    public async Task ParkAsync(DeliveryRequested message, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var entity = new ParkedDeliveryEntity
        {
            PartitionKey = message.Destination.ToString(),
            RowKey = message.DeliveryId,
            Message = JsonSerializer.Serialize(message, HubJsonContext.Default.DeliveryRequested),
            ParkedAt = now,
        };
        var written = await Parked.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        entity.ETag = written.Headers.ETag ?? ETag.All;
        if ((await endpoints.FindAsync(message.Destination, cancellationToken))?.IsOpen ?? true)
        {
            await ReleaseOneAsync(entity, cancellationToken);
        }
    }

    /// <summary>Queues every delivery parked for the destination again; returns how many.</summary>
    public async Task<int> ReleaseAsync(Destination destination, CancellationToken cancellationToken = default)
    {
        var released = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {destination.ToString()}");
        await foreach (var entity in Parked.QueryAsync<ParkedDeliveryEntity>(filter, cancellationToken: cancellationToken))
        {
            released += await ReleaseOneAsync(entity, cancellationToken) ? 1 : 0;
        }

        return released;
    }

    /// <summary>
    /// The timer's sweep (<c>ReleaseParkedDeliveries</c>): queues every parked delivery whose destination is
    /// open again, and any whose release claimed it and died. A resume releases what waited, but in its
    /// request: cut short by the request's deadline (a slow store, thousands parked) or by a host that stops,
    /// it leaves rows behind for an endpoint that is active, and no later resume comes. An empty table costs
    /// one query; a destination's state is read once per sweep.
    /// </summary>
    public async Task<int> ReleaseLeftAsync(CancellationToken cancellationToken = default)
    {
        var released = 0;
        var open = new Dictionary<string, bool>(StringComparer.Ordinal);
        await foreach (var entity in Parked.QueryAsync<ParkedDeliveryEntity>(cancellationToken: cancellationToken))
        {
            if (!open.TryGetValue(entity.PartitionKey, out var isOpen))
            {
                isOpen = Destination.Parse(entity.PartitionKey) is not { } destination || ((await endpoints.FindAsync(destination, cancellationToken))?.IsOpen ?? true);
                open[entity.PartitionKey] = isOpen;
            }

            if (isOpen)
            {
                released += await ReleaseOneAsync(entity, cancellationToken) ? 1 : 0;
            }
        }

        return released;
    }

    public async Task<int> CountAsync(Destination destination, CancellationToken cancellationToken = default)
    {
        var count = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {destination.ToString()}");
        await foreach (var unused in Parked.QueryAsync<ParkedDeliveryEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>Claims the row under its ETag, queues the delivery, deletes the row: false when another release has it.</summary>
    private async Task<bool> ReleaseOneAsync(ParkedDeliveryEntity entity, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (entity.ReleasingAt is { } claimed && now - claimed < ClaimLease)
        {
            return false;
        }

        entity.ReleasingAt = now;
        try
        {
            if (!await Parked.TryReplaceAsync(entity, cancellationToken))
            {
                return false;
            }
        }
        catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception))
        {
            // Another release queued it and deleted the row meanwhile.
            return false;
        }

        var message = JsonSerializer.Deserialize(entity.Message, HubJsonContext.Default.DeliveryRequested)!;
        await storage.RequestDeliveryAsync(message, cancellationToken: cancellationToken);
        try
        {
            await Parked.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken);
        }
        catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception) || HubStorage.IsPreconditionFailed(exception))
        {
            // Parked again meanwhile (a repeat of its message): that row waits for the next release.
        }

        return true;
    }
}
