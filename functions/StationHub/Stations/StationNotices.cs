using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Delivery;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Stations;

/// <summary>
/// <c>station.status_changed</c>, coalesced: a notice describes a state that was written, and goes out
/// at most once per <see cref="StationOptions.NoticeWindow"/> per station (so per station and subscriber:
/// every subscriber gets every notice), the last state always arriving.
/// </summary>
/// <remarks>
/// <para>
/// The station's own row keeps the notice state, so a report costs no extra table call: the signal of the
/// written state (<see cref="StationStatusEntity.Signal"/>), what platforms were last told
/// (<see cref="StationStatusEntity.NotifiedSignal"/>), the last notice committed (its number and its
/// exact <c>data</c>), the end of its window, and whether a wake-up is on its way.
/// </para>
/// <para>
/// A write that leaves the written signal different from the told one queues, before the write (queue
/// first), a wake-up on <c>station-notices</c> that carries no state: visible at once, or at the end of the
/// window when a notice went out within it. A write that finds one on its way queues nothing. The wake-up
/// reads the row and, if something is still untold, commits the next notice into the row under its ETag
/// (number + 1, <c>data</c> built from the row) and then queues one delivery per subscriber with
/// <c>webhook-id</c> = (station, notice number and time, platform) and the committed <c>data</c> and time. So one
/// webhook-id always carries one body, and it is the state that was written; a report that lost its race
/// queued only a wake-up, which finds the winner's state. A wake-up run again after a crash between the
/// commit and the deliveries sends the committed notice again, byte for byte.
/// </para>
/// <para>
/// Storage calls: a report that changes the signal with no wake-up on its way, 1 queue send (before,
/// one delivery send per subscriber); a notice, 1 read + 1 write + one delivery send per subscriber;
/// a wake-up that finds nothing untold (the station toggled back), 1 read + 1 write. A wake-up that finds
/// nothing to tell and no wake-up recorded within <see cref="WriteMayLandWithin"/> of being queued (it ran
/// before its write landed, or its write lost a race) looks once more after that: 1 read + 1 queue send,
/// then the same again.
/// </para>
/// </remarks>
public sealed class StationNotices(
    StationStatusStore store,
    StationIndex index,
    HubRegistry registry,
    HubStorage storage,
    IOptions<StationOptions> options,
    TimeProvider time,
    ILogger<StationNotices> logger)
{
    /// <summary>A wake-up due longer ago than this is taken as lost (its message went to poison), and the next write queues another.</summary>
    public static readonly TimeSpan LostAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after a write queued its wake-up the write may still land: its request's storage deadline,
    /// with room. A wake-up is queued before the write (queue first), so it can run before the write lands;
    /// one that finds nothing to tell in that time looks once more after it (<see cref="StationNoticeDue.Recheck"/>).
    /// </summary>
    public static readonly TimeSpan WriteMayLandWithin = TimeSpan.FromSeconds(10);

    /// <summary>True when the written signal is one platforms have not been told.</summary>
    public static bool Untold(StationStatusEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return StationSignal.Changed(entity.NotifiedSignal ?? entity.Signal, entity.Signal);
    }

    /// <summary>
    /// Before a write of <paramref name="entity"/> (whose <see cref="StationStatusEntity.Signal"/> is the new
    /// one): queues a wake-up if the write leaves something untold and none is on its way, and records it
    /// on the entity. Queued first, so a write that succeeds always has its wake-up.
    /// </summary>
    public async Task ScheduleAsync(StationStatusEntity entity, string correlationId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (!Untold(entity) || (entity.NoticeWakeAt is { } wake && wake > now - LostAfter))
        {
            return;
        }

        var due = entity.NoticeWindowEnds is { } ends && ends > now ? ends : now;
        await QueueWakeUpAsync(entity, correlationId, now, due, cancellationToken);
    }

    /// <summary>The queue function over <c>station-notices</c>: commit the untold state as the next notice, and send it.</summary>
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.StationNoticeDue);
        await Optimistic.RetryAsync($"Station {message.StationId}'s notice", async attempt =>
        {
            var row = await store.FindAsync(message.StationId, cancellationToken);
            var now = time.GetUtcNow();
            if ((row is null || (!Untold(row) && row.NoticeWakeAt is null)) && !message.Recheck && now - message.OccurredAt < WriteMayLandWithin)
            {
                // Early: the write that queued this may not have landed yet, and once it lands it records this
                // wake-up as on its way, so no later write queues another. Look again when it must have landed.
                var later = TimeSpan.FromSeconds(Math.Ceiling((message.OccurredAt + WriteMayLandWithin - now).TotalSeconds));
                await storage.SendAsync(Queues.StationNotices, message with { Recheck = true }, HubJsonContext.Default.StationNoticeDue, later, cancellationToken);
                return Attempt<bool>.Done(false);
            }

            if (row is null)
            {
                return Attempt<bool>.Done(false);
            }

            if (Untold(row))
            {
                if (row.NoticeWindowEnds is { } ends && now < ends)
                {
                    // Early: a wake-up of a write that lost its race, or of a window since reopened. Another is on its way
                    // for the window's end unless this is it (woken before its time); then one for the window's end.
                    if (row.NoticeWakeAt is { } wake && wake >= ends && wake > now - LostAfter && (wake - message.DueAt).Duration() >= TimeSpan.FromMilliseconds(1))
                    {
                        return Attempt<bool>.Done(false);
                    }

                    await QueueWakeUpAsync(row, message.CorrelationId, now, ends, cancellationToken);
                    return await store.TryReplaceAsync(row, cancellationToken) ? Attempt<bool>.Done(false) : Attempt<bool>.Retry;
                }

                Commit(row, now);
                if (!await store.TryReplaceAsync(row, cancellationToken))
                {
                    return Attempt<bool>.Retry;
                }

                await SendCommittedAsync(row, message.CorrelationId, cancellationToken);
                Log.NoticeSent(logger, row.PartitionKey, row.NoticeSeq, row.Signal);
                return Attempt<bool>.Done(true);
            }

            if (row.NoticeSeq > message.AfterSeq)
            {
                // Committed since this wake-up was queued (by it, in a run that stopped before sending, or by
                // another): send it again; the same webhook-id with the same body, which receivers drop.
                await SendCommittedAsync(row, message.CorrelationId, cancellationToken);
            }

            if (row.NoticeWakeAt is null)
            {
                return Attempt<bool>.Done(false);
            }

            // Nothing untold (the station went back to what platforms know): no wake-up is on its way any more.
            // Written under the ETag, so a write that read the row before this one reads again and queues its own.
            row.NoticeWakeAt = null;
            return await store.TryReplaceAsync(row, cancellationToken) ? Attempt<bool>.Done(false) : Attempt<bool>.Retry;
        }, cancellationToken);
    }

    private async Task QueueWakeUpAsync(StationStatusEntity entity, string correlationId, DateTimeOffset now, DateTimeOffset due, CancellationToken cancellationToken)
    {
        // Queues hide a message for whole seconds: rounded up, so that it does not wake before the window ends.
        var delay = due > now ? TimeSpan.FromSeconds(Math.Ceiling((due - now).TotalSeconds)) : TimeSpan.Zero;
        var wakeUp = new StationNoticeDue(StationNoticeDue.CurrentSchemaVersion, correlationId, now, entity.PartitionKey, entity.NoticeSeq, now + delay);
        await storage.SendAsync(Queues.StationNotices, wakeUp, HubJsonContext.Default.StationNoticeDue, delay > TimeSpan.Zero ? delay : null, cancellationToken);
        entity.NoticeWakeAt = now + delay;
    }

    /// <summary>Makes the row's untold state its next notice: the <c>data</c> is fixed here, once, from what was written.</summary>
    private void Commit(StationStatusEntity row, DateTimeOffset now)
    {
        var told = row.NotifiedSignal ?? row.Signal;
        var station = index.Find(row.PartitionKey);
        var stale = StationSignal.State(row.Signal) == "stale";
        var scheduled = station?.Hours?.IsOpenAt(TimeZoneInfo.ConvertTime(now, index.Zone).DateTime);
        var notice = new StationStatusNotice(
            row.PartitionKey,
            StationSignal.State(row.Signal),
            StationSignal.State(told) is var before && before == StationSignal.None ? null : before,
            StationSignal.Reason(told, row.Signal),
            stale ? scheduled ?? false : row.Open,
            stale,
            new Capacity(stale ? null : row.ChargersFree, row.ChargersTotal),
            row.SeatsTotal is { } seats ? new Capacity(stale ? null : row.SeatsFree, seats) : null,
            row.ObservedAt,
            row.SignalChangedAt ?? now);
        row.NoticeSeq++;
        row.Notice = JsonSerializer.Serialize(notice, HubJsonContext.Default.StationStatusNotice);
        row.NoticeAt = now;
        row.NotifiedSignal = row.Signal;
        row.NoticeWindowEnds = now + options.Value.NoticeWindow;
        row.NoticeWakeAt = null;
    }

    private async Task SendCommittedAsync(StationStatusEntity row, string correlationId, CancellationToken cancellationToken)
    {
        if (row.Notice is null || row.NoticeAt is not { } at)
        {
            return;
        }

        using var document = JsonDocument.Parse(row.Notice);
        var data = document.RootElement.Clone();
        // The commit's time too: a row made again (a station removed and added) starts its numbers again.
        var eventKey = string.Create(CultureInfo.InvariantCulture, $"notice~{row.NoticeSeq}~{at.UtcTicks}");
        foreach (var platform in registry.SubscribersOf(StationStatusBook.StatusChanged))
        {
            var delivery = DeliveryRequested.Create(correlationId, at, Destination.Platform(platform.Id), StationStatusBook.StatusChanged, eventKey, data, row.PartitionKey);
            await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
        }
    }
}

/// <summary>The wake-up on <c>station-notices</c>: look at the station's row, and tell what is untold. It carries no state.</summary>
/// <param name="AfterSeq">The number of the last notice committed when it was queued.</param>
/// <param name="DueAt">When it was queued to wake (recorded on the row as <see cref="StationStatusEntity.NoticeWakeAt"/>).</param>
/// <param name="Recheck">A wake-up that ran before its write could land, queued again to look after it (<see cref="StationNotices.WriteMayLandWithin"/>); it is not queued a third time.</param>
public sealed record StationNoticeDue(int SchemaVersion, string CorrelationId, DateTimeOffset OccurredAt, string StationId, int AfterSeq, DateTimeOffset DueAt, bool Recheck = false)
{
    public const int CurrentSchemaVersion = 1;
}
