using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.HazardReports;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Webhooks;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.PickupOrders;

/// <summary>
/// <c>POST /api/v1/platforms/{platformId}/pickup-orders</c>: <c>pickup_order.created</c> (queued
/// first, then stored) and <c>pickup_order.cancelled</c> (queued, then applied), the route's part of
/// the one intake (<see cref="SignedIntake"/>). A webhook-id names one event of one order.
/// </summary>
public sealed class PickupOrderIntake(
    HubRegistry registry,
    PickupOrderStore store,
    TimeProvider time,
    ILogger<PickupOrderIntake> logger) : IWebhookRoute
{
    public const string CreatedType = "pickup_order.created";
    public const string CancelledType = "pickup_order.cancelled";

    /// <summary>The largest fee or commission the hub takes for one order: 100,000 yuan, in fen.</summary>
    public const long MaxFen = 10_000_000;
    public const int MaxParcels = 100;
    public const int MaxPickupWithinHours = 168;

    public IReadOnlyCollection<string> Types { get; } = [CreatedType, CancelledType];

    public TableClient ClaimTable => store.ClaimTable;

    public Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return Task.FromResult(webhook.Type == CreatedType ? ParseCreated(webhook) : ParseCancelled(webhook));
    }

    public static string StatusUrlFor(string platformId, string hubId) =>
        "/" + Routes.PickupOrderStatus.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{hubId}", hubId, StringComparison.Ordinal);

    private OrProblem<WebhookItem> ParseCreated(VerifiedWebhook webhook)
    {
        var fields = new FieldReader();
        var data = webhook.Data;
        var orderId = fields.Identifier(data, "orderId", "data.orderId");
        var stationId = fields.Identifier(data, "stationId", "data.stationId");
        if (stationId is not null && registry.FindStation(stationId) is null)
        {
            fields.Fail("data.stationId", "is not a station the hub serves.");
        }

        var parcels = fields.Integer(data, "parcels", "data.parcels", 1, MaxParcels);
        var handlingFee = fields.Integer(data, "handlingFeeFen", "data.handlingFeeFen", 0, MaxFen);
        var commission = fields.Integer(data, "commissionFen", "data.commissionFen", 0, MaxFen);
        var expectedArrival = fields.Timestamp(data, "expectedArrival", "data.expectedArrival", required: false);
        var within = fields.Integer(data, "pickupWithinHours", "data.pickupWithinHours", 1, MaxPickupWithinHours, required: false) ?? PickupOrder.DefaultPickupWithinHours;
        if (fields.HasErrors)
        {
            return Problem.BadRequest("The pickup order is not valid.", fields.Errors);
        }

        var now = time.GetUtcNow();
        var order = new PickupOrder(
            PickupOrder.HubIdFor(webhook.Platform.Id, orderId!), webhook.Platform.Id, orderId!, stationId!, (int)parcels!.Value,
            handlingFee!.Value, commission!.Value, expectedArrival, (int)within, now);
        var attemptId = Guid.NewGuid().ToString("N");
        var created = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, webhook.WebhookId, now, PickupOrderEventKind.Created, order.HubId, attemptId, order);
        var answer = new WebhookAnswer(order.HubId, PickupOrderStatus.Created.ToWire(), StatusUrlFor(order.PlatformId, order.HubId));
        var entity = OrderEntity.For(order, webhook.WebhookId, attemptId);
        return Item(
            webhook,
            PickupOrderStatus.Created,
            order.HubId,
            async token =>
            {
                if (await store.AcceptAsync(created, entity, token))
                {
                    Log.OrderAccepted(logger, order.HubId, order.PlatformId, order.StationId);
                    return answer.Response(StatusCodes.Accepted);
                }

                return answer.Response(StatusCodes.Ok);
            },
            // A retried webhook-id: the first answer when the order is stored (one read), nothing queued.
            async token => await store.FindAsync(order.HubId, token) is null ? null : answer.Response(StatusCodes.Ok));
    }

    private OrProblem<WebhookItem> ParseCancelled(VerifiedWebhook webhook)
    {
        var fields = new FieldReader();
        var orderId = fields.Identifier(webhook.Data, "orderId", "data.orderId");
        if (fields.HasErrors)
        {
            return Problem.BadRequest("The cancellation is not valid.", fields.Errors);
        }

        var hubId = PickupOrder.HubIdFor(webhook.Platform.Id, orderId!);
        var answer = new WebhookAnswer(hubId, PickupOrderStatus.Cancelled.ToWire(), StatusUrlFor(webhook.Platform.Id, hubId));
        var change = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, webhook.WebhookId, time.GetUtcNow(), PickupOrderEventKind.Cancelled, hubId, Guid.NewGuid().ToString("N"));
        return Item(webhook, PickupOrderStatus.Cancelled, hubId, async token =>
        {
            var outcome = await PickupOrderChanges.ApplyAsync(store, hubId, change, null, null, token);
            return outcome.Result switch
            {
                ChangeResult.NotFound => HubResponse.Problem(Problem.NotFound("You have no pickup order with that orderId.")),
                ChangeResult.AlreadyThere => answer.Response(StatusCodes.Ok),
                ChangeResult.Refused => HubResponse.Problem(Problem.Conflict($"The order is {outcome.Entity!.Status}; it can no longer be cancelled.")),
                _ => answer.Response(StatusCodes.Accepted),
            };
        });
    }

    /// <summary>
    /// An event of an order: its webhook-id names the event (status and hub id), so the same id with
    /// another body (another order, or another event of it) gets the first event's answer and makes nothing.
    /// </summary>
    private static WebhookItem Item(VerifiedWebhook webhook, PickupOrderStatus status, string hubId, Func<CancellationToken, Task<HubResponse>> accept, Func<CancellationToken, Task<HubResponse?>>? answerIfStored = null)
    {
        var platformId = webhook.Platform.Id;
        return new WebhookItem(
            status.ToWire() + ":" + hubId,
            accept,
            (held, _) =>
            {
                var split = held.IndexOf(':', StringComparison.Ordinal);
                var heldHubId = held[(split + 1)..];
                return Task.FromResult(new WebhookAnswer(heldHubId, held[..split], StatusUrlFor(platformId, heldHubId)).Response(StatusCodes.Ok));
            },
            answerIfStored);
    }
}

