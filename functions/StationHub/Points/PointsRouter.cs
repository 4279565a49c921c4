using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
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
    HubStorage storage,
    LedgerEntryWriter ledger,
    ILogger<PointsRouter> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var request = QueueMessages.Read(body, HubJsonContext.Default.PointsTransactionRequested);
        var outcome = await book.ApplyAsync(request, cancellationToken);

        // Everything told from here on comes from the stored record, never from this message: a repeat
        // of the transaction (a platform's retry, a redelivery) sends byte-for-byte the same notices.
        var record = outcome.Record;
        var kind = Enum.Parse<PointsKind>(record.Kind);
        var courierRef = book.PlatformCourierRef(record.PlatformId, PointsBook.CourierOf(record));
        if (!outcome.Applied)
        {
            // Only recorded rejections are told (an unrecorded one, a settlement that cannot happen, has no record to tell from).
            if (kind is PointsKind.Earned or PointsKind.Redeemed or PointsKind.Reversed)
            {
                await storage.RequestDeliveryAsync(Notice(record, "rejected", PointsEvents.Rejected, new PointsRejectedNotice(courierRef, record.PlatformTransactionId, record.Kind.ToLowerInvariant(), record.Reason ?? "rejected"), HubJsonContext.Default.PointsRejectedNotice, request.CorrelationId), cancellationToken: cancellationToken);
            }

            return;
        }

        if (kind is PointsKind.Settled or PointsKind.Released && record.VoucherCode is { } code)
        {
            var voucher = await book.FindCourierVoucherAsync(PointsBook.CourierOf(record), code, cancellationToken);
            if (voucher is not null)
            {
                await book.RemoveDueAsync(code, voucher.ExpiresAt, cancellationToken);
            }
        }

        await ledger.WriteAsync([LedgerFact(record, kind)], cancellationToken);
        // Both notices go to the courier's platform in one queue message, the balance first.
        List<DeliveryRequested> notices =
        [
            Notice(record, "balance", PointsEvents.BalanceChanged, new BalanceChangedNotice(
                courierRef, record.PlatformTransactionId, record.Kind.ToLowerInvariant(), record.Points, record.AvailableAfter, record.ReservedAfter,
                record.Task, record.Reward, record.VoucherCode, kind == PointsKind.Earned ? record.Reference : null, record.At), HubJsonContext.Default.BalanceChangedNotice, request.CorrelationId),
        ];
        if (kind == PointsKind.Earned && registry.FindTask(record.Task ?? string.Empty) is { Minutes: > 0 } task)
        {
            notices.Add(Notice(record, "social-time", PointsEvents.SocialTimeCredited, new SocialTimeNotice(courierRef, task.Minutes, task.Code, record.PlatformTransactionId), HubJsonContext.Default.SocialTimeNotice, request.CorrelationId));
        }

        await storage.RequestDeliveriesAsync(notices, cancellationToken);

        Log.Routed(logger, PointsBook.TransactionIdOf(record), record.Kind);
    }

    private static LedgerEntry LedgerFact(TransactionEntity record, PointsKind kind)
    {
        var scope = record.StationId is { } station ? LedgerScopes.Station(station) : LedgerScopes.Hub;
        var ledgerKind = kind switch
        {
            PointsKind.Earned => LedgerKinds.PointsIssued(record.Task!),
            PointsKind.Reversed => LedgerKinds.PointsReversed,
            PointsKind.Redeemed => LedgerKinds.PointsReserved(record.Reward!),
            PointsKind.Settled => LedgerKinds.PointsRedeemed(record.Reward!),
            _ => LedgerKinds.PointsReleased(record.Reward!),
        };
        // The time of the attempt that applied it, never this message's: a platform's retry queues its
        // own message, maybe after the city's midnight, and the fact must stay in one day's partition.
        return new LedgerEntry(ledgerKind, scope, PointsBook.TransactionIdOf(record), record.At, record.Points, Label: record.Task ?? record.Reward);
    }

    /// <summary>
    /// A notice to the courier's platform. Its webhook-id comes from the transaction id, and its envelope
    /// (event, timestamp = the record's time, data) from the record, so every repeat is the same message.
    /// </summary>
    private static DeliveryRequested Notice<T>(TransactionEntity record, string key, string eventType, T notice, JsonTypeInfo<T> noticeType, string correlationId) =>
        DeliveryRequested.Create(correlationId, record.At, Destination.Platform(record.PlatformId), eventType, key, JsonSerializer.SerializeToElement(notice, noticeType), PointsBook.TransactionIdOf(record));
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
