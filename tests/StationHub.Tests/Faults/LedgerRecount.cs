using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.Delivery;
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
        LedgerKinds.ReportReceived, LedgerKinds.ReportRouted, LedgerKinds.ReportFirstResponse, LedgerDay.AcknowledgedWithin24h,
        LedgerKinds.DeliveryMade, LedgerKinds.DeliveryFailed,
    ];

    /// <summary>Fails unless, for every sealed day, each recounted figure equals its own figure plus its corrections.</summary>
    public static async Task AssertMatchesAsync(HubScenario world, HttpClient client)
    {
        var recount = await RecountAsync(world);
        var published = await PublishedAsync(client);
        Assert.NotEmpty(published);
        foreach (var (date, figures) in published)
        {
            foreach (var kind in Kinds)
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

    private static async Task<Dictionary<string, Dictionary<string, long>>> RecountAsync(HubScenario world)
    {
        var counts = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        void Count(DateTimeOffset at, string kind) => Add(counts, LedgerStore.Key(LedgerEndToEndTests.CityDay(at)), [(kind, 1)]);

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
                        Count(first, LedgerDay.AcknowledgedWithin24h);
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
