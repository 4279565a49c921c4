using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Platform.Registry;

namespace StationHub.GigWork;

/// <summary>
/// Timer function (five minutes before each ledger compile): for each station under a subsidy
/// policy, the totals of its gig-work figures over the policy year's sealed days before today, read
/// from the public ledger itself, written as today's <c>gig.ytd-base.*</c> entries. The day's summary
/// adds its own figures to them (<see cref="GigWorkFigures"/>), so each day's year-to-date figures
/// are the sum of the published days of its policy year, and start again at the year's start.
/// </summary>
public sealed class GigWorkYear(HubRegistry registry, LedgerStore store, LedgerSealer sealer, LedgerEntryWriter ledger, TimeProvider time, ILogger<GigWorkYear> logger)
{
    /// <summary>The source of every base entry: one per figure, station and day, rewritten by each run.</summary>
    public const string BaseSource = "base";

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var today = sealer.Today;
        var stations = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        foreach (var station in registry.Document.Stations)
        {
            if (registry.FindSubsidyPolicy(station.District)?.YearStartFor(today) is { } start)
            {
                stations[LedgerScopes.Station(station.Id)] = start;
            }
        }

        if (stations.Count == 0)
        {
            return 0;
        }

        var totals = stations.Keys.ToDictionary(scope => scope, _ => new Dictionary<string, long>(StringComparer.Ordinal), StringComparer.Ordinal);
        for (var day = stations.Values.Min(); day < today; day = day.AddDays(1))
        {
            var sealedDay = await store.FindSealedAsync(day, cancellationToken);
            if (sealedDay is null)
            {
                continue;
            }

            using var document = JsonDocument.Parse(sealedDay.Json);
            foreach (var (scope, kind, value) in LedgerDay.FiguresOf(document.RootElement))
            {
                if (stations.TryGetValue(scope, out var start) && day >= start && GigWorkFigures.Cumulative.Contains(kind))
                {
                    totals[scope][kind] = totals[scope].GetValueOrDefault(kind) + value;
                }
            }
        }

        var now = time.GetUtcNow();
        var entries = totals
            .Where(station => station.Value.Values.Any(v => v != 0))
            .SelectMany(station => GigWorkFigures.Cumulative.Select(figure =>
                new LedgerEntry(GigWorkKinds.YearBasePrefix + figure["gig.".Length..], station.Key, BaseSource, now, station.Value.GetValueOrDefault(figure))))
            .ToList();
        if (entries.Count > 0)
        {
            await ledger.WriteAsync(entries, cancellationToken);
        }

        Log.YearTallied(logger, entries.Count / GigWorkFigures.Cumulative.Count);
        return entries.Count;
    }
}
