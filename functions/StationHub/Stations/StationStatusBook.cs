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
/// the minutes since the last write, decide the new signal, queue a <c>station.status_changed</c> for
/// each subscribed platform if the signal changed (queued first, with an id stable for the
/// observation, so a retry sends nothing twice), then replace the row under its ETag, and on a
/// conflict read again and decide again. An observation no newer than the stored one changes nothing.
/// </summary>
public sealed class StationStatusBook(
    StationStatusStore store,
    StationIndex index,
    HubRegistry registry,
    HubStorage storage,
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
            if (stored is not null && report.ObservedAt <= stored.ObservedAt)
            {
                index.Update(stationId, LiveStatus.Of(stored));
                return Attempt<StatusOutcome>.Done(new StatusOutcome(false, stored));
            }

            var now = time.GetUtcNow();
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
            await NotifyAsync(entity, signal, $"report~{IsoTimestamp.Format(report.ObservedAt)}", correlationId, now, cancellationToken);
            entity.Signal = signal;
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
        await NotifyAsync(entity, signal, $"stale~{IsoTimestamp.Format(entity.ObservedAt)}", "stale-" + entity.PartitionKey, now, cancellationToken);
        entity.Signal = signal;
        if (!await store.TryReplaceAsync(entity, cancellationToken))
        {
            return false;
        }

        Log.WentStale(logger, entity.PartitionKey, entity.ObservedAt);
        return true;
    }

    private async Task NotifyAsync(StationStatusEntity entity, string signal, string eventKey, string correlationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!StationSignal.Changed(entity.Signal, signal))
        {
            return;
        }

        var station = index.Find(entity.PartitionKey);
        var stale = StationSignal.State(signal) == "stale";
        var scheduled = station?.Hours?.IsOpenAt(TimeZoneInfo.ConvertTime(now, index.Zone).DateTime);
        var notice = new StationStatusNotice(
            entity.PartitionKey,
            StationSignal.State(signal),
            StationSignal.State(entity.Signal) is var before && before == StationSignal.None ? null : before,
            StationSignal.Reason(entity.Signal, signal),
            stale ? scheduled ?? false : entity.Open,
            stale,
            new Capacity(stale ? null : entity.ChargersFree, entity.ChargersTotal),
            entity.SeatsTotal is { } seats ? new Capacity(stale ? null : entity.SeatsFree, seats) : null,
            entity.ObservedAt,
            now);
        var data = JsonSerializer.SerializeToElement(notice, HubJsonContext.Default.StationStatusNotice);
        foreach (var platform in registry.SubscribersOf(StatusChanged))
        {
            var delivery = DeliveryRequested.Create(correlationId, now, Destination.Platform(platform.Id), StatusChanged, eventKey + "~" + signal, data, entity.PartitionKey);
            await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
        }
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
