using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.GigWork;

/// <summary>
/// Timer function (five minutes before each ledger compile): for each station under a subsidy
/// policy, the totals of its gig-work figures over the policy year's sealed days before today, read
/// from the public ledger itself, written as today's <c>gig.ytd-base.*</c> entries. The day's summary
/// adds its own figures to them (<see cref="GigWorkFigures"/>), so each day's year-to-date figures
/// are the sum of the published days of its policy year, and start again at the year's start. A sealed
/// day never changes, so each one's gig-work figures are read once per process and kept (a few
/// integers per station and day); so is the absence of a day before the chain's first sealed day.
/// </summary>
public sealed class GigWorkYear(HubRegistry registry, LedgerStore store, LedgerSealer sealer, LedgerEntryWriter ledger, TimeProvider time, ILogger<GigWorkYear> logger)
{
    /// <summary>The source of every base entry: one per figure, station and day, rewritten by each run.</summary>
    public const string BaseSource = "base";

    /// <summary>The cumulative gig-work figures of each sealed day read so far: scope → figure → value.</summary>
    private readonly ConcurrentDictionary<DateOnly, Dictionary<string, Dictionary<string, long>>> sealedDays = new();

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var today = sealer.Today;
        var stations = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        var policies = new Dictionary<string, SubsidyPolicy>(StringComparer.Ordinal);
        foreach (var station in registry.Document.Stations)
        {
            if (registry.FindSubsidyPolicy(station.District) is { } policy && policy.YearStartFor(today) is { } start)
            {
                stations[LedgerScopes.Station(station.Id)] = start;
                policies[LedgerScopes.Station(station.Id)] = policy;
            }
        }

        if (stations.Count == 0)
        {
            return 0;
        }

        var totals = stations.Keys.ToDictionary(scope => scope, _ => new Dictionary<string, long>(StringComparer.Ordinal), StringComparer.Ordinal);
        var unsealed = new List<DateOnly>();
        for (var day = stations.Values.Min(); day < today; day = day.AddDays(1))
        {
            var figures = await SealedFiguresAsync(day, cancellationToken);
            if (figures is null)
            {
                unsealed.Add(day);
                continue;
            }

            foreach (var (scope, values) in figures)
            {
                if (stations.TryGetValue(scope, out var start) && day >= start)
                {
                    foreach (var (kind, value) in values)
                    {
                        totals[scope][kind] = GigWorkFigures.Maxima.Contains(kind)
                            ? Math.Max(totals[scope].GetValueOrDefault(kind), value)
                            : totals[scope].GetValueOrDefault(kind) + value;
                    }
                }
            }
        }

        // Days are sealed in order: a day not sealed before one that is (before the chain's start) never
        // will be, so it is not asked for again either.
        if (!sealedDays.IsEmpty)
        {
            var lastSealed = sealedDays.Keys.Max();
            foreach (var day in unsealed.Where(day => day < lastSealed))
            {
                sealedDays[day] = [];
            }
        }

        var now = time.GetUtcNow();
        var entries = totals
            .Where(station => station.Value.Values.Any(v => v != 0))
            .SelectMany(station => GigWorkFigures.Cumulative.Concat(GigWorkFigures.Maxima).Select(figure =>
                new LedgerEntry(GigWorkKinds.YearBasePrefix + figure["gig.".Length..], station.Key, BaseSource, now, station.Value.GetValueOrDefault(figure)))
                .Append(PolicyEntry(policies[station.Key], station.Key, now)))
            .ToList();
        if (entries.Count > 0)
        {
            await ledger.WriteAsync(entries, cancellationToken);
        }

        Log.YearTallied(logger, entries.Count / (GigWorkFigures.Cumulative.Count + GigWorkFigures.Maxima.Count + 1));
        return entries.Count;
    }

    /// <summary>The station's policy as a ledger entry of the day of <paramref name="at"/> (<see cref="GigWorkKinds.Policy"/>).</summary>
    public static LedgerEntry PolicyEntry(SubsidyPolicy policy, string scope, DateTimeOffset at) =>
        new(GigWorkKinds.Policy, scope, policy.Id, at, policy.Version, Label: JsonSerializer.Serialize(policy, HubJsonContext.Default.SubsidyPolicy));

    /// <summary>A sealed day's cumulative gig-work figures per scope (null for a day not sealed, which is not kept).</summary>
    private async Task<Dictionary<string, Dictionary<string, long>>?> SealedFiguresAsync(DateOnly day, CancellationToken cancellationToken)
    {
        if (sealedDays.TryGetValue(day, out var known))
        {
            return known;
        }

        var sealedDay = await store.FindSealedAsync(day, cancellationToken);
        if (sealedDay is null)
        {
            return null;
        }

        var figures = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(sealedDay.Json))
        {
            foreach (var (scope, kind, value) in LedgerDay.FiguresOf(document.RootElement))
            {
                if (GigWorkFigures.Cumulative.Contains(kind) || GigWorkFigures.Maxima.Contains(kind))
                {
                    if (!figures.TryGetValue(scope, out var values))
                    {
                        figures[scope] = values = new Dictionary<string, long>(StringComparer.Ordinal);
                    }

                    values[kind] = value;
                }
            }
        }

        return sealedDays[day] = figures;
    }
}
