using System.Globalization;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.PickupOrders;

/// <summary>
/// Table <c>PickupOrders</c>: each order in its own partition (its hub id), and the arrived
/// orders' expiry times in partition <c>due</c>, ordered by time, so the expiry timer reads only
/// what is due.
/// </summary>
public sealed class PickupOrderStore(HubStorage storage)
{
    public const string DuePartition = "due";

    private TableClient Orders => storage.Table(Tables.PickupOrders);

    /// <summary>Claims a platform's webhook-id for one order event (<see cref="WebhookIdClaims"/>); returns the item that holds it.</summary>
    /// <summary>Where the pickup-order route's webhook-ids are claimed (<see cref="WebhookIdClaims"/>).</summary>
    public TableClient ClaimTable => Orders;

    public Task<bool> AcceptAsync(PickupOrderEvent created, OrderEntity entity, CancellationToken cancellationToken = default) =>
        QueueFirst.AcceptAsync(storage, Queues.PickupOrderEvents, created, HubJsonContext.Default.PickupOrderEvent, Orders, entity, e => e.AttemptId, cancellationToken);

    public Task<OrderEntity?> FindAsync(string hubId, CancellationToken cancellationToken = default) =>
        PickupOrder.IsHubId(hubId) ? Orders.FindAsync<OrderEntity>(hubId, OrderEntity.Row, cancellationToken) : Task.FromResult<OrderEntity?>(null);

    public Task<bool> TryAddAsync(OrderEntity entity, CancellationToken cancellationToken = default) => Orders.TryAddAsync(entity, cancellationToken);

    public Task<bool> TryReplaceAsync(OrderEntity entity, CancellationToken cancellationToken = default) => Orders.TryReplaceAsync(entity, cancellationToken);

    /// <summary>The queue side of accepting an order (<see cref="QueueFirst.ReplayAsync"/>): the stored order, and whether it is this message's.</summary>
    public Task<Replayed<OrderEntity>> ReplayAsync(OrderEntity fromMessage, CancellationToken cancellationToken = default) =>
        QueueFirst.ReplayAsync(Orders, fromMessage, order => order.AttemptId, cancellationToken);

    /// <summary>Queues an event, then commits the change it describes (<see cref="QueueFirst.ThenApplyAsync"/>).</summary>
    public Task<T> QueueThenApplyAsync<T>(PickupOrderEvent change, Func<CancellationToken, Task<T>> apply, CancellationToken cancellationToken = default) =>
        QueueFirst.ThenApplyAsync(storage, Queues.PickupOrderEvents, change, HubJsonContext.Default.PickupOrderEvent, apply, cancellationToken);

    public Task MarkDueAsync(string hubId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        Orders.UpsertEntityAsync(new TableEntity(DuePartition, DueRow(expiresAt, hubId)) { ["HubId"] = hubId }, TableUpdateMode.Replace, cancellationToken);

    public async Task UnmarkDueAsync(string hubId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        await Orders.DeleteEntityAsync(DuePartition, DueRow(expiresAt, hubId), cancellationToken: cancellationToken);

    /// <summary>Orders whose pickup window ended at or before <paramref name="now"/>, oldest first.</summary>
    public async IAsyncEnumerable<(string HubId, DateTimeOffset ExpiresAt)> DueAsync(
        DateTimeOffset now,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and RowKey le {TimeKey(now) + "~~"}");
        await foreach (var row in Orders.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var at = DateTimeOffset.ParseExact(row.RowKey[..17], "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            yield return (row.GetString("HubId"), at);
        }
    }

    private static string DueRow(DateTimeOffset expiresAt, string hubId) => TimeKey(expiresAt) + "~" + hubId;

    private static string TimeKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
}
