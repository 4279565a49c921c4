using StationHub.Delivery;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Delivery;

/// <summary>
/// A destination's success is written once per window, however many deliveries to it were in flight:
/// each delivery records its success from the row it read before its call, and those that read before
/// the first success was written must not each try again.
/// </summary>
public sealed class EndpointSuccessTests() : HubLibraryTests(new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero))
{
    private static readonly Destination City = Destination.City(TestRegistry.WebhookCity);

    [Fact]
    public async Task Deliveries_that_read_the_row_before_the_first_success_was_written_write_nothing_more_within_the_window()
    {
        var endpoints = Get<EndpointStore>();
        using var counter = new StorageRequestCounter(Services);

        // Four deliveries read the destination's row (none yet) before any of them ended.
        var seen = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => endpoints.FindForDeliveryAsync(City)));
        Assert.All(seen, Assert.Null);
        foreach (var row in seen)
        {
            await endpoints.RecordSuccessAsync(City, row, Clock.GetUtcNow());
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var writes = counter.Requests.Where(r => r.Resource == Tables.Endpoints && r.Operation is "insert" or "update" or "upsert").ToList();
        Assert.Single(writes);

        // A minute on, the next success is written again, from what this host wrote: no read, and no lost race.
        counter.Clear();
        Clock.Advance(EndpointStore.SuccessGranularity);
        await endpoints.RecordSuccessAsync(City, seen[0], Clock.GetUtcNow());

        var again = Assert.Single(counter.Requests, r => r.Resource == Tables.Endpoints);
        Assert.Equal("update", again.Operation);
        Assert.Equal(204, again.Status);
        Assert.Equal(Clock.GetUtcNow(), (await endpoints.FindAsync(City))!.LastSuccessAt);
    }
}
