using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StationHub.GigWork;
using StationHub.Ledger;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using static StationHub.Tests.GigWork.GigWorkWorld;

namespace StationHub.Tests.GigWork;

/// <summary>
/// Counts nobody can inflate (issue 22), over real HTTP with real signatures: F1 (a burst of matches
/// of one worker on one job), F2 (pay before completion, pay of 0 fen), F3 (times out of range, and a
/// message that cannot be applied), F12 (an applied event's status keeps no old reason), two hosts
/// racing for a job's places, the platform's burst limit, and the published policy.
/// </summary>
public sealed class GigWorkIntegrityTests
{
    /// <summary>How many matches of one worker on one job F1 sends at once.</summary>
    private const int Burst = 105;

    [Fact]
    public async Task F1_a_burst_of_matches_of_one_worker_on_one_job_applies_one_and_earns_nothing_unpaid()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-burst", workersWanted: 1));
        // The outside check sent 1,051; a tenth of them, eight in flight at a time, races the same way (every
        // match meets the others for the one worker and the one place) at a tenth of the suite's cost: it was
        // the suite's heaviest test, about a seventh of its storage requests, 53 s on a loaded machine.
        var ids = Enumerable.Range(0, Burst).Select(n => $"m-burst-{n}").ToList();

        // As the platform would send them: many at once; a 429 (its burst limit) or a 5xx is sent again under the same webhook-id.
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (matchId, _) =>
        {
            var body = Made(matchId, "j-burst", "worker-1", T0.AddMinutes(5));
            var webhookId = "msg_" + matchId;
            for (var tries = 0; ; tries++)
            {
                using var response = await world.PostAsync(body, webhookId);
                if (response.StatusCode is not HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                {
                    Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{matchId}: {response.StatusCode}");
                    return;
                }

                Assert.True(tries < 10_000, $"The hub kept refusing the platform ({response.StatusCode}).");
            }
        });

        var statuses = await SettledAllAsync(world, ids.Select(id => "made~" + id).ToList());
        var applied = statuses.Where(s => s.Value.GetProperty("status").GetString() == GigEventStatus.Applied).ToList();
        var rejected = statuses.Where(s => s.Value.GetProperty("status").GetString() == GigEventStatus.Rejected).ToList();
        Assert.Single(applied);
        Assert.Equal(Burst - 1, rejected.Count);
        Assert.All(rejected, r => Assert.Equal(GigMatchMachine.WorkerTaken, r.Value.GetProperty("reason").GetString()));

