using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Ledger;
using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>
/// The warm map's two timers. <see cref="MarkStaleAsync"/> (every minute) asks the status table, in one
/// filtered query, for the stations whose last report is older than <see cref="StationOptions.StaleAfter"/>
/// and not yet marked, marks each (one write) and tells subscribed platforms. <see cref="PublishFiguresAsync"/>
/// (every 15 minutes, just before the ledger compiles) writes each station's figures of the city day so far,
/// and of the day before while that day is not yet sealed, and each district's night coverage, as ledger
/// entries that replace their earlier values (one row per figure and day).
/// </summary>
public sealed class StationWatch(
    StationStatusStore store,
    StationStatusBook book,
    StationIndex index,
    HubRegistry registry,
    LedgerEntryWriter ledger,
    IOptions<StationOptions> options,
    TimeProvider time,
    ILogger<StationWatch> logger)
{
    /// <summary>How long into a city day the previous day's figures are still written (it is sealed an hour after midnight by default).</summary>
    public static readonly TimeSpan PreviousDayWindow = TimeSpan.FromHours(3);

    /// <summary>Entries handed to the ledger writer at once (four per station and day).</summary>
    public const int MaxEntriesPerWrite = 800;

    public async Task<int> MarkStaleAsync(CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var entity in store.GoneStaleAsync(time.GetUtcNow() - options.Value.StaleAfter, cancellationToken))
        {
            if (await book.MarkStaleAsync(entity, cancellationToken))
            {
                count++;
            }
        }

        if (count > 0)
        {
            Log.StaleMarked(logger, count);
        }

        return count;
    }

    public async Task<int> PublishFiguresAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var zone = index.Zone;
        var today = StationMinutes.DayOf(now, zone);
        var days = new List<string> { today };
        if (now - StationMinutes.DayStart(today, zone) < PreviousDayWindow)
        {
            days.Add(StationMinutes.PreviousDay(today));
        }

        var rows = new Dictionary<string, StationStatusEntity>(StringComparer.Ordinal);
        await foreach (var entity in store.AllAsync(cancellationToken))
        {
            var copy = entity.Copy();
            StationMinutes.Advance(copy, now, options.Value.StaleAfter, zone);
            rows[entity.PartitionKey] = copy;
        }

        if (rows.Count == 0)
        {
            return 0; // no station has reported yet: the warm map has no figures to give
        }

        var entries = new List<LedgerEntry>();
        foreach (var day in days)
        {
            var at = StationMinutes.DayStart(day, zone);
            var covered = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var station in registry.Stations)
            {
                var union = covered.TryGetValue(station.District, out var bits) ? bits : covered[station.District] = StationMinutes.NewBits();
                if (!rows.TryGetValue(station.Id, out var row) || StationMinutes.FiguresOf(row, day, zone) is not { } figures)
                {
                    continue;
                }

                StationMinutes.OrInto(union, figures.OpenBits);
                var scope = LedgerScopes.Station(station.Id);
                entries.Add(new LedgerEntry(StationLedgerKinds.OpenMinutes, scope, day, at, figures.OpenMinutes));
                entries.Add(new LedgerEntry(StationLedgerKinds.NightOpenMinutes, scope, day, at, figures.NightOpenMinutes));
                entries.Add(new LedgerEntry(StationLedgerKinds.StaleMinutes, scope, day, at, figures.StaleMinutes));
                entries.Add(new LedgerEntry(StationLedgerKinds.StatusReports, scope, day, at, figures.Reports));
            }

            var nightMinutes = StationMinutes.NightMinutesElapsed(day, now, zone);
            var mask = StationMinutes.NightMask(day, zone);
            foreach (var (district, union) in covered)
            {
                var scope = LedgerScopes.District(district);
                entries.Add(new LedgerEntry(StationLedgerKinds.NightMinutes, scope, day, at, nightMinutes));
                entries.Add(new LedgerEntry(StationLedgerKinds.NightCoveredMinutes, scope, day, at, StationMinutes.CountAnd(union, mask)));
            }
        }

        // The writer sends one transaction per scope at once: a few hundred stations at a time.
        foreach (var chunk in entries.Chunk(MaxEntriesPerWrite))
        {
            await ledger.WriteAsync(chunk, cancellationToken);
        }

        Log.FiguresPublished(logger, entries.Count, string.Join(",", days));
        return entries.Count;
    }
}

/// <summary>
/// The warm map's ledger entries: one per figure, scope and city day (source: the day), each holding the
/// figure so far, so the ledger's sum of the kind is the figure.
/// </summary>
public static class StationLedgerKinds
{
    /// <summary>Minutes a live report said the station was open (station scope).</summary>
    public const string OpenMinutes = "station.open-minutes";

    /// <summary>Of those, the minutes between 22:00 and 06:00 city time.</summary>
    public const string NightOpenMinutes = "station.night-open-minutes";

    /// <summary>Minutes with no live report (the last one older than Stations:StaleAfter).</summary>
    public const string StaleMinutes = "station.stale-minutes";

    /// <summary>Status reports applied (an older observation changes nothing and is not counted).</summary>
    public const string StatusReports = "station.status-reports";

    /// <summary>The district's night minutes of the day so far: the sample size of its night coverage.</summary>
    public const string NightMinutes = "station.night-minutes";

    /// <summary>The district's night minutes with at least one of its stations open.</summary>
    public const string NightCoveredMinutes = "station.night-covered-minutes";
}
