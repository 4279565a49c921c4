using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using static StationHub.Tests.GigWork.GigWorkWorld;

namespace StationHub.Tests.GigWork;

/// <summary>Gig work over real HTTP with real signatures: in order, out of order, repeated, impossible.</summary>
public sealed class GigWorkFlowTests
{
    [Fact]
    public async Task A_day_of_gig_work_is_applied_and_its_effect_counted_on_the_ledger()
    {
        await using var world = await HubScenario.StartAsync();
        var ids = new List<string>
        {
            await world.SendAsync(Job("j-1", workersWanted: 4)),
            await world.SendAsync(Made("m-1", "j-1", "worker-1", T0.AddMinutes(10))),
            await world.SendAsync(Completed("m-1", T0.AddHours(3))),
            await world.SendAsync(Paid("m-1", T0.AddHours(3).AddMinutes(30), 18_000)),
            await world.SendAsync(Made("m-2", "j-1", "worker-2", T0.AddMinutes(20))),
            await world.SendAsync(Completed("m-2", T0.AddHours(4))),
            await world.SendAsync(Paid("m-2", T0.AddHours(7), 20_000)),
            await world.SendAsync(Made("m-3", "j-1", "worker-3", T0.AddMinutes(30))),
            await world.SendAsync(Cancelled("m-3")),
        };

        var statuses = await world.SettledAsync([.. ids]);

        Assert.All(statuses.Values, s => Assert.Equal("applied", s.GetProperty("status").GetString()));
        var figures = await world.TodaysStationFiguresAsync();
        Assert.Equal(1, figures["gig.job.posted"]);
        Assert.Equal(4, figures["gig.workers-wanted"]);
        Assert.Equal(3, figures["gig.match.made"]);
        Assert.Equal(2, figures["gig.match.completed"]);
        Assert.Equal(2, figures["gig.match.paid"]);
        Assert.Equal(1, figures["gig.match.cancelled"]);
        Assert.Equal(38_000, figures["gig.wages-paid-fen"]);
        Assert.Equal(2, figures["gig.pay-sample"]);
        Assert.Equal(1, figures["gig.paid-within-2h"]);
        Assert.Equal(5_000, figures["gig.paid-within-2h-share-bp"]);
        Assert.Equal((30 + 180) / 2, figures["gig.pay-median-minutes"]);
        Assert.Equal(2, figures["gig.ytd.matches"]);
        Assert.Equal(4, figures["gig.ytd.workers-wanted"]);
    }

    [Fact]
    public async Task Events_that_arrive_before_their_match_wait_and_are_applied_when_it_comes()
    {
        await using var world = await HubScenario.StartAsync();
        var paid = await world.SendAsync(Paid("m-late", T0.AddHours(2), 15_000));
        var completed = await world.SendAsync(Completed("m-late", T0.AddHours(1)));

        Assert.Equal("pending", (await world.WaitForAsync(paid, "pending")).GetProperty("status").GetString());
        Assert.Equal("pending", (await world.WaitForAsync(completed, "pending")).GetProperty("status").GetString());

        var made = await world.SendAsync(Made("m-late", "j-late", "worker-7", T0.AddMinutes(5)));
        var waiting = await world.WaitForAsync(made, "pending");
        Assert.Contains("gig_job.posted", waiting.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var job = await world.SendAsync(Job("j-late", postedAt: T0));
        var statuses = await world.SettledAsync(job);
        await world.WaitForAsync(paid, "applied");
        await world.WaitForAsync(completed, "applied");
        await world.WaitForAsync(made, "applied");

        Assert.Equal("applied", statuses[job].GetProperty("status").GetString());
        var figures = await world.TodaysStationFiguresAsync();
        Assert.Equal(1, figures["gig.match.made"]);
        Assert.Equal(1, figures["gig.match.paid"]);
        Assert.Equal(60, figures["gig.pay-median-minutes"]);
        Assert.Equal(10_000, figures["gig.paid-within-2h-share-bp"]);
    }

    [Fact]
    public async Task A_repeated_event_gets_the_first_answer_and_counts_once()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-r"));
        var body = Made("m-r", "j-r", "worker-1", T0.AddMinutes(1));

        using var first = await world.PostAsync(body, webhookId: "msg_same");
        using var sameWebhook = await world.PostAsync(body, webhookId: "msg_same");
        using var sameMatch = await world.PostAsync(body);

        PlatformRetries.AssertAccepted(first);
        Assert.Equal(HttpStatusCode.OK, sameWebhook.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sameMatch.StatusCode);
        var answer = await first.Content.ReadAsStringAsync();
        Assert.Equal(answer, await sameWebhook.Content.ReadAsStringAsync());
        Assert.Equal(answer, await sameMatch.Content.ReadAsStringAsync());
        await world.WaitForAsync("made~m-r", "applied");
        Assert.Equal(1, (await world.TodaysStationFiguresAsync())["gig.match.made"]);
    }

