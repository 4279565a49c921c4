using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Delivery;

/// <summary>
/// Queue function over <c>deliveries</c>: one try of each delivery in the message (one, or a few to
/// one destination, made in order). On failure it queues the next try with the policy's delay (so
/// one slow destination never holds up another), and after the last try writes a dead letter. At
/// least once: a crash between the call and the record means the call is made again, with the same
/// <c>webhook-id</c>.
/// </summary>
/// <remarks>
/// The ledger's <c>delivery.made</c> and <c>delivery.failed</c> carry the time the delivery
/// succeeded or failed for good, kept with the delivery's record, and are written after it. A
/// crash between the record and the fact leaves the message on its queue: its next run finds the
/// record final and writes the fact again from the record (idempotent, same row, same day), so the
/// fact is never lost and a repeat across midnight never counts on a second day.
/// </remarks>
/// <para>
/// Each destination has a state (<see cref="EndpointStore"/>): a delivery to a paused or disabled one
/// is parked (<see cref="ParkedDeliveries"/>) and goes out when it is resumed; a destination with a
/// <c>maxPerSecond</c> takes a slot of its shared counter first (<see cref="DeliveryThrottle"/>). A
/// failure is counted against the destination, and the one that finds it failing without a success
/// for <see cref="DeliveryOptions.DisableAfter"/> disables it and tells the administrators.
/// </para>
public sealed class DeliveryProcessor(
    DeliverySender sender,
    DeliveryStore store,
    RetryPolicy retries,
    HubStorage storage,
    LedgerEntryWriter ledger,
    EndpointStore endpoints,
    ParkedDeliveries parked,
    DeliveryThrottle throttle,
    HubRegistry registry,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    Jitter random,
    ILogger<DeliveryProcessor> logger)
{
    /// <summary>One try, not knowing how often the queue handed the message out (the record is read first).</summary>
    public Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default) => HandleAsync(body, dequeueCount: 0, cancellationToken);

    /// <summary>
    /// One try. The record is read before the call, so that a run of this message that stopped after the
    /// call (and its record) does not call again, unless this is the message's first hand-out
    /// (<paramref name="dequeueCount"/> 1) of a first try: then no run of it came before, and the record is
    /// written with an insert that fails when one exists. What that read would still have caught is a second
    /// message of the same delivery (a router that stopped between its send and its delete sends it again):
    /// both copies call, under the same <c>webhook-id</c> (receivers drop the repeat), and the one whose
    /// insert loses reads the record and writes the fact at the winner's time, so the ledger counts it once.
    /// </summary>
    public async Task HandleAsync(BinaryData body, long dequeueCount, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.DeliveryRequested);
        for (DeliveryRequested? next = message; next is not null;)
        {
            next = await MakeAsync(next, dequeueCount, cancellationToken);
        }
    }

    /// <summary>
    /// One try of one delivery. Returns the delivery that rides behind it (<see cref="DeliveryRequested.Then"/>)
    /// when this one is settled, made or given up, so it is tried next, in this same run; null when it went
    /// back to the queue or was parked with this one.
    /// </summary>
    /// <remarks>
    /// The follow-up is "unseen" by the same rule: a first try in a message handed out once. Until this
    /// one settles it has not been tried (retries, parking and throttling carry it along untried), and a
    /// run that stopped after trying it leaves the message to be handed out again.
    /// </remarks>
    private async Task<DeliveryRequested?> MakeAsync(DeliveryRequested message, long dequeueCount, CancellationToken cancellationToken)
    {
        var unseen = message.Attempt == 0 && dequeueCount == 1;
        if (!unseen && await FinishedAsync(message, cancellationToken))
        {
            return message.Then;
        }

        var hasLifecycle = message.Destination.Kind != DestinationKind.Admin;
        EndpointEntity? endpoint = null;
        if (hasLifecycle)
        {
            endpoint = await endpoints.FindForDeliveryAsync(message.Destination, cancellationToken);
            if (endpoint is { IsOpen: false })
            {
                await parked.ParkAsync(message, time.GetUtcNow(), cancellationToken);
                Log.DeliveryParked(logger, message.DeliveryId, message.Destination.ToString(), endpoint.State);
                return null;
            }

            if (Destinations.MaxPerSecond(registry, message.Destination) is { } maxPerSecond)
            {
                var asked = time.GetTimestamp();
                if (!await throttle.WaitTurnAsync(message.Destination, maxPerSecond, options.Value.ThrottleMaxWait, cancellationToken))
                {
                    // No slot within the wait: the same try, later, so this worker serves other destinations meanwhile.
                    var later = random.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
                    await storage.RequestDeliveryAsync(message, later, cancellationToken);
                    Log.DeliveryThrottled(logger, message.DeliveryId, message.Destination.ToString(), maxPerSecond, later);
                    return null;
                }

                // A pause that came while this delivery waited for its slot holds it too.
                if (time.GetElapsedTime(asked) > TimeSpan.FromSeconds(1)
                    && (await endpoints.FindAsync(message.Destination, cancellationToken)) is { IsOpen: false } paused)
                {
                    await parked.ParkAsync(message, time.GetUtcNow(), cancellationToken);
                    Log.DeliveryParked(logger, message.DeliveryId, message.Destination.ToString(), paused.State);
                    return null;
                }
            }
        }

        var result = await sender.SendAsync(message, cancellationToken);
        var now = time.GetUtcNow();
        if (result.Delivered)
        {
            var madeAt = now;
            if (!unseen || !await store.TryRecordMadeAsync(message, result.StatusCode, now, cancellationToken))
            {
                // Another copy of this message may have made it first: its time stands, so the fact lands on its day.
                var first = unseen ? await store.FindAsync(message.DeliveryId, cancellationToken) : null;
                if (first?.State == DeliveryStates.Delivered)
                {
                    madeAt = first.DeliveredAt ?? first.UpdatedAt;
                }
                else
                {
                    await store.RecordAsync(message, DeliveryStates.Delivered, result.StatusCode, null, now, cancellationToken);
                }
            }

            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryMade, message, madeAt)], cancellationToken);
            Log.Delivered(logger, message.DeliveryId, message.EventType, message.Destination.ToString(), message.Attempt + 1, result.StatusCode);
            if (hasLifecycle)
            {
                await endpoints.RecordSuccessAsync(message.Destination, endpoint, now, cancellationToken);
            }

            return message.Then;
        }

        if (hasLifecycle && await endpoints.RecordFailureAsync(message.Destination, now, result.Error, options.Value.DisableAfter, cancellationToken) is { } disabled)
        {
            await TellAdministratorsAsync(message.Destination, disabled, now, cancellationToken);
        }

        // Not read before the call: another copy of this message may have made it, and its record must stand.
        if (unseen && await FinishedAsync(message, cancellationToken))
        {
            return message.Then;
        }

        var delay = retries.NextDelay(message.Attempt, result.RetryAfter);
        if (delay is { } wait)
        {
            // Recorded before the next try is queued, so this record can never overwrite that try's.
            await store.RecordAsync(message, DeliveryStates.Retrying, result.StatusCode, result.Error, now, cancellationToken);
            var next = message with { Attempt = message.Attempt + 1 };
            await storage.RequestDeliveryAsync(next, Cap(wait), cancellationToken);
            Log.DeliveryRetrying(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error, wait);
            return null;
        }

        // The dead letter is this delivery alone: the one behind it gets its own tries now.
        await store.DeadLetterAsync(message with { Then = null }, result.Error, now, cancellationToken);
        await store.RecordAsync(message, DeliveryStates.DeadLettered, result.StatusCode, result.Error, now, cancellationToken);
        await ledger.WriteAsync([Fact(LedgerKinds.DeliveryFailed, message, now)], cancellationToken);
        Log.DeadLettered(logger, message.DeliveryId, message.Destination.ToString(), message.Attempt + 1, result.Error);
        return message.Then;
    }

    /// <summary>
    /// True when the delivery's record says this try has nothing left to do: made already, or this very try
    /// was the last and was recorded. Only its ledger fact may be missing then (a run that stopped after the
    /// record), and it is written again from the record, at the time the record keeps.
    /// </summary>
    private async Task<bool> FinishedAsync(DeliveryRequested message, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(message.DeliveryId, cancellationToken);
        if (record?.State == DeliveryStates.Delivered)
        {
            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryMade, message, record.DeliveredAt ?? record.UpdatedAt)], cancellationToken);
            Log.DeliveryRepeatSkipped(logger, message.DeliveryId, message.Destination.ToString());
            return true;
        }

        if (record?.State == DeliveryStates.DeadLettered && record.Attempts == message.Attempt + 1)
        {
            await ledger.WriteAsync([Fact(LedgerKinds.DeliveryFailed, message, record.UpdatedAt)], cancellationToken);
            return true;
        }

        return false;
    }

    /// <summary>The log, and the registry's administrators' endpoint when it names one (<c>endpoint.disabled</c>).</summary>
    private async Task TellAdministratorsAsync(Destination destination, EndpointEntity disabled, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Log.EndpointDisabled(logger, destination.ToString(), disabled.FailingSince, disabled.ConsecutiveFailures, disabled.LastError);
        if (registry.Document.Admin is null)
        {
            return;
        }

        var notice = new EndpointDisabledNotice(destination.ToString(), now, disabled.FailingSince, disabled.LastSuccessAt, disabled.ConsecutiveFailures, disabled.LastError);
        var data = JsonSerializer.SerializeToElement(notice, HubJsonContext.Default.EndpointDisabledNotice);
        var eventKey = EndpointEvents.Disabled + "@" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var delivery = DeliveryRequested.Create(destination.ToString(), now, Destination.Administrators, EndpointEvents.Disabled, eventKey, data, destination.ToString());
        await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
    }

    /// <summary>A delivery's ledger fact, at the time it happened (kept with the delivery's record).</summary>
    private static LedgerEntry Fact(string kind, DeliveryRequested message, DateTimeOffset at) =>
        new(kind, LedgerScopes.Hub, message.DeliveryId, at, Label: message.EventType);

    /// <summary>Azure queues hide a message for at most seven days.</summary>
    private static TimeSpan Cap(TimeSpan delay) => delay > TimeSpan.FromDays(7) ? TimeSpan.FromDays(7) : delay;
}
