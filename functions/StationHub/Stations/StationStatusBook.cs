using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Delivery;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;

namespace StationHub.Stations;

/// <summary>The answer to a report: whether it changed anything, and the station's row after it.</summary>
public sealed record StatusOutcome(bool Applied, StationStatusEntity Entity);

/// <summary>
/// Applies reports and stale marks to a station's row, the one way both take: read the row, account
/// the minutes since the last write, decide the new signal, queue a wake-up for the platforms' notice
/// if the signal changed from what they were told (<see cref="StationNotices"/>: the notice itself is
/// made from the row once written, so it describes the state that won), then replace the row under its
/// ETag, and on a conflict read again and decide again. An observation no newer than the stored one
/// changes nothing (<see cref="IsNewer"/>).
/// </summary>
public sealed class StationStatusBook(
    StationStatusStore store,
    StationIndex index,
    StationNotices notices,
    IOptions<StationOptions> options,
    TimeProvider time,
    ILogger<StationStatusBook> logger)
{
    public const string StatusChanged = "station.status_changed";

    private TimeSpan StaleAfter => options.Value.StaleAfter;

    public Task<StatusOutcome> ReportAsync(string stationId, StationReport report, string source, string correlationId, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync($"Station {stationId}'s status", async _ =>
        {
            var stored = await store.FindAsync(stationId, cancellationToken);
            var now = time.GetUtcNow();
            if (stored is not null && !IsNewer(report.ObservedAt, stored, now))
            {
                index.Update(stationId, LiveStatus.Of(stored));
                return Attempt<StatusOutcome>.Done(new StatusOutcome(false, stored));
            }

            var entity = stored?.Copy() ?? new StationStatusEntity { PartitionKey = stationId, AccountedUntil = now };
            entity.ETag = stored?.ETag ?? default;
            StationMinutes.Advance(entity, now, StaleAfter, index.Zone);
            entity.Open = report.Open;
            entity.ChargersFree = report.ChargersFree;
            entity.ChargersTotal = report.ChargersTotal;
            entity.SeatsFree = report.SeatsFree;
            entity.SeatsTotal = report.SeatsTotal;
            entity.ObservedAt = report.ObservedAt;
            entity.ReceivedAt = now;
            entity.Source = source;
            entity.Reports++;
            var signal = StationSignal.Of(entity, now, StaleAfter);
            entity.StaleMarked = StationSignal.State(signal) == "stale";
            await ChangeSignalAsync(entity, signal, correlationId, now, cancellationToken);
            if (stored is null ? await store.TryAddAsync(entity, cancellationToken) : await store.TryReplaceAsync(entity, cancellationToken))
            {
                index.Update(stationId, LiveStatus.Of(entity));
                Log.Reported(logger, stationId, signal);
                return Attempt<StatusOutcome>.Done(new StatusOutcome(true, entity));
            }

            return Attempt<StatusOutcome>.Retry;
        }, cancellationToken);

    /// <summary>Marks a row stale (its last report is older than the limit); false when a newer write won.</summary>
    public async Task<bool> MarkStaleAsync(StationStatusEntity entity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var now = time.GetUtcNow();
        if (entity.StaleMarked || now < entity.ObservedAt + StaleAfter)
        {
            return false;
        }

        StationMinutes.Advance(entity, now, StaleAfter, index.Zone);
        entity.StaleMarked = true;
        var signal = StationSignal.Of(entity, now, StaleAfter);
        await ChangeSignalAsync(entity, signal, "stale-" + entity.PartitionKey, now, cancellationToken);
        if (!await store.TryReplaceAsync(entity, cancellationToken))
        {
            return false;
        }

        Log.WentStale(logger, entity.PartitionKey, entity.ObservedAt);
        return true;
    }

    /// <summary>
    /// Whether an observation is newer than the stored one. Observations are ordered by their
    /// <c>observedAt</c>; but one the sender's clock put ahead of the hub's (up to
    /// <see cref="StationStatusIntake.MaxAhead"/>) is ordered by the hub's time of receipt, so that a
    /// sender whose clock runs ahead does not pin the station against its own live reports until its
    /// clock's lead has passed. A report observed after that receipt, and not itself ahead, is newer.
    /// The same observation again (a retry) is never newer.
    /// </summary>
    public static bool IsNewer(DateTimeOffset observedAt, StationStatusEntity stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return observedAt > stored.ObservedAt
            || (stored.ObservedAt > stored.ReceivedAt && observedAt > stored.ReceivedAt && observedAt <= now);
    }

    /// <summary>Sets the entity's signal and, before it is written, queues the platforms' wake-up if they are now to be told something.</summary>
    private async Task ChangeSignalAsync(StationStatusEntity entity, string signal, string correlationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Rows written before notices were coalesced kept what platforms were told in Signal.
        entity.NotifiedSignal ??= entity.Signal;
        if (StationSignal.Changed(entity.Signal, signal))
        {
            entity.SignalChangedAt = now;
        }

        entity.Signal = signal;
        await notices.ScheduleAsync(entity, correlationId, now, cancellationToken);
    }
}

/// <summary>Free and total places of one kind; free is null while the station is stale.</summary>
public sealed record Capacity(int? Free, int? Total);

/// <summary>The <c>data</c> of <c>station.status_changed</c>.</summary>
public sealed record StationStatusNotice(
    string StationId,
    string Status,
    string? PreviousStatus,
    string Reason,
    bool OpenNow,
    bool Stale,
    Capacity Chargers,
    Capacity? Seats,
    DateTimeOffset ObservedAt,
    DateTimeOffset ChangedAt);

/// <summary>A station's live status as the reporter gets it back.</summary>
public sealed record StationStatusView(
    string StationId,
    bool Applied,
    bool Open,
    bool OpenNow,
    bool Stale,
    Capacity Chargers,
    Capacity? Seats,
    DateTimeOffset LastUpdated)
{
    public static StationStatusView Of(StatusOutcome outcome, StationView view)
    {
        var entity = outcome.Entity;
        return new(
            entity.PartitionKey,
            outcome.Applied,
            entity.Open,
            view.OpenNow,
            view.Stale,
            new Capacity(view.Stale ? null : entity.ChargersFree, entity.ChargersTotal),
            entity.SeatsTotal is { } seats ? new Capacity(view.Stale ? null : entity.SeatsFree, seats) : null,
            entity.ObservedAt);
    }
}
