using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.Delivery;
using StationHub.GigWork;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Tests.Infrastructure;
using StationHub.Tests.Ledger;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// Recounts the ledger's report and delivery figures from the source tables (reports, deliveries,
/// dead letters) and compares them, day by day, with the published chain: each sealed day's own
/// figures plus every correction later days carried for it.
/// </summary>
public static class LedgerRecount
{
    /// <summary>The kinds recounted here, each from the source records of its flow.</summary>
    public static readonly string[] Kinds =
    [
        LedgerKinds.ReportReceived, LedgerKinds.ReportRouted, LedgerKinds.ReportFirstResponse, HazardReportLedgerSection.AcknowledgedWithin24h,
        LedgerKinds.DeliveryMade, LedgerKinds.DeliveryFailed,
    ];

    /// <summary>The gig-work kinds recounted from the jobs and matches (only what was applied counts).</summary>
    public static readonly string[] GigKinds = [GigWorkKinds.JobPosted, GigWorkKinds.MatchMade, GigWorkKinds.MatchCompleted, GigWorkKinds.MatchPaid, GigWorkKinds.MatchCancelled];

    /// <summary>
    /// Fails unless the ledger's gig-work entries, per day and kind, equal a recount of the gig-work
    /// table: jobs recorded, and each match's events that were applied (rejected ones count nowhere).
    /// </summary>
    public static async Task AssertGigEntriesMatchAsync(HubScenario world)
    {
        var recount = await RecountGigAsync(world);
        var entries = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var entry in (await world.Storage.LedgerEntriesAsync()).Where(e => GigKinds.Contains(e.Kind)))
        {
            Add(entries, LedgerStore.Key(CityDays.Of(entry.At)), [(entry.Kind, 1)]);
        }

        foreach (var date in recount.Keys.Union(entries.Keys))
        {
            foreach (var kind in GigKinds)
            {
                var (expected, actual) = (recount.GetValueOrDefault(date)?.GetValueOrDefault(kind) ?? 0, entries.GetValueOrDefault(date)?.GetValueOrDefault(kind) ?? 0);
                Assert.True(expected == actual, $"{date} {kind}: the ledger holds {actual}, the gig-work table {expected}.");
            }
        }
    }

    /// <summary>Fails unless, for every sealed day, each recounted figure equals its own figure plus its corrections.</summary>
    public static async Task AssertMatchesAsync(HubScenario world, HttpClient client)
    {
        var recount = await RecountAsync(world);
        foreach (var (date, kinds) in await RecountGigAsync(world))
        {
            Add(recount, date, kinds.Select(k => (k.Key, k.Value)));
        }

        var published = await PublishedAsync(client);
        Assert.NotEmpty(published);
        foreach (var (date, figures) in published)
        {
            foreach (var kind in Kinds.Concat(GigKinds))
            {
                var expected = recount.GetValueOrDefault(date)?.GetValueOrDefault(kind) ?? 0;
                var actual = figures.GetValueOrDefault(kind);
                Assert.True(expected == actual, $"{date} {kind}: the ledger says {actual} (own figure and corrections), the source tables {expected}.");
            }
        }
    }

    /// <summary>Per sealed day, the hub total of each kind: the day's own figure plus what later days corrected.</summary>
    public static async Task<Dictionary<string, Dictionary<string, long>>> PublishedAsync(HttpClient client)
    {
        var days = await client.GetFromJsonAsync<List<JsonElement>>("api/v1/ledger") ?? [];
        var published = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var link in days)
        {
            var date = link.GetProperty("date").GetString()!;
            var day = await client.GetFromJsonAsync<JsonElement>($"api/v1/ledger/{date}");
            Add(published, date, LedgerDay.FiguresOf(day).Where(f => f.Scope == LedgerDay.TotalScope).Select(f => (f.Kind, f.Value)));
            foreach (var group in LedgerDay.CorrectionsOf(day).Where(c => c.Scope == LedgerDay.TotalScope).GroupBy(c => c.Date))
            {
                Add(published, group.Key, group.Select(c => (c.Kind, c.Value)));
            }
        }

        return published;
    }

    private static void Add(Dictionary<string, Dictionary<string, long>> into, string date, IEnumerable<(string Kind, long Value)> figures)
    {
        if (!into.TryGetValue(date, out var kinds))
        {
            into[date] = kinds = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        foreach (var (kind, value) in figures)
        {
            kinds[kind] = kinds.GetValueOrDefault(kind) + value;
        }
    }

    private static async Task<Dictionary<string, Dictionary<string, long>>> RecountGigAsync(HubScenario world)
    {
        var counts = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        void Count(DateTimeOffset? at, string kind)
        {
            if (at is { } when)
            {
                Add(counts, LedgerStore.Key(CityDays.Of(when)), [(kind, 1)]);
            }
        }

        var table = world.Storage.Hub.Table(Tables.GigWork);
        await foreach (var job in table.QueryAsync<GigJobEntity>(TableClient.CreateQueryFilter($"RowKey eq {GigJobEntity.Row}")))
        {
            Count(job.RecordedAt, GigWorkKinds.JobPosted);
        }

        await foreach (var match in table.QueryAsync<GigMatchEntity>(TableClient.CreateQueryFilter($"RowKey eq {GigMatchEntity.Row}")))
        {
            if (!match.IsMade)
            {
                continue;
            }

            Count(match.MadeRecordedAt, GigWorkKinds.MatchMade);
            Count(match.IsCompleted ? match.CompletedRecordedAt : null, GigWorkKinds.MatchCompleted);
            Count(match.IsPaid ? match.PaidRecordedAt : null, GigWorkKinds.MatchPaid);
            Count(match.IsCancelled ? match.CancelledRecordedAt : null, GigWorkKinds.MatchCancelled);
        }

        return counts;
    }

    private static async Task<Dictionary<string, Dictionary<string, long>>> RecountAsync(HubScenario world)
    {
        var counts = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        void Count(DateTimeOffset at, string kind) => Add(counts, LedgerStore.Key(CityDays.Of(at)), [(kind, 1)]);

        var reports = TableClient.CreateQueryFilter($"RowKey eq {ReportEntity.Row}");
        await foreach (var report in world.Storage.Hub.Table(Tables.HazardReports).QueryAsync<ReportEntity>(reports))
        {
            Count(report.ReceivedAt, LedgerKinds.ReportReceived);
            if (report.CurrentStatus != HazardReportStatus.Received && report.RoutedAt is { } routed)
            {
                Count(routed, LedgerKinds.ReportRouted);
                if (report.FirstResponseAt is { } first)
                {
                    Count(first, LedgerKinds.ReportFirstResponse);
                    if (first - routed <= TimeSpan.FromHours(24))
                    {
                        Count(first, HazardReportLedgerSection.AcknowledgedWithin24h);
                    }
                }
            }
        }

        await foreach (var delivery in world.Storage.Hub.Table(Tables.Deliveries).QueryAsync<DeliveryEntity>())
        {
            if (delivery.State == DeliveryStates.Delivered)
            {
                Count(delivery.DeliveredAt ?? delivery.UpdatedAt, LedgerKinds.DeliveryMade);
            }
        }

        await foreach (var letter in world.Storage.Hub.Table(Tables.DeadLetters).QueryAsync<DeadLetterEntity>())
        {
            Count(letter.FailedAt, LedgerKinds.DeliveryFailed);
        }

        return counts;
    }
}
