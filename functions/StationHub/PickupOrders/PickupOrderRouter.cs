using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.PickupOrders;

/// <summary>
/// Queue function over <c>pickup-orders-events</c>. An event is queued before its change is
/// committed, so this function first makes sure the change is there: it stores a created order
/// the intake did not get to store, applies an arrival, collection, expiry or cancellation that
/// is still legal but uncommitted, and ignores an event another one beat. Then it does the
/// event's effects, each idempotent: the ledger facts (revenue split into the station's and the
/// governance fund's shares), the platform's notice, the expiry index.
/// </summary>
public sealed class PickupOrderRouter(
    PickupOrderStore store,
    PickupCodes codes,
    HubStorage storage,
    LedgerEntryWriter ledger,
    IOptions<FundOptions> funds,
    ILogger<PickupOrderRouter> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var change = QueueMessages.Read(body, HubJsonContext.Default.PickupOrderEvent);
        var entity = change.Kind == PickupOrderEventKind.Created
            ? await EnsureCreatedAsync(change, cancellationToken)
            : await EnsureAppliedAsync(change, cancellationToken);
        if (entity is null)
        {
            Log.EventIgnored(logger, change.Kind.ToString(), change.HubId);
            return;
        }

        var order = entity.ToOrder();
        var scope = LedgerScopes.Station(order.StationId);
        switch (change.Kind)
        {
            case PickupOrderEventKind.Created:
                await ledger.WriteAsync([new LedgerEntry(LedgerKinds.PickupReceived, scope, order.HubId, order.ReceivedAt, order.Parcels)], cancellationToken);
                break;
            case PickupOrderEventKind.Arrived:
                await store.MarkDueAsync(order.HubId, entity.ExpiresAt!.Value, cancellationToken);
                await NotifyAsync(change, order, PickupOrderEvents.Ready, new PickupOrderNotice(order.HubId, order.OrderId, order.StationId, "arrived", change.PickupCode, entity.ExpiresAt, change.OccurredAt), cancellationToken);
                break;
            case PickupOrderEventKind.Collected:
                await ledger.WriteAsync(CollectedEntries(order, scope, change.OccurredAt), cancellationToken);
                await UnmarkDueAsync(entity, cancellationToken);
                await NotifyAsync(change, order, PickupOrderEvents.Collected, new PickupOrderNotice(order.HubId, order.OrderId, order.StationId, "collected", null, null, change.OccurredAt), cancellationToken);
                break;
            case PickupOrderEventKind.Expired:
                await ledger.WriteAsync([new LedgerEntry(LedgerKinds.PickupExpired, scope, order.HubId, change.OccurredAt, order.Parcels)], cancellationToken);
                await UnmarkDueAsync(entity, cancellationToken);
                await NotifyAsync(change, order, PickupOrderEvents.Expired, new PickupOrderNotice(order.HubId, order.OrderId, order.StationId, "expired", null, null, change.OccurredAt), cancellationToken);
                break;
            case PickupOrderEventKind.Cancelled:
                await ledger.WriteAsync([new LedgerEntry(LedgerKinds.PickupCancelled, scope, order.HubId, change.OccurredAt, order.Parcels)], cancellationToken);
                await UnmarkDueAsync(entity, cancellationToken);
                break;
        }

        Log.OrderMoved(logger, order.HubId, entity.Status);
    }

    /// <summary>The revenue of a collected order, each kind split between station and fund.</summary>
    private List<LedgerEntry> CollectedEntries(PickupOrder order, string scope, DateTimeOffset at)
    {
        var entries = new List<LedgerEntry> { new(LedgerKinds.PickupCollected, scope, order.HubId, at, order.Parcels) };
        foreach (var (kind, amount) in new[] { (RevenueKinds.HandlingFee, order.HandlingFeeFen), (RevenueKinds.Commission, order.CommissionFen) })
        {
            var (_, fund) = RevenueSplit.Split(amount, funds.Value.GovernanceSharePercent);
            entries.Add(new LedgerEntry(LedgerKinds.PickupRevenue(kind), scope, order.HubId, at, amount, Label: kind));
            entries.Add(new LedgerEntry(LedgerKinds.PickupFund(kind), scope, order.HubId, at, fund, Label: kind));
        }

        return entries;
    }

    private async Task<OrderEntity?> EnsureCreatedAsync(PickupOrderEvent change, CancellationToken cancellationToken)
    {
        var (entity, thisAttempt, _) = await store.ReplayAsync(OrderEntity.For(change.Order!, change.CorrelationId, change.AttemptId), cancellationToken);
        return thisAttempt ? entity : null;
    }

    private Task<OrderEntity?> EnsureAppliedAsync(PickupOrderEvent change, CancellationToken cancellationToken) =>
        Optimistic.RetryAsync($"Order {change.HubId} ({change.Kind})", async _ =>
        {
            var entity = await store.FindAsync(change.HubId, cancellationToken)
                ?? throw new InvalidOperationException($"Event {change.Kind} names order {change.HubId}, which is not stored.");
            if (entity.LastAttemptId == change.AttemptId)
            {
                return Attempt<OrderEntity?>.Done(entity);
            }

            var digest = change.Kind == PickupOrderEventKind.Arrived ? codes.Digest(change.HubId, change.PickupCode!) : null;
            if (!PickupOrderMachine.TryApply(entity, change, digest))
            {
                return Attempt<OrderEntity?>.Done(null);
            }

            return await store.TryReplaceAsync(entity, cancellationToken) ? Attempt<OrderEntity?>.Done(entity) : Attempt<OrderEntity?>.Retry;
        }, cancellationToken);

    private async Task UnmarkDueAsync(OrderEntity entity, CancellationToken cancellationToken)
    {
        if (entity.ExpiresAt is { } expiresAt)
        {
            try
            {
                await store.UnmarkDueAsync(entity.PartitionKey, expiresAt, cancellationToken);
            }
            catch (Azure.RequestFailedException exception) when (HubStorage.IsNotFound(exception))
            {
                // Already gone: a repeat.
            }
        }
    }

    private Task NotifyAsync(PickupOrderEvent change, PickupOrder order, string eventType, PickupOrderNotice notice, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(notice, HubJsonContext.Default.PickupOrderNotice);
        var delivery = DeliveryRequested.Create(change.CorrelationId, change.OccurredAt, Destination.Platform(order.PlatformId), eventType, eventType, data, order.HubId);
        return storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
    }
}

/// <summary>The event types of the pickup flow, as platforms see them.</summary>
public static class PickupOrderEvents
{
    public const string Ready = "pickup_order.ready";
    public const string Collected = "pickup_order.collected";
    public const string Expired = "pickup_order.expired";
}

public static class RevenueKinds
{
    public const string HandlingFee = "handling_fee";
    public const string Commission = "commission";
}

/// <summary>The <c>data</c> of the pickup events the platform receives.</summary>
public sealed record PickupOrderNotice(
    string HubId,
    string OrderId,
    string StationId,
    string Status,
    string? PickupCode,
    DateTimeOffset? PickupBefore,
    DateTimeOffset At);
