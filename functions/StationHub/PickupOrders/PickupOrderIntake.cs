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
/// <c>POST /api/v1/platforms/{platformId}/pickup-orders</c>: <c>pickup_order.created</c> and
/// <c>pickup_order.cancelled</c>, with the same signing, validation and idempotency as every webhook.
/// </summary>
public sealed class PickupOrderIntake(
    PlatformWebhooks webhooks,
    HubRegistry registry,
    PickupOrderStore store,
    TimeProvider time,
    ILogger<PickupOrderIntake> logger)
{
    public const string CreatedType = "pickup_order.created";
    public const string CancelledType = "pickup_order.cancelled";

    /// <summary>The largest fee or commission the hub takes for one order: 100,000 yuan, in fen.</summary>
    public const long MaxFen = 10_000_000;
    public const int MaxParcels = 100;
    public const int MaxPickupWithinHours = 168;

    private static readonly string[] AcceptedTypes = [CreatedType, CancelledType];

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var read = webhooks.Read(request, AcceptedTypes);
        if (read.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        using var webhook = read.Webhook!;
        return webhook.Type == CreatedType
            ? await CreateAsync(webhook, cancellationToken)
            : await CancelAsync(webhook, cancellationToken);
    }

    public static string StatusUrlFor(string platformId, string hubId) =>
        "/" + Routes.PickupOrderStatus.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{hubId}", hubId, StringComparison.Ordinal);

    private async Task<HubResponse> CreateAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
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
            return HubResponse.Problem(Problem.BadRequest("The pickup order is not valid.", fields.Errors));
        }

        var now = time.GetUtcNow();
        var order = new PickupOrder(
            PickupOrder.HubIdFor(webhook.Platform.Id, orderId!), webhook.Platform.Id, orderId!, stationId!, (int)parcels!.Value,
            handlingFee!.Value, commission!.Value, expectedArrival, (int)within, now);
        var attemptId = Guid.NewGuid().ToString("N");
        var created = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, webhook.WebhookId, now, PickupOrderEventKind.Created, order.HubId, attemptId, order);
        var answer = new WebhookAnswer(order.HubId, PickupOrderStatus.Created.ToWire(), StatusUrlFor(order.PlatformId, order.HubId));
        if (await FirstClaimAsync(webhook, ClaimItem(PickupOrderStatus.Created, order.HubId), cancellationToken) is { } first)
        {
            return first;
        }

        if (await store.AcceptAsync(created, OrderEntity.For(order, webhook.WebhookId, attemptId), cancellationToken))
        {
            Log.OrderAccepted(logger, order.HubId, order.PlatformId, order.StationId);
            return Answer(answer, StatusCodes.Accepted);
        }

        return Answer(answer, StatusCodes.Ok);
    }

    private async Task<HubResponse> CancelAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
    {
        var fields = new FieldReader();
        var orderId = fields.Identifier(webhook.Data, "orderId", "data.orderId");
        if (fields.HasErrors)
        {
            return HubResponse.Problem(Problem.BadRequest("The cancellation is not valid.", fields.Errors));
        }

        var hubId = PickupOrder.HubIdFor(webhook.Platform.Id, orderId!);
        var answer = new WebhookAnswer(hubId, PickupOrderStatus.Cancelled.ToWire(), StatusUrlFor(webhook.Platform.Id, hubId));
        if (await FirstClaimAsync(webhook, ClaimItem(PickupOrderStatus.Cancelled, hubId), cancellationToken) is { } first)
        {
            return first;
        }

        var change = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, webhook.WebhookId, time.GetUtcNow(), PickupOrderEventKind.Cancelled, hubId, Guid.NewGuid().ToString("N"));
        var outcome = await PickupOrderChanges.ApplyAsync(store, hubId, change, null, cancellationToken);
        return outcome.Result switch
        {
            ChangeResult.NotFound => HubResponse.Problem(Problem.NotFound("You have no pickup order with that orderId.")),
            ChangeResult.AlreadyThere => Answer(answer, StatusCodes.Ok),
            ChangeResult.Refused => HubResponse.Problem(Problem.Conflict($"The order is {outcome.Entity!.Status}; it can no longer be cancelled.")),
            _ => Answer(answer, StatusCodes.Accepted),
        };
    }

    /// <summary>
    /// The same webhook-id with another body (another order, or another event of it) gets the first
    /// item's answer and makes nothing; null when the id is this item's (new, or its own retry).
    /// </summary>
    private async Task<HubResponse?> FirstClaimAsync(VerifiedWebhook webhook, string item, CancellationToken cancellationToken)
    {
        var held = await store.ClaimWebhookIdAsync(webhook.Platform.Id, webhook.WebhookId, item, cancellationToken);
        if (held == item)
        {
            return null;
        }

        var (status, hubId) = (held[..held.IndexOf(':', StringComparison.Ordinal)], held[(held.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        return Answer(new WebhookAnswer(hubId, status, StatusUrlFor(webhook.Platform.Id, hubId)), StatusCodes.Ok);
    }

    private static string ClaimItem(PickupOrderStatus status, string hubId) => status.ToWire() + ":" + hubId;

    private static HubResponse Answer(WebhookAnswer answer, int status) =>
        HubResponse.Json(status, answer, HubJsonContext.Default.WebhookAnswer, new Dictionary<string, string> { ["Location"] = answer.StatusUrl });
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
    public static async Task<ChangeOutcome> ApplyAsync(PickupOrderStore store, string hubId, PickupOrderEvent change, string? codeDigest, CancellationToken cancellationToken)
    {
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null)
        {
            return new(ChangeResult.NotFound, null);
        }

        var queued = false;
        return await Optimistic.RetryAsync($"Order {hubId}", async attempt =>
        {
            if (attempt > 0)
            {
                entity = await store.FindAsync(hubId, cancellationToken) ?? throw new InvalidOperationException($"Order {hubId} vanished.");
            }

            if (entity.CurrentStatus == PickupOrderMachine.Target(change.Kind))
            {
                return Attempt<ChangeOutcome>.Done(new(ChangeResult.AlreadyThere, entity));
            }

            if (!PickupOrderMachine.Allows(entity.CurrentStatus, change.Kind))
            {
                return Attempt<ChangeOutcome>.Done(new(ChangeResult.Refused, entity));
            }

            if (!queued)
            {
                await store.QueueAsync(change, cancellationToken);
                queued = true;
            }

            PickupOrderMachine.TryApply(entity, change, codeDigest);
            return await store.TryReplaceAsync(entity, cancellationToken)
                ? Attempt<ChangeOutcome>.Done(new(ChangeResult.Applied, entity))
                : Attempt<ChangeOutcome>.Retry;
        }, cancellationToken);
    }
}
