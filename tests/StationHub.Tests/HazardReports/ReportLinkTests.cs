using StationHub.HazardReports;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.HazardReports;

/// <summary>
/// Issue 21: a burst about one place links many reports to one original. Each link adds its row and counts it in one
/// transaction of the original's partition, so its cost does not grow with the links before it, and the count is
/// the rows' number however links race. The reports are taken over HTTP (the hub's queue functions off); each link
/// is the router's (<see cref="ReportLinks"/> of the running hub).
/// </summary>
public sealed class ReportLinkTests
{
    [Fact]
    public async Task Each_link_costs_a_read_and_one_transaction_however_many_came_before_and_a_repeat_changes_nothing()
    {
        var (world, original, linked, links) = await StartAsync(12);
        await using var _ = world;
        using var counter = new StorageRequestCounter(world.Hub.Services);
        var costs = new List<int>();
        foreach (var hubId in linked)
        {
            counter.Clear();
            await links.LinkAsync(original, hubId, world.Clock.GetUtcNow());
            costs.Add(counter.Requests.Count(r => r.Resource == Tables.HazardReports));
        }

        // The original's read and the transaction, for the first link as for the twelfth (it was 5 requests, one of them
        // a query that read every link before it).
        Assert.All(costs, cost => Assert.Equal(2, cost));
        var store = world.Hub.Get<HazardReportStore>();
        Assert.Equal(12, (await store.FindAsync(original))!.LinkedCount);
        Assert.Equal(linked.Order(StringComparer.Ordinal), (await store.ListLinksAsync(original)).Order(StringComparer.Ordinal));

        // A repeat (the router's message again): no second row, the count unchanged.
        await links.LinkAsync(original, linked[3], world.Clock.GetUtcNow());
        Assert.Equal(12, (await store.FindAsync(original))!.LinkedCount);
        Assert.Equal(12, (await store.ListLinksAsync(original)).Count);
    }

    [Fact]
    public async Task Links_racing_for_one_original_each_count_once()
    {
        var (world, original, linked, links) = await StartAsync(8);
        await using var _ = world;

        // Every link twice, all at once: eight new rows race for the original's ETag, and each repeat meets its row.
        await Task.WhenAll(linked.Concat(linked).Select(hubId => Task.Run(() => links.LinkAsync(original, hubId, world.Clock.GetUtcNow()))));

        var store = world.Hub.Get<HazardReportStore>();
        Assert.Equal(8, (await store.FindAsync(original))!.LinkedCount);
        Assert.Equal(linked.Order(StringComparer.Ordinal), (await store.ListLinksAsync(original)).Order(StringComparer.Ordinal));
    }

    /// <summary>A hub with its queue functions off, an original and the reports to link to it, taken over HTTP; and the hub's links.</summary>
    private static async Task<(HubScenario World, string Original, List<string> Linked, ReportLinks Links)> StartAsync(int reports)
    {
        var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var original = await world.AcceptReportAsync("r-link-original");
        var linked = new List<string>();
        for (var i = 0; i < reports; i++)
        {
            linked.Add(await world.AcceptReportAsync($"r-link-{i}"));
        }

        return (world, original, linked, world.Hub.Get<ReportLinks>());
    }
}
