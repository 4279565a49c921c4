using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Points;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Points;

/// <summary>Governance points over real HTTP: platforms, stations, the city resolving reports.</summary>
[RunsLong(33)]
public sealed class PointsFlowTests
{
    private const string Transactions = "api/v1/platforms/swiftride/points-transactions";

    [Fact]
    public async Task Earn_redeem_and_settle_at_a_station_leaves_the_right_balance_and_history()
    {
        await using var world = await HubScenario.StartAsync();

        using (var earned = await PostAsync(world, Earn("t-1", "courier-9", "emergency_assistance")))
        {
            PlatformRetries.AssertAccepted(earned);
            Assert.Equal(20, (await earned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("points").GetInt64());
        }

        (await PostAsync(world, Earn("t-2", "courier-9", "patrol_hour"))).Dispose();
        (await PostAsync(world, Earn("t-2b", "courier-9", "emergency_assistance"))).Dispose();
        string code;
        using (var redeemed = await PostAsync(world, Redeem("t-3", "courier-9", "ebike_repair_voucher")))
        {
            PlatformRetries.AssertAccepted(redeemed);
            code = (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
        }

        using var settled = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey);
        using var again = await SettleAsync(world, code, TestRegistry.OtherStation, TestRegistry.OtherStationKey);

        Assert.Equal(HttpStatusCode.OK, settled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var balance = await BalanceAsync(world, "courier-9");
        Assert.Equal(20 + 5 + 20 - 30, balance.GetProperty("available").GetInt64());
        Assert.Equal(0, balance.GetProperty("reserved").GetInt64());
        Assert.Equal(["earned", "earned", "earned", "redeemed", "settled"], balance.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("kind").GetString()!).ToArray());
    }

    [Fact]
    public async Task A_transactions_queued_message_stays_hidden_from_the_queue_function_until_its_request_had_its_head_start()
    {
        // Issue 21: the queue function applies a transaction only when its request did not. Given the message at once,
        // it raced requests still applying (both wrote, one lost, about 3 storage requests more).
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var queue = world.Storage.Hub.Queue(Queues.PointsTransactions);
        var sent = Stopwatch.StartNew();
        using (var earned = await PostAsync(world, Earn("t-head-start", "courier-9", "emergency_assistance")))
        {
            PlatformRetries.AssertAccepted(earned);
        }

        // Applied and answered; its message, sent before the apply, becomes visible only a head start after it was sent.
        await Eventually.UntilAsync(async () => (await queue.PeekMessagesAsync(32)).Value.Length == 1, "the transaction's message to become visible");
        Assert.True(sent.Elapsed >= QueueFirst.HeadStart, $"the message was visible {sent.Elapsed.TotalMilliseconds:0} ms after its request was sent");
    }

    [Fact]
    public async Task The_platform_is_told_every_balance_change_and_the_social_time_of_each_task()
    {
        await using var world = await HubScenario.StartAsync();
        (await PostAsync(world, Earn("t-1", "courier-9", "emergency_assistance"))).Dispose();
        (await PostAsync(world, Earn("t-2", "courier-9", "patrol_hour"))).Dispose();
        (await PostAsync(world, Earn("t-2b", "courier-9", "emergency_assistance"))).Dispose();
        using var redeemed = await PostAsync(world, Redeem("t-3", "courier-9", "ebike_repair_voucher"));
        var code = (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
        (await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey)).Dispose();

        var received = await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 5 && Count(r, "social_time.credited") >= 3);
        var settled = received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data")).Single(d => d.TryGetProperty("kind", out var k) && k.GetString() == "settled");
        Assert.Equal((15L, 0L), (settled.GetProperty("available").GetInt64(), settled.GetProperty("reserved").GetInt64()));
        var social = received.Where(r => r.Text.Contains("social_time.credited", StringComparison.Ordinal)).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data")).ToList();
        Assert.Contains(social, s => s.GetProperty("minutes").GetInt32() == 30 && s.GetProperty("reason").GetString() == "emergency_assistance");
        Assert.Contains(social, s => s.GetProperty("minutes").GetInt32() == 60 && s.GetProperty("reason").GetString() == "patrol_hour");
        Assert.All(received, r => Assert.DoesNotContain("courier-9", r.Text, StringComparison.Ordinal));
        Assert.Single(social.Select(s => s.GetProperty("courierId").GetString()).Distinct());
    }

