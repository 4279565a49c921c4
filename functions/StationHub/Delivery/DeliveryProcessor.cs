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
            Log.DeliveryRepeatSkipped(logger, message.DeliveryId, message.Destination.ToString());
            return;
        }

        var result = await sender.SendAsync(message, cancellationToken);
        var now = time.GetUtcNow();
        if (result.Delivered)
        {
            await store.RecordAsync(message, DeliveryStates.Delivered, result.StatusCode, null, now, cancellationToken);
            await ledger.WriteAsync([new LedgerEntry(LedgerKinds.DeliveryMade, LedgerScopes.Hub, message.DeliveryId, now, Label: message.EventType)], cancellationToken);
            Log.Delivered(logger, message.DeliveryId, message.EventType, message.Destination.ToString(), message.Attempt + 1, result.StatusCode);
            return;
        }

        var delay = retries.NextDelay(message.Attempt, result.RetryAfter);
        if (delay is { } wait)
        {
            var next = message with { Attempt = message.Attempt + 1 };
            await storage.RequestDeliveryAsync(next, Cap(wait), cancellationToken);
            await store.RecordAsync(message, DeliveryStates.Retrying, result.StatusCode, result.Error, now, cancellationToken);
            Log.DeliveryRetrying(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error, wait);
            return;
        }

        await store.DeadLetterAsync(message, result.Error, now, cancellationToken);
        await store.RecordAsync(message, DeliveryStates.DeadLettered, result.StatusCode, result.Error, now, cancellationToken);
        await ledger.WriteAsync([new LedgerEntry(LedgerKinds.DeliveryFailed, LedgerScopes.Hub, message.DeliveryId, now, Label: message.EventType)], cancellationToken);
        Log.DeadLettered(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error);
    }

    /// <summary>Azure queues hide a message for at most seven days.</summary>
    private static TimeSpan Cap(TimeSpan delay) => delay > TimeSpan.FromDays(7) ? TimeSpan.FromDays(7) : delay;
}
