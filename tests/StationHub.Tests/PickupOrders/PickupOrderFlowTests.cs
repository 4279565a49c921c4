using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.PickupOrders;

/// <summary>The station as a pickup point, over real HTTP: platform → hub → station → hub → platform.</summary>
[RunsLong(22)]
public sealed class PickupOrderFlowTests
{
    private const string Orders = "api/v1/platforms/swiftride/pickup-orders";

    [Fact]
    public async Task An_order_arrives_is_collected_with_the_code_the_platform_got_and_its_revenue_is_split()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await CreateAsync(world, "o-100", handlingFee: 199, commission: 1001);

        using (var arrival = await StationPost(world, hubId, "arrival"))
        {
            Assert.Equal(HttpStatusCode.OK, arrival.StatusCode);
            var view = await arrival.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("arrived", view.GetProperty("status").GetString());
            Assert.False(view.TryGetProperty("pickupCode", out _));
        }

        var ready = await ReceivedAsync(world, "pickup_order.ready");
        var code = ready.GetProperty("pickupCode").GetString()!;
        Assert.Matches("^[0-9]{6}$", code);
        Assert.Equal("o-100", ready.GetProperty("orderId").GetString());

        using (var collection = await StationPost(world, hubId, "collection", new { pickupCode = code }))
        {
            Assert.Equal(HttpStatusCode.OK, collection.StatusCode);
            Assert.Equal("collected", (await collection.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        await ReceivedAsync(world, "pickup_order.collected");
        var ledger = await LedgerAsync(world);
        Assert.Equal(1, ledger[LedgerKinds.PickupReceived]);
        Assert.Equal(1, ledger[LedgerKinds.PickupCollected]);
        Assert.Equal(199, ledger[LedgerKinds.PickupRevenue("handling_fee")]);
        Assert.Equal(39, ledger[LedgerKinds.PickupFund("handling_fee")]);
        Assert.Equal(1001, ledger[LedgerKinds.PickupRevenue("commission")]);
        Assert.Equal(200, ledger[LedgerKinds.PickupFund("commission")]);

        using var again = await StationPost(world, hubId, "collection", new { pickupCode = code });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_collection_whose_queued_change_the_router_applies_first_is_answered_as_made_not_409()
    {
        // The collection queues its change before it writes the order, so a router can apply it first; the
        // request's write then finds the order collected, by its own change. Staged: the first hub takes the
        // station's requests through the emulator's gates and runs no queue function; a second hub, past the
        // gates, runs them. The table service goes away for the first hub after the collection has read the
        // order, and comes back once the second hub has applied the queued change.
        await using var azurite = await Azurite.GatedAsync();
        await using var world = await HubScenario.StartBehindGatesAsync(azurite, triggers: false);
        world.Settings["AzureWebJobsStorage"] = azurite.DirectConnectionString;
        world.Settings["LocalHost:TriggersDisabled"] = "false";
        await world.StartHubAsync();
        var orders = world.Storage.Hub.Table(Tables.PickupOrders);

        HttpStatusCode answered = HttpStatusCode.ServiceUnavailable;
        for (var round = 0; round < 3 && answered == HttpStatusCode.ServiceUnavailable; round++)
        {
            var orderId = $"o-first-{round}";
            var hubId = await CreateAsync(world, orderId);
            using (var arrival = await StationPost(world, hubId, "arrival"))
            {
                Assert.Equal(HttpStatusCode.OK, arrival.StatusCode);
            }

            var ready = await world.Platform.WaitForAsync(r => r.Any(x => x.Text.Contains("pickup_order.ready", StringComparison.Ordinal) && x.Text.Contains(orderId, StringComparison.Ordinal)));
            var code = JsonDocument.Parse(ready.First(x => x.Text.Contains("pickup_order.ready", StringComparison.Ordinal) && x.Text.Contains(orderId, StringComparison.Ordinal)).Body)
                .RootElement.GetProperty("data").GetProperty("pickupCode").GetString()!;

            azurite.TableGate.CloseAfterRequests(1);
            var collection = StationPost(world, hubId, "collection", new { pickupCode = code });
            await Eventually.UntilAsync(
                async () => (await orders.FindAsync<StationHub.PickupOrders.OrderEntity>(hubId, StationHub.PickupOrders.OrderEntity.Row))?.CurrentStatus == StationHub.PickupOrders.PickupOrderStatus.Collected,
                "the second hub did not apply the queued collection");
            azurite.TableGate.Reopen();
            using var answer = await collection;

            // A 503 (the request's storage retries ran out before the table service came back) proves nothing: again.
            answered = answer.StatusCode;
            if (answered != HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal(HttpStatusCode.OK, answered);
                Assert.Equal("collected", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
                await world.Platform.WaitForAsync(r => r.Any(x => x.Text.Contains("pickup_order.collected", StringComparison.Ordinal) && x.Text.Contains(orderId, StringComparison.Ordinal)));
            }
        }

        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, answered);
    }

    [Fact]
    public async Task A_collection_retried_with_its_Idempotency_Key_gets_the_first_answer_byte_for_byte()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await CreateAsync(world, "o-keyed");
        var otherHubId = await CreateAsync(world, "o-keyed-2");
        using (var arrival = await StationPost(world, hubId, "arrival", idempotencyKey: "arrive-o-keyed"))
        {
            Assert.Equal(HttpStatusCode.OK, arrival.StatusCode);
        }

        var code = (await ReceivedAsync(world, "pickup_order.ready")).GetProperty("pickupCode").GetString()!;

        using var first = await StationPost(world, hubId, "collection", new { pickupCode = code }, idempotencyKey: "collect-o-keyed");
        using var retry = await StationPost(world, hubId, "collection", new { pickupCode = code }, idempotencyKey: "\"collect-o-keyed\"");
        using var otherOrder = await StationPost(world, otherHubId, "arrival", idempotencyKey: "collect-o-keyed");
        using var otherStation = await StationPost(world, hubId, "collection", new { pickupCode = code }, station: TestRegistry.OtherStation, key: TestRegistry.OtherStationKey, idempotencyKey: "collect-o-keyed");
        using var badKey = await StationPost(world, hubId, "collection", new { pickupCode = code }, idempotencyKey: "bad \\ key");
        using var unkeyed = await StationPost(world, hubId, "collection", new { pickupCode = code });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await retry.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Content.Headers.ContentType?.ToString(), retry.Content.Headers.ContentType?.ToString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherOrder.StatusCode);
        Assert.Equal("urn:stationhub:problem:idempotency-key-reused", (await otherOrder.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, otherStation.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, unkeyed.StatusCode);
        Assert.Equal("created", (await StatusAsync(world, otherHubId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_repeated_order_webhook_gets_the_first_answer_and_makes_one_order()
    {
        await using var world = await HubScenario.StartAsync();
        var body = Created("o-dup");

        using var first = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, body, world.PlatformSigner, "msg_o_dup"));
        using var again = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, body, world.PlatformSigner, "msg_o_dup"));
        using var newId = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Created("o-dup", handlingFee: 1), world.PlatformSigner));

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newId.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        await WaitForAsync(async () => (await LedgerAsync(world)).GetValueOrDefault(LedgerKinds.PickupReceived) == 1);
        await world.QuietAsync();
        Assert.Equal(1, (await LedgerAsync(world))[LedgerKinds.PickupReceived]);
        Assert.Equal(1, await world.Storage.CountEntitiesAsync(Tables.PickupOrders, StationHub.PickupOrders.OrderEntity.Row));
    }

