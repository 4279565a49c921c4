using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// Queue function over <c>points-transactions</c>: applies the transaction if the request that
/// queued it did not get to (idempotent by id), then does its effects, each idempotent: the
/// ledger facts, <c>points.balance_changed</c> and, for tasks that cost working time,
/// <c>social_time.credited</c> to the courier's platform; a rejection is told as <c>points.rejected</c>.
/// The platform sees the courier as its own stable pseudonym (<c>courierId</c>): the raw id never leaves the hub.
/// </summary>
public sealed class PointsRouter(
    PointsBook book,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubStorage storage,
    LedgerEntryWriter ledger,
    ILogger<PointsRouter> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var request = QueueMessages.Read(body, HubJsonContext.Default.PointsTransactionRequested);
        var outcome = await book.ApplyAsync(request, cancellationToken);
        var record = outcome.Record;
        var courierRef = pseudonyms.ForRecipient("platform:" + request.PlatformId, request.CourierPseudonym);
        if (!outcome.Applied)
        {
            if (request.Kind is PointsKind.Earned or PointsKind.Redeemed or PointsKind.Reversed)
            {
                await NotifyAsync(request, "rejected", PointsEvents.Rejected, new PointsRejectedNotice(courierRef, request.PlatformTransactionId, request.Kind.ToString().ToLowerInvariant(), record.Reason ?? "rejected"), HubJsonContext.Default.PointsRejectedNotice, cancellationToken);
            }

            return;
        }

        if (request.Kind is PointsKind.Settled or PointsKind.Released && request.VoucherCode is { } code)
        {
            var voucher = await book.FindVoucherAsync(record.PartitionKey, code, cancellationToken);
            if (voucher is not null)
            {
                await book.RemoveDueAsync(code, voucher.ExpiresAt, cancellationToken);
            }
        }

        await ledger.WriteAsync([LedgerFact(request, record)], cancellationToken);
        var balance = await book.FindBalanceAsync(request.CourierPseudonym, cancellationToken);
        await NotifyAsync(request, "balance", PointsEvents.BalanceChanged, new BalanceChangedNotice(
            courierRef, request.PlatformTransactionId, request.Kind.ToString().ToLowerInvariant(), record.Points, balance?.Available ?? 0, balance?.Reserved ?? 0,
            record.Task, record.Reward, record.VoucherCode, request.Kind == PointsKind.Earned ? request.Reference : null, record.At), HubJsonContext.Default.BalanceChangedNotice, cancellationToken);
        if (request.Kind == PointsKind.Earned && registry.FindTask(record.Task ?? string.Empty) is { Minutes: > 0 } task)
        {
            await NotifyAsync(request, "social-time", PointsEvents.SocialTimeCredited, new SocialTimeNotice(courierRef, task.Minutes, task.Code, request.PlatformTransactionId), HubJsonContext.Default.SocialTimeNotice, cancellationToken);
        }

        Log.Routed(logger, request.TransactionId, record.Kind);
    }

    private static LedgerEntry LedgerFact(PointsTransactionRequested request, TransactionEntity record)
    {
        var scope = request.StationId is { } station ? LedgerScopes.Station(station) : LedgerScopes.Hub;
        var kind = request.Kind switch
        {
            PointsKind.Earned => LedgerKinds.PointsIssued(record.Task!),
            PointsKind.Reversed => LedgerKinds.PointsReversed,
            PointsKind.Redeemed => LedgerKinds.PointsReserved(record.Reward!),
            PointsKind.Settled => LedgerKinds.PointsRedeemed(record.Reward!),
            _ => LedgerKinds.PointsReleased(record.Reward!),
        };
        // The time of the attempt that applied it, never this message's: a platform's retry queues its
        // own message, maybe after the city's midnight, and the fact must stay in one day's partition.
        return new LedgerEntry(kind, scope, request.TransactionId, record.At, record.Points, Label: record.Task ?? record.Reward);
    }

    private Task NotifyAsync<T>(PointsTransactionRequested request, string key, string eventType, T notice, JsonTypeInfo<T> noticeType, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(notice, noticeType);
        var delivery = DeliveryRequested.Create(request.CorrelationId, request.OccurredAt, Destination.Platform(request.PlatformId), eventType, key, data, request.TransactionId);
        return storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
    }
}

public static class PointsEvents
{
    public const string BalanceChanged = "points.balance_changed";
    public const string SocialTimeCredited = "social_time.credited";
    public const string Rejected = "points.rejected";
}

/// <summary>
/// <c>points.balance_changed</c>: <see cref="CourierId"/> is the platform's own stable pseudonym of
/// the courier; <see cref="TransactionId"/> is the platform's own id of the transaction, and for
/// points the hub issued itself (a valid hazard report) <see cref="Reference"/> is the report's <c>reportId</c>.
/// </summary>
public sealed record BalanceChangedNotice(string CourierId, string? TransactionId, string Kind, long Points, long Available, long Reserved, string? Task, string? Reward, string? VoucherCode, string? Reference, DateTimeOffset At);

/// <summary><c>social_time.credited</c>: working time the platform can excuse (late orders).</summary>
public sealed record SocialTimeNotice(string CourierId, int Minutes, string Reason, string? TransactionId);

public sealed record PointsRejectedNotice(string CourierId, string? TransactionId, string Kind, string Reason);