        var figures = await world.TodaysStationFiguresAsync();
        Assert.Equal(1, figures["gig.match.made"]);
        Assert.Equal(0, figures[GigWorkFigures.Subsidy]);
        Assert.Equal(0, figures[GigWorkFigures.SubsidyOn("paid")]);
        Assert.Equal(2, figures[GigWorkFigures.PolicyVersion("chaoyang-2024")]);
        Assert.Equal(1, figures[GigWorkFigures.MatchesPerWorkerMax]);
        await AssertPoisonEmptyAsync(world);
    }

    [Fact]
    public async Task F2_a_pay_before_completion_or_of_0_fen_is_rejected_and_not_counted_as_paid_in_time()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-pay", workersWanted: 3));
        foreach (var (match, worker) in new[] { ("m-early", "w-1"), ("m-zero", "w-2"), ("m-good", "w-3") })
        {
            await world.SendAsync(Made(match, "j-pay", worker, T0.AddMinutes(5)));
            await world.SendAsync(Completed(match, T0.AddHours(3)));
        }

        var early = await world.SendAsync(Paid("m-early", T0.AddHours(2)));
        var zero = await world.SendAsync(Paid("m-zero", T0.AddHours(3).AddMinutes(10), amountFen: 0));
        var good = await world.SendAsync(Paid("m-good", T0.AddHours(3).AddMinutes(30)));

        Assert.Equal(GigMatchMachine.PaidBeforeCompleted, (await world.WaitForAsync(early, GigEventStatus.Rejected)).GetProperty("reason").GetString());
        Assert.Equal(GigMatchMachine.ZeroPay, (await world.WaitForAsync(zero, GigEventStatus.Rejected)).GetProperty("reason").GetString());
        await world.WaitForAsync(good, GigEventStatus.Applied);
        var figures = await world.TodaysStationFiguresAsync();
        Assert.Equal(1, figures["gig.match.paid"]);
        Assert.Equal(1, figures["gig.pay-sample"]);
        Assert.Equal(10_000, figures["gig.paid-within-2h-share-bp"]);
        Assert.Equal(30, figures["gig.pay-median-minutes"]);
        Assert.Equal(18_000, figures["gig.wages-paid-fen"]);
        Assert.Equal(3_333, figures[GigWorkFigures.PaidShare]);
        Assert.Equal(10_000, figures[GigWorkFigures.CompletedShare]);
    }

    [Theory]
    [InlineData("completedAt", "9999-12-31T00:00:00Z")]
    [InlineData("postedAt", "0001-01-01T00:00:00Z")]
    [InlineData("completedAt", "+10 minutes")]
    [InlineData("postedAt", "-31 days")]
    public async Task F3_a_time_outside_30_days_back_and_5_minutes_ahead_is_a_400_and_nothing_is_made(string field, string at)
    {
        await using var world = await HubScenario.StartAsync();
        var value = at[0] is '+' or '-'
            ? IsoTimestamp.Format(TimeProvider.System.GetUtcNow() + (at.EndsWith("minutes", StringComparison.Ordinal) ? TimeSpan.FromMinutes(int.Parse(at.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)) : TimeSpan.FromDays(int.Parse(at.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))))
            : at;
        var body = field == "postedAt" ? JobPostedAt("j-bad", value) : CompletedAt("m-bad", value);

        using var response = await world.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("data." + field, out _), problem.GetRawText());
        using var status = new HttpRequestMessage(HttpMethod.Get, GigWorkWorld.Path + "/" + (field == "postedAt" ? "job~j-bad" : "completed~m-bad"));
        status.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var read = await world.Hub.Client.SendAsync(status);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task F3_a_queued_event_that_cannot_be_applied_is_rejected_and_recorded_not_poisoned()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-q", workersWanted: 2));
        var made = await world.SendAsync(Made("m-q", "j-q", "w-1", T0.AddMinutes(1)));
        await world.WaitForAsync(made, GigEventStatus.Applied);

        // As a hub before this check queued it: completed on 9999-12-31 (its due time overflowed, five tries, poison).
        var now = TimeProvider.System.GetUtcNow();
        var hubId = GigWorkEvent.HubIdFor(GigEventKind.MatchCompleted, "m-q");
        var queued = new GigWorkEvent(GigWorkEvent.CurrentSchemaVersion, "msg_old", now, GigWorkEvent.EventIdFor(TestRegistry.Platform, hubId), "attempt-old", GigEventKind.MatchCompleted, TestRegistry.Platform, "m-q", At: DateTimeOffset.MaxValue.AddDays(-1));
        await world.Storage.Hub.SendAsync(Queues.GigWorkEvents, queued, HubJsonContext.Default.GigWorkEvent);

        var status = await WaitForRecordAsync(world, hubId, GigEventStatus.Rejected);

        Assert.Equal(GigWorkRouter.OutOfWindow, status.GetProperty("reason").GetString());
        var figures = await world.TodaysStationFiguresAsync();
        Assert.False(figures.ContainsKey("gig.match.completed"), "A completion the hub rejected is counted.");
        await AssertPoisonEmptyAsync(world);
    }

    [Fact]
    public async Task F12_an_event_applied_after_waiting_shows_no_reason()
    {
        await using var world = await HubScenario.StartAsync();
        var made = await world.SendAsync(Made("m-wait", "j-wait", "w-1", T0.AddMinutes(1)));
        Assert.Equal(GigMatchMachine.WaitingForJob, (await world.WaitForAsync(made, GigEventStatus.Pending)).GetProperty("reason").GetString());
        var paid = await world.SendAsync(Paid("m-wait", T0.AddHours(2)));
        await world.WaitForAsync(paid, GigEventStatus.Pending);

        await world.SendAsync(Job("j-wait"));
        var applied = await world.WaitForAsync(made, GigEventStatus.Applied);
        var completed = await world.SendAsync(Completed("m-wait", T0.AddHours(1)));
        await world.WaitForAsync(completed, GigEventStatus.Applied);
        var paidNow = await world.WaitForAsync(paid, GigEventStatus.Applied);

        Assert.True(!applied.TryGetProperty("reason", out var reason) || reason.ValueKind == JsonValueKind.Null, applied.GetRawText());
        Assert.True(!paidNow.TryGetProperty("reason", out var paidReason) || paidReason.ValueKind == JsonValueKind.Null, paidNow.GetRawText());
    }

    [Fact]
    public async Task Two_hosts_applying_matches_of_one_job_at_once_never_exceed_its_workers_wanted()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        await world.SendAsync(Job("j-race", workersWanted: 3));
        await world.WaitForAsync("job~j-race", GigEventStatus.Applied);
        var ids = Enumerable.Range(0, 16).Select(n => $"m-race-{n}").ToList();

        await Task.WhenAll(ids.Select((id, n) => world.SendAsync(Made(id, "j-race", $"worker-{n}", T0.AddMinutes(1)), client: n % 2 == 0 ? world.Hub.Client : second.Client)));

        var statuses = await SettledAllAsync(world, ids.Select(id => "made~" + id).ToList());
        Assert.Equal(3, statuses.Values.Count(s => s.GetProperty("status").GetString() == GigEventStatus.Applied));
        Assert.All(statuses.Values.Where(s => s.GetProperty("status").GetString() != GigEventStatus.Applied), s => Assert.Equal(GigMatchMachine.JobFull, s.GetProperty("reason").GetString()));
        Assert.Equal(3, (await world.TodaysStationFiguresAsync())["gig.match.made"]);
    }

    [Fact]
    public async Task Gig_work_draws_on_the_platforms_webhook_rate_limit()
    {
        await using var world = await HubScenario.StartAsync();
        var signer = new StandardWebhook(world.Registry.OtherPlatformSecret);
        var statuses = new ConcurrentBag<HttpStatusCode>();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async n =>
        {
            using var response = await world.Hub.Client.SendAsync(Webhooks.Signed($"api/v1/platforms/{TestRegistry.OtherPlatform}/gig-work", Job($"j-rate-{n}"), signer));
            statuses.Add(response.StatusCode);
        }));

        // neighborbuy may send 2 a second (a burst of twice that): the rest are 429, as for its other webhooks.
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Accepted), 1, 2 * TestRegistry.OtherPlatformRatePerSecond + 1);
    }

    [Fact]
    public async Task The_policy_is_published_and_each_days_subsidy_names_it()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-pol", workersWanted: 2));
        await world.SendAsync(Made("m-pol", "j-pol", "w-1", T0.AddMinutes(1)));
        await world.SendAsync(Completed("m-pol", T0.AddHours(1)));
        var paid = await world.SendAsync(Paid("m-pol", T0.AddHours(2)));
        await world.WaitForAsync(paid, GigEventStatus.Applied);

        var published = await world.Hub.Client.GetFromJsonAsync<JsonElement>("api/v1/gig-work/policies");
        var figures = await world.TodaysStationFiguresAsync();
        var page = await world.Hub.Client.GetStringAsync("ledger");

        var policy = published.GetProperty("policies").EnumerateArray().Single();
        Assert.Equal("chaoyang-2024", policy.GetProperty("id").GetString());
        Assert.Equal("paid", policy.GetProperty("basis").GetString());
        Assert.Equal(2, policy.GetProperty("version").GetInt32());
        Assert.Equal(12, policy.GetProperty("bounds").GetProperty("maxMatchesPerWorkerPerDay").GetInt32());
        Assert.Equal(policy.GetProperty("version").GetInt64(), figures[GigWorkFigures.PolicyVersion("chaoyang-2024")]);
        Assert.Equal(1, figures["gig.ytd.match.paid"]);
        foreach (var basis in new[] { "made", "completed", "paid" })
        {
            Assert.Equal(0, figures[GigWorkFigures.SubsidyOn(basis)]);
        }

        Assert.Contains("counts paid", page, StringComparison.Ordinal);
        Assert.Contains("api/v1/gig-work/policies", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sealed_day_carries_the_subsidy_and_the_verifier_names_a_day_whose_figure_does_not_match()
    {
        var clock = CityDays.StartClock();
        var today = CityDays.Of(clock.GetUtcNow());
        await using var world = await HubScenario.StartAsync(clock: clock, configure: s =>
        {
            s["Ledger:SealGrace"] = "00:00:00";
            s["Ledger:StartDate"] = LedgerStore.Key(today);
        });
        await world.SendAsync(Job("j-seal", workersWanted: 2));
        await world.SendAsync(Made("m-seal", "j-seal", "w-1", T0.AddMinutes(1)));
        await world.SendAsync(Completed("m-seal", T0.AddHours(1)));
        await world.WaitForAsync(await world.SendAsync(Paid("m-seal", T0.AddHours(2))), GigEventStatus.Applied);

        // Seal today as the hourly timer would just after the city's next midnight.
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var midnight = new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), shanghai.GetUtcOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue)));
        var sealer = new LedgerSealer(world.Hub.Get<LedgerStore>(), world.Hub.Get<IOptions<LedgerOptions>>(), new FakeTimeProvider(midnight.AddMinutes(1)), NullLogger<LedgerSealer>.Instance);
        Assert.Equal(1, await sealer.SealAsync());
        var key = LedgerStore.Key(today);
        var sealedDay = await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/ledger/{key}");
        var station = sealedDay.GetProperty("figures").GetProperty("station~" + TestRegistry.Station);
        Assert.Equal(0, station.GetProperty(GigWorkFigures.Subsidy).GetInt64());
        Assert.Equal(1, station.GetProperty("gig.ytd.match.paid").GetInt64());
        Assert.Equal(2, station.GetProperty(GigWorkFigures.PolicyVersion("chaoyang-2024")).GetInt64());
        var good = await new LedgerVerifier(world.Hub.Client).VerifyAsync();
        Assert.True(good.Ok, good.Reason);

        // A hub that seals, with a sound hash and Merkle root, a subsidy its own published counts do not earn.
        var table = world.Storage.Hub.Table(Tables.LedgerDays);
        var stored = (await table.GetEntityAsync<LedgerDayEntity>(LedgerDayEntity.SealedPartition, key)).Value;
        var forged = JsonNode.Parse(stored.Json)!.AsObject();
        forged["figures"]!["station~" + TestRegistry.Station]![GigWorkFigures.Subsidy] = 20_000_000;
        forged.Remove(DayHash.HashMember);
        using (var document = JsonDocument.Parse(forged.ToJsonString()))
        {
            forged["merkleRoot"] = Convert.ToHexStringLower(MerkleTree.Root(LedgerLeaf.Leaves(LedgerDay.LeavesOf(document.RootElement))));
        }

        using (var document = JsonDocument.Parse(forged.ToJsonString()))
        {
            forged[DayHash.HashMember] = DayHash.Compute(document.RootElement);
        }

        stored.Json = forged.ToJsonString();
        stored.Hash = (string)forged[DayHash.HashMember]!;
        await table.UpdateEntityAsync(stored, stored.ETag);

        var bad = await new LedgerVerifier(world.Hub.Client).VerifyAsync();

        Assert.False(bad.Ok);
        Assert.Equal(key, bad.FirstBadDay);
        Assert.Contains(GigWorkFigures.Subsidy, bad.Reason, StringComparison.Ordinal);
    }

    /// <summary>Waits until the hub is quiet (the events' queue drained), then until no event is received or pending; returns each one's status.</summary>
    private static async Task<Dictionary<string, JsonElement>> SettledAllAsync(HubScenario world, List<string> hubIds)
    {
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(180);
        var settled = new ConcurrentDictionary<string, JsonElement>();
        while (true)
        {
            while (await world.Storage.CountMessagesAsync(Queues.GigWorkEvents) > 0)
            {
                Assert.True(TimeProvider.System.GetUtcNow().UtcDateTime < deadline, "The gig-work queue never drained.");
            }

            await Parallel.ForEachAsync(hubIds.Where(id => !settled.ContainsKey(id)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            {
                var status = await world.StatusAsync(id);
                if (status.GetProperty("status").GetString() is GigEventStatus.Applied or GigEventStatus.Rejected)
                {
                    settled[id] = status;
                }
            });
            if (settled.Count == hubIds.Count)
            {
                return new Dictionary<string, JsonElement>(settled);
            }

            Assert.True(TimeProvider.System.GetUtcNow().UtcDateTime < deadline, $"{hubIds.Count - settled.Count} events never settled.");
        }
    }

    /// <summary>Polls an event's status resource (404 until the queue function records it) until it has the status.</summary>
    private static async Task<JsonElement> WaitForRecordAsync(HubScenario world, string hubId, string status)
    {
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, GigWorkWorld.Path + "/" + Uri.EscapeDataString(hubId));
            request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
            using var response = await world.Hub.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadFromJsonAsync<JsonElement>() is var found && found.GetProperty("status").GetString() == status)
            {
                return found;
            }

            Assert.True(TimeProvider.System.GetUtcNow().UtcDateTime < deadline, $"{hubId} never became {status}.");
        }
    }

    private static async Task AssertPoisonEmptyAsync(HubScenario world) =>
        Assert.Equal(0, await world.Storage.CountMessagesAsync(Queues.GigWorkEvents + Queues.PoisonSuffix));
}
