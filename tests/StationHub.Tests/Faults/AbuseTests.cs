using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.HazardReports;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// Abuse probed from outside, over HTTP with real signatures: a webhook-id replayed with another
/// body, a flood of unsigned requests against a platform's rate, a city reusing an update id.
/// </summary>
public sealed class AbuseTests
{
    [Fact]
    public async Task The_same_webhook_id_with_another_body_gets_the_first_answer_and_makes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        const string webhookId = "msg_replayed";

        using var first = await world.PostReportAsync(Webhooks.HazardReport("r-first"), webhookId);
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await world.PostReportAsync(Webhooks.HazardReport("r-second", category: "flooding"), webhookId);
        var secondBody = await second.Content.ReadAsStringAsync();

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        var store = world.Hub.Get<HazardReportStore>();
        Assert.NotNull(await store.FindAsync(HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, "r-first")));
        Assert.Null(await store.FindAsync(HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, "r-second")));
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.HazardReportsAccepted));
    }

    [Fact]
    public async Task The_same_webhook_id_with_another_order_gets_the_first_answer_and_makes_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        const string webhookId = "msg_replayed_order";

        using var first = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/pickup-orders", PickupOrders.PickupOrderFlowTests.Created("o-first"), world.PlatformSigner, webhookId));
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/pickup-orders", PickupOrders.PickupOrderFlowTests.Created("o-second"), world.PlatformSigner, webhookId));
        var secondBody = await second.Content.ReadAsStringAsync();

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, secondBody);
        var store = world.Hub.Get<StationHub.PickupOrders.PickupOrderStore>();
        Assert.NotNull(await store.FindAsync(StationHub.PickupOrders.PickupOrder.HubIdFor(TestRegistry.Platform, "o-first")));
        Assert.Null(await store.FindAsync(StationHub.PickupOrders.PickupOrder.HubIdFor(TestRegistry.Platform, "o-second")));
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.PickupOrderEvents));
    }

    [Fact]
    public async Task The_same_webhook_id_with_another_points_transaction_gets_the_first_answer_and_applies_nothing()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        const string webhookId = "msg_replayed_points";
        static string Earn(string transactionId, string task) =>
            $$$"""{"type":"points.earned","timestamp":"{{{Webhooks.RecentlyObserved()}}}","data":{"transactionId":"{{{transactionId}}}","courierId":"courier-abuse","task":"{{{task}}}","stationId":"st-hz-01"}}""";

        using var first = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/points-transactions", Earn("t-first", "patrol_hour"), world.PlatformSigner, webhookId));
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/points-transactions", Earn("t-second", "emergency_assistance"), world.PlatformSigner, webhookId));
        var secondBody = await second.Content.ReadAsStringAsync();

        Assert.True(first.IsSuccessStatusCode, firstBody);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, secondBody);
        using var balance = new HttpRequestMessage(HttpMethod.Get, "api/v1/platforms/swiftride/couriers/courier-abuse/points");
        balance.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var read = await world.Hub.Client.SendAsync(balance);
        var points = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, points.GetProperty("available").GetInt64());
        Assert.Equal(1, await world.Storage.CountMessagesAsync(Queues.PointsTransactions));
    }

    [Fact]
    public async Task Unsigned_requests_do_not_use_up_a_platforms_rate()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        const string path = $"api/v1/platforms/{TestRegistry.OtherPlatform}/hazard-reports";
        var wrongSecret = new StandardWebhook(StandardWebhook.NewSecret());

        // 1,200 requests without the platform's secret (unsigned, or signed with another secret), at once...
        var statuses = new List<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var request = i % 2 == 0
                ? new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { type = "hazard_report.created" }) }
                : Webhooks.Signed(path, Webhooks.HazardReport($"r-forged-{i}"), wrongSecret);
            using var response = await world.Hub.Client.SendAsync(request);
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }
        });

        // ...are refused (401, then 429 from their own limit), and the platform's next signed report,
        // on a rate of 2 a second, is accepted.
        Assert.Contains(HttpStatusCode.Unauthorized, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{s}"));
        var signer = new StandardWebhook(world.Registry.OtherPlatformSecret);
        using var ours = await world.Hub.Client.SendAsync(Webhooks.Signed(path, Webhooks.HazardReport("r-genuine"), signer));
        PlatformRetries.AssertAccepted(ours);
    }

    [Fact]
    public async Task An_update_id_names_one_update_of_the_city_whichever_request_it_is_about()
    {
        await using var world = await HubScenario.StartAsync();
        var first = await world.AcceptReportAsync("r-upd-1");
        var second = await world.AcceptReportAsync("r-upd-2", lat: 30.34, lon: 120.15);
        await world.WaitForStatusAsync(first, "routed");
        await world.WaitForStatusAsync(second, "routed");

        using var applied = await world.PostCityUpdateAsync(first, "u-shared", "acknowledged");
        using var reused = await world.PostCityUpdateAsync(second, "u-shared", "acknowledged");
        using var repeated = await world.PostCityUpdateAsync(first, "u-shared", "acknowledged");

        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(first, await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(await applied.Content.ReadAsStringAsync(), await repeated.Content.ReadAsStringAsync());
        Assert.Equal("routed", (await world.GetStatusAsync(second)).GetProperty("status").GetString());

        var updates = await WaitForUpdatesAsync(world, count: 1);
        Assert.Equal(["u-shared"], updates.Select(u => u.GetProperty("update_id").GetString()));
        Assert.Equal(first, updates.Single().GetProperty("service_request_id").GetString());
    }

    private static async Task<List<JsonElement>> WaitForUpdatesAsync(HubScenario world, int count)
    {
        await Eventually.UntilAsync(() => UpdatesAsync(world), updates => updates.Count >= count, updates => $"{updates.Count} of {count} updates");

        // Once the hub is quiet: a second row would show up now if there were one.
        await world.QuietAsync();
        return await UpdatesAsync(world);
    }

    private static async Task<List<JsonElement>> UpdatesAsync(HubScenario world) =>
        [.. (await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/open311/servicerequestupdates.json?api_key={TestRegistry.WebhookCityKey}")).EnumerateArray()];
}