    [Fact]
    public async Task A_cancelled_order_stays_cancelled_and_a_collected_one_cannot_be_cancelled()
    {
        await using var world = await HubScenario.StartAsync();
        var cancelled = await CreateAsync(world, "o-cancel");
        var collected = await CreateAsync(world, "o-keep");

        using var cancel = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Cancelled("o-cancel"), world.PlatformSigner));
        using var cancelAgain = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Cancelled("o-cancel"), world.PlatformSigner));
        using var arriveCancelled = await StationPost(world, cancelled, "arrival");
        using var unknown = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Cancelled("o-never"), world.PlatformSigner));

        PlatformRetries.AssertAccepted(cancel);
        Assert.Equal(HttpStatusCode.OK, cancelAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, arriveCancelled.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        (await StationPost(world, collected, "arrival")).Dispose();
        var code = (await ReceivedAsync(world, "pickup_order.ready")).GetProperty("pickupCode").GetString();
        (await StationPost(world, collected, "collection", new { pickupCode = code })).Dispose();
        using var late = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Cancelled("o-keep"), world.PlatformSigner));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        Assert.Equal("collected", (await StatusAsync(world, collected)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_order_even_when_guessed_in_parallel_until_staff_unlock_it()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await CreateAsync(world, "o-guess");
        (await StationPost(world, hubId, "arrival")).Dispose();
        var code = (await ReceivedAsync(world, "pickup_order.ready")).GetProperty("pickupCode").GetString()!;
        var wrong = Enumerable.Range(0, 12).Select(i => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1 + i) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var answers = await Task.WhenAll(wrong.Select(async guess =>
        {
            using var response = await StationPost(world, hubId, "collection", new { pickupCode = guess });
            return response.StatusCode;
        }));

        Assert.Equal(12, answers.Length);
        Assert.Equal(4, answers.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(8, answers.Count(s => s == (HttpStatusCode)423));
        using (var rightButLocked = await StationPost(world, hubId, "collection", new { pickupCode = code }))
        {
            Assert.Equal((HttpStatusCode)423, rightButLocked.StatusCode);
        }

        using (var unlock = await StationPost(world, hubId, "unlock"))
        {
            Assert.Equal(HttpStatusCode.OK, unlock.StatusCode);
        }

        using var collected = await StationPost(world, hubId, "collection", new { pickupCode = code });
        Assert.Equal(HttpStatusCode.OK, collected.StatusCode);
    }

    [Fact]
    public async Task Concurrent_arrival_scans_make_one_arrival_and_one_code()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await CreateAsync(world, "o-scan");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await StationPost(world, hubId, "arrival");
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("arrivedAt").GetString());
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Single(answers.Select(a => a.Item2).Distinct());
        await ReceivedAsync(world, "pickup_order.ready");
        await world.QuietAsync();
        var readies = world.Platform.All.Where(r => r.Text.Contains("pickup_order.ready", StringComparison.Ordinal)).ToList();
        Assert.Single(readies.Select(r => r.WebhookId).Distinct());
        Assert.Single(readies.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("pickupCode").GetString()).Distinct());
    }

    [Fact]
    public async Task The_platform_down_then_back_still_gets_the_pickup_code()
    {
        await using var world = await HubScenario.StartAsync();
        world.Platform.AnswerWith(n => n < 2 ? new Reply(503) : new Reply(200));
        var hubId = await CreateAsync(world, "o-down");

        (await StationPost(world, hubId, "arrival")).Dispose();

        var ready = await ReceivedAsync(world, "pickup_order.ready", TimeSpan.FromSeconds(30));
        Assert.Equal(hubId, ready.GetProperty("hubId").GetString());
    }

    public static TheoryData<string, string> BadOrders() => new()
    {
        { "unknown station", Created("o-b1", station: "st-nowhere") },
        { "negative fee", Created("o-b2", handlingFee: -1) },
        { "absurd commission", Created("o-b3", commission: 10_000_000_000) },
        { "fee as a decimal", Created("o-b4").Replace("\"handlingFeeFen\":100", "\"handlingFeeFen\":1.5", StringComparison.Ordinal) },
        { "fee as a string", Created("o-b5").Replace("\"handlingFeeFen\":100", "\"handlingFeeFen\":\"100\"", StringComparison.Ordinal) },
        { "no parcels", Created("o-b6").Replace("\"parcels\":2", "\"parcels\":0", StringComparison.Ordinal) },
        { "pickup window of a year", Created("o-b7").Replace("\"pickupWithinHours\":72", "\"pickupWithinHours\":8760", StringComparison.Ordinal) },
        { "cancel without orderId", """{"type":"pickup_order.cancelled","timestamp":"2026-11-22T08:00:00Z","data":{}}""" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task A_bad_order_is_a_400_and_changes_nothing(string name, string body)
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var response = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, body, world.PlatformSigner));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await world.Storage.CountEntitiesAsync(Tables.PickupOrders));
        Assert.Equal(0, await world.Storage.CountMessagesAsync(Queues.PickupOrderEvents));
    }

    [Fact]
    public async Task Stations_act_only_on_their_own_orders_with_their_own_key()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var hubId = await CreateAsync(world, "o-mine");

        using var noKey = await StationPost(world, hubId, "arrival", key: null);
        using var otherKey = await StationPost(world, hubId, "arrival", key: TestRegistry.OtherStationKey);
        using var otherStation = await StationPost(world, hubId, "arrival", station: TestRegistry.OtherStation, key: TestRegistry.OtherStationKey);
        using var badCode = await StationPost(world, hubId, "collection", new { pickupCode = "12ab56" });
        using var notArrived = await StationPost(world, hubId, "collection", new { pickupCode = "123456" });

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherStation.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badCode.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, notArrived.StatusCode);
        Assert.Equal("created", (await StatusAsync(world, hubId)).GetProperty("status").GetString());
    }

    internal static string Created(string orderId, string station = TestRegistry.Station, long handlingFee = 100, long commission = 50) =>
        "{\"type\":\"pickup_order.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
        $"\"orderId\":\"{orderId}\",\"stationId\":\"{station}\",\"parcels\":2,\"handlingFeeFen\":{handlingFee},\"commissionFen\":{commission}," +
        "\"expectedArrival\":\"2026-11-23T08:00:00Z\",\"pickupWithinHours\":72}}";

    private static string Cancelled(string orderId) =>
        "{\"type\":\"pickup_order.cancelled\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" + $"\"orderId\":\"{orderId}\"" + "}}";

    private static async Task<string> CreateAsync(HubScenario world, string orderId, long handlingFee = 100, long commission = 50)
    {
        using var response = await world.Hub.Client.SendAsync(Webhooks.Signed(Orders, Created(orderId, handlingFee: handlingFee, commission: commission), world.PlatformSigner));
        PlatformRetries.AssertAccepted(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
    }

    private static Task<HttpResponseMessage> StationPost(HubScenario world, string hubId, string action, object? body = null, string station = TestRegistry.Station, string? key = TestRegistry.StationKey, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/stations/{station}/pickup-orders/{hubId}/{action}")
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return world.Hub.Client.SendAsync(request);
    }

    private static async Task<JsonElement> StatusAsync(HubScenario world, string hubId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/swiftride/pickup-orders/{hubId}");
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await world.Hub.Client.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> ReceivedAsync(HubScenario world, string type, TimeSpan? timeout = null)
    {
        var received = await world.Platform.WaitForAsync(r => r.Any(x => x.Text.Contains(type, StringComparison.Ordinal)), timeout);
        var one = received.First(x => x.Text.Contains(type, StringComparison.Ordinal));
        Assert.True(world.PlatformSigner.Verify(one.WebhookId, one.Header("webhook-timestamp"), one.Header("webhook-signature"), one.Body, TimeProvider.System.GetUtcNow()).IsValid);
        return JsonDocument.Parse(one.Body).RootElement.GetProperty("data").Clone();
    }

    private static async Task<Dictionary<string, long>> LedgerAsync(HubScenario world)
    {
        var sums = new Dictionary<string, long>();
        foreach (var entry in await world.Storage.LedgerEntriesAsync())
        {
            sums[entry.Kind] = sums.GetValueOrDefault(entry.Kind) + (entry.Kind.StartsWith("pickup.revenue", StringComparison.Ordinal) || entry.Kind.StartsWith("pickup.fund", StringComparison.Ordinal) ? entry.Amount : 1);
        }

        return sums;
    }

    private static async Task WaitForAsync(Func<Task<bool>> done)
    {
        for (var i = 0; i < 300 && !await done(); i++)
        {
            await Task.Delay(50);
        }
    }
}
