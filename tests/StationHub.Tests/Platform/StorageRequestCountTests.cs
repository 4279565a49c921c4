using System.Net;
using StationHub.Platform;
using StationHub.Platform.Telemetry;
using StationHub.Tests.GigWork;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Platform;

/// <summary>The hub counts its own storage requests (<c>stationhub.storage.requests</c>), by function, service, operation and resource.</summary>
public sealed class StorageRequestCountTests
{
    [Fact]
    public async Task One_report_intake_is_counted_request_by_request()
    {
        await using var world = await HubScenario.StartAsync();
        using var counter = new StorageRequestCounter(world.Hub.Services);

        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-count-1"));

        PlatformRetries.AssertAccepted(response);
        var intake = counter.Of(FunctionNames.HazardReportReceived);
        Assert.Contains(intake, r => r is { Service: "queue", Operation: "send", Resource: Queues.HazardReportsAccepted, Status: 201 });
        Assert.Contains(intake, r => r is { Service: "table", Operation: "insert", Resource: Tables.HazardReports, Status: 204 or 201 });
        Assert.All(intake, r => Assert.DoesNotContain(world.Storage.Prefix, r.Resource, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_accepted_report_costs_at_most_three_requests_before_its_202()
    {
        await using var world = await HubScenario.StartAsync();
        var first = await world.AcceptReportAsync("r-count-first");
        await world.WaitForStatusAsync(first, "routed");
        using var counter = new StorageRequestCounter(world.Hub.Services);

        // A second report at the same place: the duplicate decision is the router's, not the request's.
        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-count-2", courierId: "courier-7"));

        PlatformRetries.AssertAccepted(response);
        var intake = counter.Of(FunctionNames.HazardReportReceived);
        Assert.True(intake.Count <= 3, string.Join("\n", intake));
        Assert.DoesNotContain(intake, r => r.Resource == Tables.CityRequests);
    }

    /// <summary>
    /// A platform's retry (the same webhook-id, the same body) of an item already stored is answered
    /// from the stored item: the claim's insert that fails, the claim's read and the item's read, and
    /// nothing sent to a queue. Every webhook route shares the pipeline (<c>SignedIntake</c>).
    /// </summary>
    [Theory]
    [InlineData("hazard-reports")]
    [InlineData("pickup-orders")]
    [InlineData("points-transactions")]
    [InlineData("gig-work")]
    public async Task A_retried_webhook_sends_nothing_to_a_queue_and_costs_three_requests(string route)
    {
        await using var world = await HubScenario.StartAsync();
        var (body, function) = route switch
        {
            "hazard-reports" => (Webhooks.HazardReport("r-count-retry"), FunctionNames.HazardReportReceived),
            "pickup-orders" => (PickupOrders.PickupOrderFlowTests.Created("o-count-retry"), FunctionNames.PickupOrderReceived),
            "points-transactions" => (
                """{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"t-count-retry","courierId":"courier-retry","task":"emergency_assistance","stationId":"st-hz-01"}}""",
                FunctionNames.PointsTransactionReceived),
            _ => (GigWorkWorld.Job("job-count-retry"), FunctionNames.GigWorkReceived),
        };
        var path = $"api/v1/platforms/{TestRegistry.Platform}/{route}";
        using (var first = await world.Hub.Client.SendAsync(Webhooks.Signed(path, body, world.PlatformSigner, "msg_count_retry")))
        {
            PlatformRetries.AssertAccepted(first);
        }

        await world.QuietAsync();
        using var counter = new StorageRequestCounter(world.Hub.Services);

        using var again = await world.Hub.Client.SendAsync(Webhooks.Signed(path, body, world.PlatformSigner, "msg_count_retry"));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var retry = counter.Of(function);
        Assert.DoesNotContain(retry, r => r.Service == "queue");
        Assert.True(retry.Count <= 3, string.Join("\n", retry));
    }

    [Fact]
    public async Task A_host_starting_on_storage_already_made_lists_it_and_makes_only_what_is_missing()
    {
        await using var world = await HubScenario.StartAsync();
        using var counter = new StorageRequestCounter(world.Hub.Services);
        const string Start = "a-second-start";

        // The world's storage and its hub's start made every queue and table: a start on it makes none.
        using (StorageRequestMetrics.For(Start))
        {
            await HubStartup.EnsureStorageAsync(world.Hub.Services);
        }

        Assert.Equal(["queue list", "table list"], counter.Of(Start).Select(r => $"{r.Service} {r.Operation}").Order(StringComparer.Ordinal));

        // One queue and one table gone (an operator deleted them): the next start makes those two again, and only
        // those. The table has a queue of the same name but for its case, which must not stand in for it.
        await world.Storage.Hub.Queue(Queues.LedgerWitness).DeleteAsync();
        await world.Storage.Hub.Table(Tables.Deliveries).DeleteAsync();
        counter.Clear();
        using (StorageRequestMetrics.For(Start))
        {
            await HubStartup.EnsureStorageAsync(world.Hub.Services);
        }

        Assert.Equal(["queue create", "queue list", "table create", "table list"], counter.Of(Start).Select(r => $"{r.Service} {r.Operation}").Order(StringComparer.Ordinal));
        Assert.Equal(0, await world.Storage.CountMessagesAsync(Queues.LedgerWitness));
        Assert.Equal(0, await world.Storage.CountEntitiesAsync(Tables.Deliveries));
    }
}
