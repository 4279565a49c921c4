using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Delivery;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Delivery;

/// <summary>Outbound delivery: retries on the schedule, Retry-After, timeouts, dead letters and replay.</summary>
[RunsLong(26)]
public sealed class DeliveryTests
{
    [Fact]
    public async Task A_city_that_fails_then_recovers_gets_the_report_with_the_same_webhook_id()
    {
        await using var world = await HubScenario.StartAsync();
        var tries = new List<DateTimeOffset>();
        world.City.AnswerWith(n =>
        {
            lock (tries)
            {
                tries.Add(TimeProvider.System.GetUtcNow());
            }

            return n switch
            {
                0 => new Reply(500),
                1 => new Reply(429, RetryAfter: "2"),
                _ => new Reply(200),
            };
        });

        var hubId = await world.AcceptReportAsync("r-flaky");

        var delivered = (await world.City.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(30))).Single();
        Assert.Contains(hubId, delivered.Text, StringComparison.Ordinal);
        Assert.Equal(3, tries.Count);
        // The 429 asked for 2 s, longer than the 1 s schedule: the hub waited at least that.
        Assert.True(tries[2] - tries[1] >= TimeSpan.FromSeconds(1.9), $"waited only {tries[2] - tries[1]}");
    }

    [Fact]
    public async Task A_city_that_times_out_is_tried_again()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(n => n == 0 ? new Reply(200, Delay: TimeSpan.FromSeconds(9)) : new Reply(200));

        var hubId = await world.AcceptReportAsync("r-slow");

        // The first call is held past the hub's timeout (6 s in tests) and dropped; only an answered call is received.
        var delivered = await world.City.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(30));
        Assert.Contains(hubId, delivered[0].Text, StringComparison.Ordinal);
        Assert.True(world.City.Arrived >= 2, $"{world.City.Arrived} calls arrived: the one received was not a second try");
    }

    [Fact]
    public async Task One_city_being_down_does_not_hold_up_another()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(_ => new Reply(503));

        await world.AcceptReportAsync("r-down");
        var open311HubId = await world.AcceptReportAsync("r-up", lat: 29.85, lon: 121.50);

        var atOpen311 = await world.Open311City.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(10));
        Assert.Contains(open311HubId, atOpen311[0].Text, StringComparison.Ordinal);
        Assert.Empty(world.City.All);
    }

    [Fact]
    public async Task A_delivery_that_uses_every_try_is_dead_lettered_and_an_administrator_replays_it()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(_ => new Reply(500));
        var hubId = await world.AcceptReportAsync("r-dead");

        var letters = await WaitForDeadLettersAsync(world, 1);
        var letter = letters[0];
        Assert.Equal("city:hangzhou", letter.GetProperty("destination").GetString());
        Assert.Equal("hazard_report.routed", letter.GetProperty("eventType").GetString());
        Assert.Equal(4, letter.GetProperty("attempts").GetInt32());
        Assert.Equal("HTTP 500", letter.GetProperty("lastError").GetString());

        // The last try's message is deleted once its function returns, just after the dead letter is written.
        await world.QuietAsync(delayed: true);

        Assert.Equal(0, await world.Storage.CountDeliveriesAsync());

        world.City.AnswerWith(_ => new Reply(200));
        var deliveryId = letter.GetProperty("deliveryId").GetString()!;
        using var replay = await Admin(world, HttpMethod.Post, $"api/v1/admin/dead-letters/{deliveryId}/replay");
        using var again = await Admin(world, HttpMethod.Post, $"api/v1/admin/dead-letters/{deliveryId}/replay");

        PlatformRetries.AssertAccepted(replay);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var delivered = (await world.City.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.Equal(deliveryId, delivered.WebhookId);
        Assert.Contains(hubId, delivered.Text, StringComparison.Ordinal);
        Assert.Empty(await ListDeadLettersAsync(world));
    }

    [Fact]
    public async Task The_dead_letter_api_is_for_administrators_only()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var none = await world.Hub.Client.GetAsync("api/v1/admin/dead-letters");
        using var cityKey = new HttpRequestMessage(HttpMethod.Get, "api/v1/admin/dead-letters");
        cityKey.Headers.Add("x-api-key", TestRegistry.WebhookCityKey);
        using var asCity = await world.Hub.Client.SendAsync(cityKey);
        using var unknown = await Admin(world, HttpMethod.Post, "api/v1/admin/dead-letters/msg_nope/replay");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asCity.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_poison_queue_after_five_tries()
    {
        // A failed try comes back after 1 s instead of host.json's 5 s: the same five tries, sooner.
        await using var world = await HubScenario.StartAsync(configure: s => s[StationHub.LocalHost.Hosting.HubHost.VisibilityTimeoutSetting] = "00:00:01");

        // A delivery for a city the registry does not know: the function throws every time.
        await world.Storage.Hub.Queue(Queues.Deliveries).SendMessageAsync(new BinaryData(
            """{"schemaVersion":1,"correlationId":"c","occurredAt":"2026-11-22T08:00:00Z","deliveryId":"msg_poison","destination":{"kind":"City","id":"atlantis"},"eventType":"hazard_report.routed","data":{},"subject":"s","attempt":0,"firstRequestedAt":"2026-11-22T08:00:00Z"}"""u8.ToArray()));

        var poison = world.Storage.Hub.PoisonQueue(Queues.Deliveries);
        await Eventually.UntilAsync(async () => (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0, "the message never reached the poison queue");
        // The move is a copy, then a delete: the run that makes it is over once the hub is quiet.
        await world.QuietAsync();

        var peeked = (await poison.PeekMessagesAsync()).Value;
        Assert.Single(peeked);
        Assert.Contains("msg_poison", peeked[0].Body.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await world.Storage.CountDeliveriesAsync());
    }

    [Fact]
    public async Task Two_messages_of_one_delivery_call_under_one_webhook_id_and_are_counted_once_at_the_time_recorded()
    {
        // A sender that stopped between its send and the delete of its own message sends the delivery again: two
        // messages, each handed out for the first time, so neither reads the delivery's record before its call.
        await using var world = await HubScenario.StartAsync();
        var data = JsonSerializer.SerializeToElement(new { hubId = "twice" });
        var delivery = StationHub.Delivery.DeliveryRequested.Create("c-twice", TimeProvider.System.GetUtcNow(), StationHub.Delivery.Destination.City(TestRegistry.WebhookCity), "hazard_report.routed", "routed", data, "twice");
        var queue = world.Storage.Hub.Queue(Queues.Deliveries);
        var body = JsonSerializer.SerializeToUtf8Bytes(delivery, StationHub.Platform.Json.HubJsonContext.Default.DeliveryRequested);
        await Task.WhenAll(queue.SendMessageAsync(new BinaryData(body)), queue.SendMessageAsync(new BinaryData(body)));

        await world.City.WaitForAsync(r => r.Any(x => x.Header("webhook-id") == delivery.DeliveryId));
        await world.QuietAsync();

        // Called once or twice, always under the delivery's one webhook-id (receivers drop the repeat) ...
        var calls = world.City.All.Where(x => x.Text.Contains("\"twice\"", StringComparison.Ordinal)).ToList();
        Assert.InRange(calls.Count, 1, 2);
        Assert.All(calls, call => Assert.Equal(delivery.DeliveryId, call.Header("webhook-id")));

        // ... recorded made once, and counted once, at the time the record keeps (the copy whose insert lost takes the winner's).
        var record = (await world.Storage.Hub.Table(Tables.Deliveries).GetEntityAsync<StationHub.Delivery.DeliveryEntity>(delivery.DeliveryId, StationHub.Delivery.DeliveryEntity.Row)).Value;
        Assert.Equal(StationHub.Delivery.DeliveryStates.Delivered, record.State);
        var made = (await world.Storage.LedgerEntriesAsync()).Where(e => e.Kind == StationHub.Ledger.LedgerKinds.DeliveryMade && e.SourceId == delivery.DeliveryId).ToList();
        Assert.Equal(record.DeliveredAt, Assert.Single(made).At);
    }

    [Fact]
    public async Task Deliveries_are_spread_over_the_queue_shards_by_webhook_id_and_every_shard_is_served()
    {
        // The shard is a stable hash of the webhook-id, so a retry (same id) goes where its first try went,
        // and sixty-four deliveries to one city use every shard.
        var city = StationHub.Delivery.Destination.City(TestRegistry.WebhookCity);
        var data = JsonSerializer.SerializeToElement(new { hubId = "spread" });
        var deliveries = Enumerable.Range(0, 64)
            .Select(i => StationHub.Delivery.DeliveryRequested.Create("c-spread", TimeProvider.System.GetUtcNow(), city, "hazard_report.routed", "routed", data, $"spread-{i}"))
            .ToList();
        var byShard = deliveries.GroupBy(d => DeliveryQueue.ShardOf(d.DeliveryId)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(DeliveryQueue.Shards.Order(), byShard.Keys.Order());
        Assert.All(byShard.Values, shard => Assert.InRange(shard.Count, 16, 48));
        Assert.All(deliveries, d => Assert.Equal(DeliveryQueue.ShardOf(d.DeliveryId), DeliveryQueue.ShardOf((d with { Attempt = 3 }).DeliveryId)));

        // One of each shard, queued the hub's way, is made: each shard has its function on the host.
        await using var world = await HubScenario.StartAsync();
        var sent = byShard.Values.Select(shard => shard[0]).ToList();
        foreach (var delivery in sent)
        {
            await world.Storage.Hub.RequestDeliveryAsync(delivery);
        }

        await world.City.WaitForAsync(calls => sent.All(d => calls.Any(call => call.Header("webhook-id") == d.DeliveryId)));
        await world.QuietAsync();
        Assert.Equal(0, await world.Storage.CountDeliveriesAsync());
    }

    internal static Task<List<JsonElement>> WaitForDeadLettersAsync(HubScenario world, int count) =>
        Eventually.UntilAsync(() => ListDeadLettersAsync(world), letters => letters.Count >= count, letters => $"{letters.Count} of {count} dead letters appeared");

    internal static async Task<List<JsonElement>> ListDeadLettersAsync(HubScenario world)
    {
        using var response = await Admin(world, HttpMethod.Get, "api/v1/admin/dead-letters");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
    }

    private static Task<HttpResponseMessage> Admin(HubScenario world, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        return world.Hub.Client.SendAsync(request);
    }
}