public enum ChangeResult
{
    Applied,
    AlreadyThere,
    Refused,
    NotFound,
}

public readonly record struct ChangeOutcome(ChangeResult Result, OrderEntity? Entity);

/// <summary>
/// Applies one event to an order the way every caller must: queued first, then committed with
/// the order's ETag, read again and re-decided on a conflict. An order already in the event's
/// target status is <see cref="ChangeResult.AlreadyThere"/> (a repeat, or another clerk was first).
/// </summary>
public static class PickupOrderChanges
{
    /// <param name="read">The order as the caller just read it (a station's action reads it to check the station), so it is not read again; null: read here.</param>
    public static async Task<ChangeOutcome> ApplyAsync(PickupOrderStore store, string hubId, PickupOrderEvent change, string? codeDigest, OrderEntity? read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        var entity = read ?? await store.FindAsync(hubId, cancellationToken);
        if (entity is null)
        {
            return new(ChangeResult.NotFound, null);
        }

        // Decided once before anything is queued, so a refused change leaves nothing behind.
        if (Decide(entity, change) is { } settled)
        {
            return settled;
        }

        return await store.QueueThenApplyAsync(change, token => Optimistic.RetryAsync($"Order {hubId}", async attempt =>
        {
            if (attempt > 0)
            {
                entity = await store.FindAsync(hubId, token) ?? throw new InvalidOperationException($"Order {hubId} vanished.");
                if (Decide(entity, change) is { } decided)
                {
                    return Attempt<ChangeOutcome>.Done(decided);
                }
            }

            PickupOrderMachine.TryApply(entity, change, codeDigest);
            return await store.TryReplaceAsync(entity, token)
                ? Attempt<ChangeOutcome>.Done(new(ChangeResult.Applied, entity))
                : Attempt<ChangeOutcome>.Retry;
        }, token), cancellationToken);
    }

    /// <summary>An order already in the event's target status, or one the event cannot move; null when it applies.</summary>
    private static ChangeOutcome? Decide(OrderEntity entity, PickupOrderEvent change) =>
        entity.CurrentStatus == PickupOrderMachine.Target(change.Kind) ? new(ChangeResult.AlreadyThere, entity)
        : !PickupOrderMachine.Allows(entity.CurrentStatus, change.Kind) ? new(ChangeResult.Refused, entity)
        : null;
}
