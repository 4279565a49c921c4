using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>
/// Queue function over <c>deliveries</c>: one try per message. On failure it queues the next
/// try with the policy's delay (so one slow destination never holds up another), and after the
/// last try writes a dead letter. At least once: a crash between the call and the record means
/// the call is made again, with the same <c>webhook-id</c>.
/// </summary>
/// <remarks>
/// The ledger's <c>delivery.made</c> and <c>delivery.failed</c> carry the time the delivery
/// succeeded or failed for good, kept with the delivery's record, and are written after it. A
/// crash between the record and the fact leaves the message on its queue: its next run finds the
/// record final and writes the fact again from the record (idempotent, same row, same day), so the
/// fact is never lost and a repeat across midnight never counts on a second day.
/// </remarks>
public sealed class DeliveryProcessor(
    DeliverySender sender,
    DeliveryStore store,
    RetryPolicy retries,
    HubStorage storage,
    LedgerEntryWriter ledger,
    TimeProvider time,
    ILogger<DeliveryProcessor> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.DeliveryRequested);

        var record = await store.FindAsync(message.DeliveryId, cancellationToken);
        if (record?.State == DeliveryStates.Delivered)
        {
            // Made already; the fact may not have been written if the run that made it stopped here.
            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryMade, message, record.DeliveredAt ?? record.UpdatedAt)], cancellationToken);
            Log.DeliveryRepeatSkipped(logger, message.DeliveryId, message.Destination.ToString());
            return;
        }

        if (record?.State == DeliveryStates.DeadLettered && record.Attempts == message.Attempt + 1)
        {
            // This very try was the last and was recorded: only its fact may be missing.
            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryFailed, message, record.UpdatedAt)], cancellationToken);
            return;
        }

        var result = await sender.SendAsync(message, cancellationToken);
        var now = time.GetUtcNow();
        if (result.Delivered)
        {
            await store.RecordAsync(message, DeliveryStates.Delivered, result.StatusCode, null, now, cancellationToken);
            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryMade, message, now)], cancellationToken);
            Log.Delivered(logger, message.DeliveryId, message.EventType, message.Destination.ToString(), message.Attempt + 1, result.StatusCode);
            return;
        }

        var delay = retries.NextDelay(message.Attempt, result.RetryAfter);
        if (delay is { } wait)
        {
            // Recorded before the next try is queued, so this record can never overwrite that try's.
            await store.RecordAsync(message, DeliveryStates.Retrying, result.StatusCode, result.Error, now, cancellationToken);
            var next = message with { Attempt = message.Attempt + 1 };
            await storage.RequestDeliveryAsync(next, Cap(wait), cancellationToken);
            Log.DeliveryRetrying(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error, wait);
            return;
        }

        await store.DeadLetterAsync(message, result.Error, now, cancellationToken);
        await store.RecordAsync(message, DeliveryStates.DeadLettered, result.StatusCode, result.Error, now, cancellationToken);
        await ledger.WriteAsync([Fact(LedgerKinds.DeliveryFailed, message, now)], cancellationToken);
        Log.DeadLettered(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error);
    }

    /// <summary>A delivery's ledger fact, at the time it happened (kept with the delivery's record).</summary>
    private static LedgerEntry Fact(string kind, DeliveryRequested message, DateTimeOffset at) =>
        new(kind, LedgerScopes.Hub, message.DeliveryId, at, Label: message.EventType);

    /// <summary>Azure queues hide a message for at most seven days.</summary>
    private static TimeSpan Cap(TimeSpan delay) => delay > TimeSpan.FromDays(7) ? TimeSpan.FromDays(7) : delay;
}
