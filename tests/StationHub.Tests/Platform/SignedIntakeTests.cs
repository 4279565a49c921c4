using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Platform.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Platform;

/// <summary>
/// The one signed intake, route by route, over HTTP with real signatures: the same webhook-id with
/// another body gets 200 and the first answer, and nothing is made. What was made is read back the way
/// a platform reads it (status URLs, the map) and from the queues, with the hub quiet (its queue and
/// timer functions off, or every queue drained).
/// </summary>
public sealed class SignedIntakeTests
{
    private const string Reports = $"api/v1/platforms/{TestRegistry.Platform}/hazard-reports";
    private const string Orders = $"api/v1/platforms/{TestRegistry.Platform}/pickup-orders";
    private const string GigWorkPath = $"api/v1/platforms/{TestRegistry.Platform}/gig-work";
    private const string StationStatus = $"api/v1/platforms/{TestRegistry.Platform}/station-status";

    [Fact]
    public async Task A_hazard_report_webhook_id_reused_for_another_report_makes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: Quiet);

        var (first, second) = await PostTwiceAsync(world, Reports, Webhooks.HazardReport("r-reuse-1"), Webhooks.HazardReport("r-reuse-2"));

        AssertFirstAnswer(first, second);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusCodeAsync(world, $"{Reports}/{StationHub.HazardReports.HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, "r-reuse-2")}"));
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.HazardReportsAccepted));
    }

    [Fact]
    public async Task A_reopening_webhook_id_reused_for_another_report_reopens_nothing()
    {
        await using var world = await HubScenario.StartAsync();
        var reopened = await AcceptResolvedAsync(world, "r-reopen-a");
        var untouched = await AcceptResolvedAsync(world, "r-reopen-b");

        var (first, second) = await PostTwiceAsync(world, Reports, Reopen("r-reopen-a"), Reopen("r-reopen-b"));

        AssertFirstAnswer(first, second);
        await WaitUntilQuietAsync(world);
        Assert.Equal("routed", (await world.GetStatusAsync(reopened)).GetProperty("status").GetString());
        Assert.Equal("resolved", (await world.GetStatusAsync(untouched)).GetProperty("status").GetString());
        Assert.DoesNotContain(world.City.All, r => r.Text.Contains("hazard_report.reopened", StringComparison.Ordinal) && r.Text.Contains(untouched, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pickup_order_webhook_id_reused_for_another_order_makes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: Quiet);

        var (first, second) = await PostTwiceAsync(world, Orders, PickupOrders.PickupOrderFlowTests.Created("o-reuse-1"), PickupOrders.PickupOrderFlowTests.Created("o-reuse-2"));

        AssertFirstAnswer(first, second);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusCodeAsync(world, $"{Orders}/{StationHub.PickupOrders.PickupOrder.HubIdFor(TestRegistry.Platform, "o-reuse-2")}"));
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.PickupOrderEvents));
    }

    [Fact]
    public async Task A_cancellation_webhook_id_reused_for_another_order_cancels_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: Quiet);
        foreach (var orderId in new[] { "o-cancel-1", "o-cancel-2" })
        {
            using var created = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, PickupOrders.PickupOrderFlowTests.Created(orderId), world.PlatformSigner));
            PlatformRetries.AssertAccepted(created);
        }

        var (first, second) = await PostTwiceAsync(world, Orders, Cancel("o-cancel-1"), Cancel("o-cancel-2"));

        AssertFirstAnswer(first, second);
        var untouched = await GetJsonAsync(world, $"{Orders}/{StationHub.PickupOrders.PickupOrder.HubIdFor(TestRegistry.Platform, "o-cancel-2")}");
        Assert.Equal("created", untouched.GetProperty("status").GetString());
        Assert.Equal(3, await world.Storage.CountMessagesAsync(Queues.PickupOrderEvents));
    }

    [Fact]
    public async Task A_gig_work_webhook_id_reused_for_another_event_makes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: Quiet);

        var (first, second) = await PostTwiceAsync(world, GigWorkPath, GigWork.GigWorkWorld.Job("j-reuse-1"), GigWork.GigWorkWorld.Job("j-reuse-2", workersWanted: 9));

        AssertFirstAnswer(first, second);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusCodeAsync(world, $"{GigWorkPath}/job~j-reuse-2"));
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.GigWorkEvents));
    }

    [Fact]
    public async Task A_station_status_webhook_id_reused_for_another_observation_changes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: Quiet);
        var at = TimeProvider.System.GetUtcNow().AddSeconds(-30);

        using var firstResponse = await world.Hub.Client.SendAsync(Webhooks.Signed(StationStatus, StationEnvelope(open: true, free: 6, at), world.PlatformSigner, "msg_status_reused"));
        var firstBody = await firstResponse.Content.ReadAsStringAsync();
        var noticesAfterFirst = await world.Storage.CountDeliveriesAsync();
        using var secondResponse = await world.Hub.Client.SendAsync(Webhooks.Signed(StationStatus, StationEnvelope(open: false, free: 0, at.AddSeconds(10)), world.PlatformSigner, "msg_status_reused"));
        var second = JsonDocument.Parse(await secondResponse.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.True(JsonDocument.Parse(firstBody).RootElement.GetProperty("applied").GetBoolean(), firstBody);
        Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.False(second.GetProperty("applied").GetBoolean());
        Assert.True(second.GetProperty("open").GetBoolean());
        var properties = (await Stations.StationStatusFlowTests.FeatureAsync(world, "st-hz-03")).GetProperty("properties");
        Assert.Equal(6, properties.GetProperty("chargers").GetProperty("free").GetInt32());
        Assert.Equal(noticesAfterFirst, await world.Storage.CountDeliveriesAsync());
    }

    private static void Quiet(Dictionary<string, string?> settings) => settings["LocalHost:TriggersDisabled"] = "true";

    private static async Task<((HttpStatusCode Status, string Body, Uri? Location) First, (HttpStatusCode Status, string Body, Uri? Location) Second)> PostTwiceAsync(HubScenario world, string path, string firstBody, string secondBody)
    {
        var webhookId = "msg_reused_" + Guid.NewGuid().ToString("N")[..8];
        using var first = await world.Hub.Client.SendAsync(Webhooks.Signed(path, firstBody, world.PlatformSigner, webhookId));
        var firstAnswer = (first.StatusCode, await first.Content.ReadAsStringAsync(), first.Headers.Location);
        using var second = await world.Hub.Client.SendAsync(Webhooks.Signed(path, secondBody, world.PlatformSigner, webhookId));
        return (firstAnswer, (second.StatusCode, await second.Content.ReadAsStringAsync(), second.Headers.Location));
    }

    private static void AssertFirstAnswer((HttpStatusCode Status, string Body, Uri? Location) first, (HttpStatusCode Status, string Body, Uri? Location) second)
    {
        Assert.True(first.Status == HttpStatusCode.Accepted, $"{first.Status} {first.Body}");
        Assert.True(second.Status == HttpStatusCode.OK, $"{second.Status} {second.Body}");
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.Location, second.Location);
    }

    private static async Task<HttpStatusCode> GetStatusCodeAsync(HubScenario world, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await world.Hub.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<JsonElement> GetJsonAsync(HubScenario world, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await world.Hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<string> AcceptResolvedAsync(HubScenario world, string reportId)
    {
        var hubId = await world.AcceptReportAsync(reportId);
        await world.WaitForStatusAsync(hubId, "routed");
        using var resolved = await world.PostCityUpdateAsync(hubId, "u-" + reportId, "resolved", note: "Cleared");
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        await world.WaitForStatusAsync(hubId, "resolved");
        return hubId;
    }

    /// <summary>Waits, with a deadline, until every queue of the hub is empty twice in a row: nothing more is on its way.</summary>
    private static async Task WaitUntilQuietAsync(HubScenario world)
    {
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(30);
        var emptyInARow = 0;
        while (emptyInARow < 2)
        {
            Assert.True(TimeProvider.System.GetUtcNow().UtcDateTime < deadline, "The hub did not become quiet within 30 s.");
            var waiting = 0;
            foreach (var queue in Queues.All)
            {
                waiting += await world.Storage.CountMessagesAsync(queue);
            }

            emptyInARow = waiting == 0 ? emptyInARow + 1 : 0;
            await Task.Yield();
        }
    }

    private static string Reopen(string reportId) =>
        "{\"type\":\"hazard_report.reopened\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
        $"\"reportId\":\"{reportId}\",\"note\":\"Still blocked\",\"observedAt\":\"{IsoTimestamp.Format(TimeProvider.System.GetUtcNow())}\"}}}}";

    private static string Cancel(string orderId) =>
        "{\"type\":\"pickup_order.cancelled\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" + $"\"orderId\":\"{orderId}\"" + "}}";

    private static string StationEnvelope(bool open, int free, DateTimeOffset observedAt) =>
        "{\"type\":\"station.status\",\"timestamp\":\"" + Stations.StationStatusFlowTests.Iso(TimeProvider.System.GetUtcNow()) + "\",\"data\":"
        + Stations.StationStatusFlowTests.Status(open, free, 10, observedAt).Insert(1, "\"stationId\":\"st-hz-03\",") + "}";
}