    [Fact]
    public async Task Impossible_sequences_are_rejected_with_the_reason_recorded()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-x", postedAt: T0));

        // Paid (by its timestamp) before the match was made: it waits for made, then is rejected.
        var paidEarly = await world.SendAsync(Paid("m-a", T0.AddMinutes(1)));
        await world.SendAsync(Made("m-a", "j-x", "worker-1", T0.AddMinutes(30)));

        // Cancelled, then completed.
        await world.SendAsync(Made("m-b", "j-x", "worker-2", T0.AddMinutes(30)));
        await world.WaitForAsync("made~m-b", "applied");
        await world.SendAsync(Cancelled("m-b"));
        await world.WaitForAsync("cancelled~m-b", "applied");
        var completedLate = await world.SendAsync(Completed("m-b", T0.AddHours(2)));

        // Made before its job was posted; what waited for it is rejected with it.
        var madeEarly = await world.SendAsync(Made("m-c", "j-x", "worker-3", T0.AddMinutes(-5)));
        var rejected = await world.WaitForAsync(paidEarly, "rejected");

        Assert.Equal("Paid before the match was made.", rejected.GetProperty("reason").GetString());
        Assert.Equal("Completed after the match was cancelled.", (await world.WaitForAsync(completedLate, "rejected")).GetProperty("reason").GetString());
        Assert.Equal("Matched before its job was posted.", (await world.WaitForAsync(madeEarly, "rejected")).GetProperty("reason").GetString());
        var figures = await world.TodaysStationFiguresAsync();
        Assert.Equal(2, figures["gig.match.made"]);
        Assert.False(figures.ContainsKey("gig.match.paid"));
        Assert.False(figures.ContainsKey("gig.match.completed"));
    }

    [Fact]
    public async Task A_worker_matched_again_at_the_station_within_30_days_counts_as_coming_back()
    {
        await using var world = await HubScenario.StartAsync();
        // A worker is matched to a job once, so each match here is on its own job (times within the hub's 30-day window).
        await world.SendAsync(Job("j-1", postedAt: T0.AddDays(-20)));
        await world.SendAsync(Job("j-2", postedAt: T0.AddDays(-20)));
        await world.SendAsync(Job("j-3", postedAt: T0.AddDays(-20)));
        await world.SendAsync(Made("m-1", "j-1", "worker-1", T0.AddDays(-10)));
        await world.WaitForAsync("made~m-1", "applied");
        await world.SendAsync(Made("m-2", "j-2", "worker-1", T0));
        await world.SendAsync(Made("m-3", "j-3", "worker-2", T0));
        await world.WaitForAsync("made~m-2", "applied");
        await world.WaitForAsync("made~m-3", "applied");

        var figures = await world.TodaysStationFiguresAsync();
        // m-2 comes back within 30 days of m-1; m-1 and worker-2 are new.
        Assert.Equal(3, figures["gig.match.made"]);
        Assert.Equal(1, figures["gig.match.returning"]);
        Assert.Equal(3_333, figures["gig.repeat-share-bp"]);
        Assert.Equal(3_333, figures["gig.ytd.repeat-share-bp"]);
    }

    [Fact]
    public async Task The_worker_id_never_reaches_storage_or_the_ledger()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-p"));
        await world.SendAsync(Made("m-p", "j-p", "worker-secret-9", T0.AddMinutes(1)));
        await world.WaitForAsync("made~m-p", "applied");

        var stored = new List<string>();
        await foreach (var entity in world.Storage.Hub.Table(Tables.GigWork).QueryAsync<TableEntity>())
        {
            stored.Add(JsonSerializer.Serialize(entity));
        }

        stored.AddRange((await world.Storage.LedgerEntriesAsync()).Select(e => JsonSerializer.Serialize(e)));
        Assert.NotEmpty(stored);
        Assert.All(stored, text => Assert.DoesNotContain("worker-secret-9", text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_public_standings_show_each_stations_year_beside_its_subsidy()
    {
        await using var world = await HubScenario.StartAsync();
        await world.SendAsync(Job("j-s", workersWanted: 6));
        await world.SendAsync(Made("m-s", "j-s", "worker-1", T0.AddMinutes(1)));
        await world.WaitForAsync("made~m-s", "applied");
        await world.TodaysStationFiguresAsync();

        var standings = await world.Hub.Client.GetFromJsonAsync<JsonElement>("api/v1/gig-work/stations");
        var page = await world.Hub.Client.GetStringAsync("ledger");

        var station = standings.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("stationId").GetString() == TestRegistry.Station);
        Assert.Equal(6, station.GetProperty("workersWanted").GetInt64());
        Assert.Equal(1, station.GetProperty("matches").GetInt64());
        Assert.Equal(0, station.GetProperty("subsidyFen").GetInt64());
        Assert.Equal(50_000_000, station.GetProperty("capFen").GetInt64());
        Assert.Equal("chaoyang-2024", station.GetProperty("policyId").GetString());
        Assert.Contains("Gig work", page, StringComparison.Ordinal);
    }
}
