using System.Net;
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
        using var counter = new StorageRequestCounter(world.Hub);

        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-count-1"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
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
        using var counter = new StorageRequestCounter(world.Hub);

        // A second report at the same place: the duplicate decision is the router's, not the request's.
        using var response = await world.PostReportAsync(Webhooks.HazardReport("r-count-2", courierId: "courier-7"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var intake = counter.Of(FunctionNames.HazardReportReceived);
        Assert.True(intake.Count <= 3, string.Join("\n", intake));
        Assert.DoesNotContain(intake, r => r.Resource == Tables.CityRequests);
    }
}