    [Fact]
    public async Task The_social_time_waits_for_the_balance_it_rides_behind_and_goes_out_after_it()
    {
        // The platform fails the first call it gets. Both notices of the earn ride in one message, balance
        // first: the social time is not called until the balance is made, on its retry.
        await using var world = await HubScenario.StartAsync();
        world.Platform.AnswerWith(n => n == 0 ? new Reply(500) : new Reply(200));

        using (var earned = await PostAsync(world, Earn("t-order", "courier-o", "patrol_hour")))
        {
            PlatformRetries.AssertAccepted(earned);
        }

        var received = await world.Platform.WaitForAsync(r => Count(r, "social_time.credited") >= 1 && Count(r, "points.balance_changed") >= 1);
        Assert.Equal(["points.balance_changed", "social_time.credited"], received.Select(EventType).ToArray());
        Assert.Equal(3, world.Platform.Arrived);
        Assert.NotEqual(received[0].WebhookId, received[1].WebhookId);
    }

    [Fact]
    public async Task A_balance_notice_given_up_is_dead_lettered_alone_and_the_social_time_behind_it_still_goes()
    {
        // Every try of the balance notice fails (4 tries); the social time behind it then gets its own, and is made.
        await using var world = await HubScenario.StartAsync();
        world.Platform.AnswerWith(n => n < 4 ? new Reply(500) : new Reply(200));

        using (var earned = await PostAsync(world, Earn("t-dead", "courier-d", "patrol_hour")))
        {
            PlatformRetries.AssertAccepted(earned);
        }

        var social = Assert.Single(await world.Platform.WaitForAsync(r => Count(r, "social_time.credited") >= 1));
        var letter = Assert.Single(await Delivery.DeliveryTests.WaitForDeadLettersAsync(world, 1));
        Assert.Equal("points.balance_changed", letter.GetProperty("eventType").GetString());
        Assert.Equal(4, letter.GetProperty("attempts").GetInt32());
        await world.QuietAsync(delayed: true);
        Assert.Single(await Delivery.DeliveryTests.ListDeadLettersAsync(world));
        Assert.Equal(5, world.Platform.Arrived);

        // Replayed, the dead letter is the balance alone: the social time is not sent again.
        world.Platform.AnswerWith(_ => new Reply(200));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/admin/dead-letters/{letter.GetProperty("deliveryId").GetString()}/replay");
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        using (var replay = await world.Hub.Client.SendAsync(request))
        {
            PlatformRetries.AssertAccepted(replay);
        }

        await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 1);
        await world.QuietAsync();
        Assert.Equal(["social_time.credited", "points.balance_changed"], world.Platform.All.Select(EventType).ToArray());
        Assert.Equal(social.WebhookId, world.Platform.All[0].WebhookId);
    }

    [Fact]
    public async Task Three_quick_earns_of_5_10_and_20_report_5_15_and_35()
    {
        await using var world = await HubScenario.StartAsync();

        (await PostAsync(world, Earn("e-5", "courier-3q", "patrol_hour"))).Dispose();
        (await PostAsync(world, Earn("e-10", "courier-3q", "mediation"))).Dispose();
        (await PostAsync(world, Earn("e-20", "courier-3q", "emergency_assistance"))).Dispose();

        var notices = (await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 3))
            .Where(r => r.Text.Contains("points.balance_changed", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data"))
            .ToDictionary(d => d.GetProperty("transactionId").GetString()!, d => d.GetProperty("available").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["e-5"] = 5, ["e-10"] = 15, ["e-20"] = 35 }, notices);
    }

    [Fact]
    public async Task A_repeated_transaction_resends_its_notices_byte_for_byte()
    {
        // The platform sends a transaction, and again a second later under a new webhook-id (no answer
        // came back, say). Each request queued its own message; the points queue function handles both.
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        using (var first = await PostAsync(world, Earn("t-same", "courier-r", "patrol_hour")))
        {
            PlatformRetries.AssertAccepted(first);
        }

        world.AdvanceClock(TimeSpan.FromSeconds(1.1));
        using (var again = await PostAsync(world, Earn("t-same", "courier-r", "patrol_hour")))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var router = world.Hub.Get<PointsRouter>();
        foreach (var message in await world.Storage.ReceiveAsync(Queues.PointsTransactions, 2))
        {
            await router.HandleAsync(message.Body);
        }

        // What the delivery function sends: webhook-id = DeliveryId, envelope = {type, timestamp = OccurredAt, data}.
        // One message per run, the social time riding behind the balance.
        var messages = (await world.Storage.PeekDeliveriesAsync())
            .Select(m => m.Body.ToObjectFromJson(StationHub.Platform.Json.HubJsonContext.Default.DeliveryRequested)!)
            .ToList();
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal(("points.balance_changed", "social_time.credited", (StationHub.Delivery.DeliveryRequested?)null), (m.EventType, m.Then?.EventType, m.Then?.Then)));
        var deliveries = messages.SelectMany(m => new[] { m, m.Then! }).ToList();
        foreach (var notices in deliveries.GroupBy(d => d.EventType))
        {
            Assert.Equal(2, notices.Count());
            Assert.Single(notices.Select(d => (d.DeliveryId, d.OccurredAt, d.Data.GetRawText())).Distinct());
        }
    }

    [Fact]
    public async Task A_transaction_id_is_the_platforms_once_whatever_the_courier()
    {
        await using var world = await HubScenario.StartAsync();

        using var first = await PostAsync(world, Earn("t-shared", "courier-a", "mediation"));
        using var other = await PostAsync(world, Earn("t-shared", "courier-b", "emergency_assistance"));
        using var redeemedA = await PostAsync(world, Redeem("t-r", "courier-a", "skills_course"));
        using var redeemedB = await PostAsync(world, Redeem("t-r", "courier-b", "skills_course"));

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await other.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, redeemedA.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, redeemedB.StatusCode);
        Assert.Equal(await redeemedA.Content.ReadAsStringAsync(), await redeemedB.Content.ReadAsStringAsync());
        var b = await BalanceAsync(world, "courier-b");
        Assert.Equal(0, b.GetProperty("available").GetInt64());
        Assert.Equal(0, b.GetProperty("history").GetArrayLength());
        Assert.Equal(10, (await BalanceAsync(world, "courier-a")).GetProperty("available").GetInt64());
        await world.QuietAsync();
        Assert.Single(world.Platform.All, r => r.Text.Contains("points.balance_changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_status_url_reads_the_courier_back_and_so_does_every_courier_id_the_intake_takes()
    {
        await using var world = await HubScenario.StartAsync();
        const string courier = "Rider.9_x-y~z:1@fleet+a";

        using var earned = await PostAsync(world, Earn("t-url", courier, "mediation"));
        PlatformRetries.AssertAccepted(earned);
        var statusUrl = (await earned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;

        using var byUrl = new HttpRequestMessage(HttpMethod.Get, statusUrl.TrimStart('/'));
        byUrl.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var read = await world.Hub.Client.SendAsync(byUrl);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(10, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("available").GetInt64());
        Assert.DoesNotContain("Rider", statusUrl, StringComparison.Ordinal);
        Assert.Equal(10, (await BalanceAsync(world, Uri.EscapeDataString(courier))).GetProperty("available").GetInt64());
        var notice = JsonDocument.Parse((await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 1))[0].Body).RootElement.GetProperty("data");
        Assert.EndsWith("/" + notice.GetProperty("courierId").GetString() + "/points", statusUrl, StringComparison.Ordinal);

        using var otherPlatform = new HttpRequestMessage(HttpMethod.Get, statusUrl.Replace("swiftride", "neighborbuy", StringComparison.Ordinal).TrimStart('/'));
        otherPlatform.Headers.Add("x-api-key", TestRegistry.OtherPlatformKey);
        using var foreign = await world.Hub.Client.SendAsync(otherPlatform);
        Assert.Equal(0, (await foreign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task A_platform_cannot_award_itself_points_only_the_hub_issues()
    {
        await using var world = await HubScenario.StartAsync();

        using var answer = await PostAsync(world, Earn("t-snap", "courier-s", "snapshot_report"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("data.task", out _));
        Assert.Equal(0, (await BalanceAsync(world, "courier-s")).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task A_settled_voucher_scanned_again_is_a_409_naming_when_and_where_and_a_keyed_retry_gets_the_first_answer()
    {
        await using var world = await HubScenario.StartAsync();
        var code = await EarnAndRedeemAsync(world, "courier-v", "t-v");

        using var settled = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "scan-1");
        using var rescan = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey);
        using var elsewhere = await SettleAsync(world, code, TestRegistry.OtherStation, TestRegistry.OtherStationKey, idempotencyKey: "scan-1");
        using var retry = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "scan-1");
        using var quotedRetry = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "\"scan-1\"");
        using var newKey = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "scan-2");
        using var newKeyRetry = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "scan-2");
        using var reused = await SettleAsync(world, "VAAAAAAAAAAAA", TestRegistry.Station, TestRegistry.StationKey, idempotencyKey: "scan-1");

        Assert.Equal(HttpStatusCode.OK, settled.StatusCode);
        var first = await settled.Content.ReadAsStringAsync();
        var answer = JsonDocument.Parse(first).RootElement;
        Assert.Equal("settled", answer.GetProperty("status").GetString());
        var settledAt = answer.GetProperty("settledAt").GetDateTimeOffset();
        foreach (var again in new[] { rescan, elsewhere, newKey })
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
            var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(TestRegistry.Station, problem.GetProperty("stationId").GetString());
            Assert.Equal(settledAt, problem.GetProperty("settledAt").GetDateTimeOffset());
            Assert.Contains(TestRegistry.Station, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(first, await retry.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, quotedRetry.StatusCode);
        Assert.Equal(first, await quotedRetry.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, newKeyRetry.StatusCode);
        Assert.Equal(await newKey.Content.ReadAsStringAsync(), await newKeyRetry.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);
        var balance = await BalanceAsync(world, "courier-v");
        Assert.Equal((10L, 0L), (balance.GetProperty("available").GetInt64(), balance.GetProperty("reserved").GetInt64()));
        Assert.Single(balance.GetProperty("history").EnumerateArray(), h => h.GetProperty("kind").GetString() == "settled");
    }

    [Fact]
    public async Task A_voucher_is_honoured_only_in_its_city_and_stays_reserved_elsewhere()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["Auth:ApiKeyHashes:station:st-nb-01"] = StationHub.Platform.Security.ApiKeys.Hash(NingboStationKey));
        var hangzhou = await EarnAndRedeemAsync(world, "courier-c", "t-c");
        string ningbo;
        (await PostAsync(world, Earn("t-c-3", "courier-c", "emergency_assistance"))).Dispose();
        (await PostAsync(world, Earn("t-c-4", "courier-c", "emergency_assistance"))).Dispose();
        using (var redeemed = await PostAsync(world, Redeem("t-c-5", "courier-c", "ebike_repair_voucher", station: "st-nb-01")))
        {
            PlatformRetries.AssertAccepted(redeemed);
            ningbo = (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
        }

        using var outside = await SettleAsync(world, hangzhou, "st-nb-01", NingboStationKey);
        using var outsideToo = await SettleAsync(world, ningbo, TestRegistry.Station, TestRegistry.StationKey);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Contains("Hangzhou", (await outside.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, outsideToo.StatusCode);
        Assert.Equal(60, (await BalanceAsync(world, "courier-c")).GetProperty("reserved").GetInt64());

        using var inside = await SettleAsync(world, hangzhou, TestRegistry.OtherStation, TestRegistry.OtherStationKey);
        using var insideToo = await SettleAsync(world, ningbo, "st-nb-01", NingboStationKey);
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal(HttpStatusCode.OK, insideToo.StatusCode);
        Assert.Equal(0, (await BalanceAsync(world, "courier-c")).GetProperty("reserved").GetInt64());
    }

    [Fact]
    public async Task A_redemption_that_names_no_city_anywhere_is_a_recorded_rejection()
    {
        await using var world = await HubScenario.StartAsync();
        const string noStation = """{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"t-n1","courierId":"courier-n","task":"emergency_assistance"}}""";
        (await PostAsync(world, noStation)).Dispose();
        (await PostAsync(world, noStation.Replace("t-n1", "t-n2", StringComparison.Ordinal))).Dispose();

        using var redeemed = await PostAsync(world, Redeem("t-n3", "courier-n", "ebike_repair_voucher"));
        using var again = await PostAsync(world, Redeem("t-n3", "courier-n", "ebike_repair_voucher"));
        using var named = await PostAsync(world, Redeem("t-n4", "courier-n", "ebike_repair_voucher", station: TestRegistry.Station));

        Assert.Equal(HttpStatusCode.Conflict, redeemed.StatusCode);
        Assert.Contains("stationId", await redeemed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(await redeemed.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        PlatformRetries.AssertAccepted(named);
    }

    [Fact]
    public async Task A_task_that_costs_working_time_credits_it_to_the_platform()
    {
        await using var world = await HubScenario.StartAsync();

        using var earned = await PostAsync(world, Earn("t-patrol", "courier-7", "patrol_hour"));

        PlatformRetries.AssertAccepted(earned);
        var received = await world.Platform.WaitForAsync(r => Count(r, "social_time.credited") >= 1 && Count(r, "points.balance_changed") >= 1);
        var social = JsonDocument.Parse(received.First(r => r.Text.Contains("social_time.credited", StringComparison.Ordinal)).Body).RootElement.GetProperty("data");
        var balance = JsonDocument.Parse(received.First(r => r.Text.Contains("points.balance_changed", StringComparison.Ordinal)).Body).RootElement.GetProperty("data");
        Assert.Equal(60, social.GetProperty("minutes").GetInt32());
        Assert.Equal("patrol_hour", social.GetProperty("reason").GetString());
        Assert.Equal("t-patrol", social.GetProperty("transactionId").GetString());
        Assert.StartsWith("cp_", social.GetProperty("courierId").GetString(), StringComparison.Ordinal);
        Assert.Equal(social.GetProperty("courierId").GetString(), balance.GetProperty("courierId").GetString());
        Assert.Equal(5, balance.GetProperty("available").GetInt64());
        Assert.All(received, r => Assert.DoesNotContain("courier-7", r.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_voucher_not_settled_in_time_releases_its_points_back()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["Points:VoucherValidity"] = "00:01:00");
        (await PostAsync(world, Earn("t-1", "courier-5", "emergency_assistance"))).Dispose();
        (await PostAsync(world, Earn("t-2", "courier-5", "emergency_assistance"))).Dispose();
        using var redeemed = await PostAsync(world, Redeem("t-3", "courier-5", "ebike_repair_voucher"));
        var code = (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
        Assert.Equal(10, (await BalanceAsync(world, "courier-5")).GetProperty("available").GetInt64());

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(2));
        var expiry = new VoucherExpiry(world.Hub.Get<PointsBook>(), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<VoucherExpiry>.Instance);
        Assert.Equal(1, await expiry.RunAsync());
        Assert.Equal(0, await expiry.RunAsync());

        var balance = await BalanceAsync(world, "courier-5");
        Assert.Equal(40, balance.GetProperty("available").GetInt64());
        Assert.Equal(0, balance.GetProperty("reserved").GetInt64());
        using var late = await SettleAsync(world, code, TestRegistry.Station, TestRegistry.StationKey);
        Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
    }

    [Fact]
    public async Task Refusals_are_clear_recorded_and_told_and_repeats_get_the_first_answer()
    {
        await using var world = await HubScenario.StartAsync();

        using var unknownTask = await PostAsync(world, Earn("t-x", "c-1", "sunbathing"));
        using var unknownReward = await PostAsync(world, Redeem("t-y", "c-1", "yacht"));
        using var tooMuch = await PostAsync(world, Redeem("t-1", "c-1", "insurance_subsidy"));
        using var tooMuchAgain = await PostAsync(world, Redeem("t-1", "c-1", "insurance_subsidy"));
        using var neverEarned = await PostAsync(world, Reverse("t-2", "c-1", "t-404"));
        using var earn = await PostAsync(world, Earn("t-3", "c-1", "mediation"));
        using var earnAgain = await PostAsync(world, Earn("t-3", "c-1", "mediation"));
        using var unknownVoucher = await SettleAsync(world, "VAAAAAAAAAAAA", TestRegistry.Station, TestRegistry.StationKey);
        using var wrongStationKey = await SettleAsync(world, "VAAAAAAAAAAAA", TestRegistry.Station, TestRegistry.OtherStationKey);
        using var malformedVoucher = await SettleAsync(world, "x%23y", TestRegistry.Station, TestRegistry.StationKey);

        Assert.Equal(HttpStatusCode.BadRequest, unknownTask.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownReward.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, tooMuchAgain.StatusCode);
        Assert.Equal(await tooMuch.Content.ReadAsStringAsync(), await tooMuchAgain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, neverEarned.StatusCode);
        PlatformRetries.AssertAccepted(earn);
        Assert.Equal(HttpStatusCode.OK, earnAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownVoucher.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongStationKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformedVoucher.StatusCode);
        Assert.Equal(10, (await BalanceAsync(world, "c-1")).GetProperty("available").GetInt64());

        // The repeated request queued its own message too: the platform may hear that rejection twice,
        // always under the same webhook-id (at least once, deduplicated by the receiver).
        var rejected = await world.Platform.WaitForAsync(r => Count(r, "points.rejected") >= 2);
        await world.QuietAsync();
        Assert.Equal(2, world.Platform.All.Where(r => r.Text.Contains("points.rejected", StringComparison.Ordinal)).Select(r => r.WebhookId).Distinct().Count());
    }

    [Fact]
    public async Task A_report_resolved_as_valid_earns_its_courier_snapshot_points_once_and_a_rejected_one_nothing()
    {
        await using var world = await HubScenario.StartAsync();
        var valid = await world.AcceptReportAsync("r-valid");
        using var rejectedBody = await world.PostReportAsync(Webhooks.HazardReport("r-invalid", courierId: "courier-other"));
        var invalid = (await rejectedBody.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        await world.WaitForStatusAsync(valid, "routed");
        await world.WaitForStatusAsync(invalid, "routed");

        (await world.PostCityUpdateAsync(valid, "u-1", "resolved")).Dispose();
        (await world.PostCityUpdateAsync(valid, "u-1", "resolved")).Dispose();
        (await world.PostCityUpdateAsync(invalid, "u-2", "rejected")).Dispose();

        await Eventually.UntilAsync(async () => (await BalanceAsync(world, "courier-42")).GetProperty("available").GetInt64() > 0, "the valid report earned nothing");
        await world.QuietAsync();
        Assert.Equal(2, (await BalanceAsync(world, "courier-42")).GetProperty("available").GetInt64());
        var notice = (await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 1)).First(r => r.Text.Contains("points.balance_changed", StringComparison.Ordinal));
        Assert.Equal("r-valid", JsonDocument.Parse(notice.Body).RootElement.GetProperty("data").GetProperty("reference").GetString());
        Assert.Equal(0, (await BalanceAsync(world, "courier-other")).GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task Two_hosts_and_forced_duplicate_deliveries_apply_each_transaction_once()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        var bodies = Enumerable.Range(0, 12).Select(i => Earn($"t-{i}", "courier-2h", i % 2 == 0 ? "patrol_hour" : "mediation")).ToList();

        // Every transaction posted to both hosts at once, with the same webhook-id...
        var posts = bodies.SelectMany(body =>
        {
            var id = "msg_" + Guid.NewGuid().ToString("N");
            return new[] { world.Hub.Client, second.Client }.Select(client => client.SendAsync(Webhooks.Signed(Transactions, body, world.PlatformSigner, id)));
        });
        var answers = await Task.WhenAll(posts);

        // ...and every queued message delivered a second time, as at-least-once delivery may.
        var queue = world.Storage.Hub.Queue(Queues.PointsTransactions);
        foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
        {
            await queue.SendMessageAsync(message.Body);
        }

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, a.StatusCode.ToString()));

        // Each pair (one webhook-id on two hosts): one 202 and one 200 with the first answer. Both are
        // 200 only when the 202 went to a request that had already been answered 503 (the deadline on a
        // loaded machine) and its client's retry then got the first answer.
        foreach (var pair in answers.Chunk(2))
        {
            Assert.True(pair.Count(a => a.StatusCode == HttpStatusCode.Accepted) <= 1, "one webhook-id accepted twice");
            Assert.True(
                pair.Any(a => a.StatusCode == HttpStatusCode.Accepted) || pair.Any(a => a.Headers.Contains(PlatformRetries.RetriedHeader)),
                "a pair with no 202 and no retried 503: nobody got the first acceptance");
        }

        await world.Platform.WaitForAsync(r => r.Where(x => x.Text.Contains("points.balance_changed", StringComparison.Ordinal)).Select(x => x.WebhookId).Distinct().Count() == 12);
        var balance = await BalanceAsync(world, "courier-2h");
        Assert.Equal((6 * 5) + (6 * 10), balance.GetProperty("available").GetInt64());
        Assert.Equal(12, balance.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task A_transaction_retried_after_the_citys_midnight_is_counted_on_one_day_only()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        (await PostAsync(world, Earn("t-late", "courier-m", "mediation"))).Dispose();
        var first = (await world.Storage.ReceiveAsync(Queues.PointsTransactions, 1))[0].Body;

        // The platform got no answer and retried hours later, past midnight: that request found the
        // transaction applied (200) and queued its own message, stamped with its own time.
        var request = first.ToObjectFromJson(StationHub.Platform.Json.HubJsonContext.Default.PointsTransactionRequested)!;
        var retry = request with { OccurredAt = request.OccurredAt.AddDays(1), CorrelationId = "msg_retry", AttemptId = Guid.NewGuid().ToString("N") };
        var router = world.Hub.Get<PointsRouter>();
        await router.HandleAsync(first);
        await router.HandleAsync(BinaryData.FromObjectAsJson(retry, StationHub.Platform.Json.HubJsonContext.Default.PointsTransactionRequested));

        var issued = (await world.Storage.LedgerEntriesAsync()).Where(e => e.Kind == "points.issued.mediation").ToList();

        Assert.Equal(10, Assert.Single(issued).Amount);
        Assert.Equal(10, (await BalanceAsync(world, "courier-m")).GetProperty("available").GetInt64());
    }

    private static int Count(IReadOnlyList<Received> received, string type) => received.Count(r => r.Text.Contains(type, StringComparison.Ordinal));

    private static string EventType(Received received) => JsonDocument.Parse(received.Body).RootElement.GetProperty("type").GetString()!;

    private static string Earn(string id, string courier, string task) =>
        $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","task":"{{{task}}}","stationId":"st-hz-01"}}""";

    private static string Redeem(string id, string courier, string reward, string? station = null) =>
        $$$"""{"type":"points.redeemed","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","reward":"{{{reward}}}"{{{(station is null ? "" : $",\"stationId\":\"{station}\"")}}}}}""";

    private const string NingboStationKey = "test-st-nb-01-key";

    /// <summary>Earns 40 points at st-hz-01 (Hangzhou) and redeems 30 of them for a voucher.</summary>
    private static async Task<string> EarnAndRedeemAsync(HubScenario world, string courier, string prefix)
    {
        (await PostAsync(world, Earn(prefix + "-1", courier, "emergency_assistance"))).Dispose();
        (await PostAsync(world, Earn(prefix + "-2", courier, "emergency_assistance"))).Dispose();
        using var redeemed = await PostAsync(world, Redeem(prefix + "-r", courier, "ebike_repair_voucher"));
        PlatformRetries.AssertAccepted(redeemed);
        return (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
    }



    private static string Reverse(string id, string courier, string reference) =>
        $$$"""{"type":"points.reversed","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","reference":"{{{reference}}}"}}""";

    private static Task<HttpResponseMessage> PostAsync(HubScenario world, string body) =>
        world.Hub.Client.SendAsync(Webhooks.Signed(Transactions, body, world.PlatformSigner));

    private static Task<HttpResponseMessage> SettleAsync(HubScenario world, string code, string station, string key, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/stations/{station}/vouchers/{code}/redemption");
        request.Headers.Add("x-api-key", key);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return world.Hub.Client.SendAsync(request);
    }

    private static async Task<JsonElement> BalanceAsync(HubScenario world, string courier)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/swiftride/couriers/{courier}/points");
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await world.Hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
