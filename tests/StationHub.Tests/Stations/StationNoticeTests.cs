using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using static StationHub.Tests.Stations.StationStatusFlowTests;

namespace StationHub.Tests.Stations;

/// <summary>
/// <c>station.status_changed</c> over real HTTP: one webhook-id carries one body, the state that was
/// written, however reports race; a flapping station is told at most once per window, the last state
/// always; and a sender whose clock runs ahead does not pin a station against its live reports.
/// </summary>
[RunsLong(38)]
public sealed class StationNoticeTests
{
    private const string StatusEvent = "station.status_changed";

    [Fact]
    public async Task Racing_reports_with_one_observedAt_send_one_body_per_webhook_id_and_it_is_the_state_written()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["Stations:NoticeWindow"] = "00:00:00");
        var start = TimeProvider.System.GetUtcNow().AddMinutes(-4);
        var written = new List<(string ObservedAt, bool Open, int Free)>();

        for (var trial = 0; trial < 12; trial++)
        {
            // Two reports of one instant, with the same signal (open or closed, chargers "some") but other counts.
            var at = start.AddSeconds(trial * 10);
            var open = trial % 2 == 0;
            var race = await Task.WhenAll(
                PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(open, 3, 8, at)),
                PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(open, 5, 8, at)));
            var answers = new List<JsonElement>();
            foreach (var response in race)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answers.Add(await response.Content.ReadFromJsonAsync<JsonElement>());
                response.Dispose();
            }

            var applied = Assert.Single(answers, a => a.GetProperty("applied").GetBoolean());
            written.Add((Iso(at), open, applied.GetProperty("chargers").GetProperty("free").GetInt32()));
            await world.Platform.WaitForAsync(r => Notices(r).Any(n => n.Data.GetProperty("observedAt").GetString() == Iso(at)));
        }

        await world.QuietAsync(delayed: true);
        var notices = Notices(world.Platform.All);
        foreach (var sameId in notices.GroupBy(n => n.WebhookId))
        {
            Assert.Single(sameId.Select(n => n.Body).Distinct());
        }

        foreach (var (observedAt, open, free) in written)
        {
            var told = notices.Where(n => n.Data.GetProperty("observedAt").GetString() == observedAt).Select(n => n.Data).ToList();
            Assert.NotEmpty(told);
            Assert.All(told, data =>
            {
                Assert.Equal(open ? "open" : "closed", data.GetProperty("status").GetString());
                Assert.Equal(free, data.GetProperty("chargers").GetProperty("free").GetInt32());
            });
        }
    }

    [Fact]
    public async Task A_wake_up_that_runs_before_its_write_lands_looks_again_and_the_state_is_told()
    {
        // The wake-up is queued before the station's row is written, so on a busy host it can run first,
        // find nothing to tell, and leave; the write then lands recording a wake-up "on its way", and no later
        // write queues another. Staged here in that order: the wake-up runs, then the write lands.
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var notices = world.Storage.Hub.Queue(Queues.StationNotices);
        var handler = world.Hub.Get<StationHub.Stations.StationNotices>();
        var now = world.Clock.GetUtcNow();
        var early = new StationHub.Stations.StationNoticeDue(StationHub.Stations.StationNoticeDue.CurrentSchemaVersion, "msg_early", now, TestRegistry.Station, 0, now);
        await handler.HandleAsync(BinaryData.FromObjectAsJson(early, StationHub.Platform.Json.HubJsonContext.Default.StationNoticeDue));

        using (var put = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 4, 8, now)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // The write's own wake-up is the one that already ran: take it away.
        var queued = (await notices.ReceiveMessagesAsync(32)).Value;
        var own = Assert.Single(queued);
        await notices.DeleteMessageAsync(own.MessageId, own.PopReceipt);

        // What is left is the early wake-up's second look, due once the write must have landed; it tells the state.
        var again = await Eventually.UntilAsync(
            async () => (await notices.ReceiveMessagesAsync(1)).Value,
            messages => messages.Length == 1,
            _ => "the early wake-up did not look again: the station's state would never be told",
            StationHub.Stations.StationNotices.WriteMayLandWithin + TimeSpan.FromSeconds(20));
        await handler.HandleAsync(again[0].Body);
        var row = await world.Hub.Get<StationHub.Stations.StationStatusStore>().FindAsync(TestRegistry.Station);
        Assert.Equal(1, row!.NoticeSeq);
        Assert.Null(row.NoticeWakeAt);
        Assert.True((await world.Storage.PeekDeliveriesAsync()).Count > 0, "no notice was sent");
    }

    [Fact]
    public async Task A_station_toggled_sixty_times_in_three_seconds_is_told_at_most_once_per_window_and_the_last_state_arrives()
    {
        await using var world = await HubScenario.StartAsync();
        var start = TimeProvider.System.GetUtcNow().AddSeconds(-5);

        var toggling = System.Diagnostics.Stopwatch.StartNew();

        // 60 reports, closed and open in turn, 50 ms apart in observation; the last one (open, no charger
        // free) is a signal none before it had, so it must be told.
        for (var i = 0; i < 60; i++)
        {
            using var response = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(i % 2 == 1, i == 59 ? 0 : 2, 8, start.AddMilliseconds(i * 50)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        toggling.Stop();
        var last = Iso(start.AddMilliseconds(59 * 50));
        await world.Platform.WaitForAsync(r => Notices(r).Any(n => n.Data.GetProperty("observedAt").GetString() == last), TimeSpan.FromSeconds(40));
        await world.QuietAsync(delayed: true);

        var notices = Notices(world.Platform.All).DistinctBy(n => n.WebhookId).OrderBy(n => n.Timestamp).ToList();
        // One at the start, one per window the toggling lasted (a loaded machine stretches the 60 PUTs), the last state's.
        Assert.InRange(notices.Count, 1, 2 + (int)(toggling.Elapsed / TimeSpan.FromSeconds(10)));
        var final = notices[^1].Data;
        Assert.Equal(last, final.GetProperty("observedAt").GetString());
        Assert.Equal("open", final.GetProperty("status").GetString());
        Assert.Equal(0, final.GetProperty("chargers").GetProperty("free").GetInt32());
        for (var i = 1; i < notices.Count; i++)
        {
            Assert.True(notices[i].Timestamp - notices[i - 1].Timestamp >= TimeSpan.FromSeconds(10), $"notices {i - 1} and {i} came {notices[i].Timestamp - notices[i - 1].Timestamp} apart");
        }

        Assert.Empty(world.OtherPlatform.All);
    }

    [Fact]
    public async Task A_report_from_a_clock_five_minutes_ahead_does_not_pin_the_station_against_its_live_reports()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var now = TimeProvider.System.GetUtcNow();

        using var ahead = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(false, 0, 8, now.AddMinutes(4.5)));
        using var live = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 6, 8, TimeProvider.System.GetUtcNow()));
        using var retried = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 6, 8, DateTimeOffset.Parse(Iso(TimeProvider.System.GetUtcNow().AddSeconds(-30)), System.Globalization.CultureInfo.InvariantCulture)));

        Assert.True((await ahead.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").GetBoolean());
        var answer = await live.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("applied").GetBoolean());
        Assert.True(answer.GetProperty("open").GetBoolean());
        Assert.Equal(6, answer.GetProperty("chargers").GetProperty("free").GetInt32());

        // Older than the live report: still nothing changes.
        Assert.False((await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").GetBoolean());
        var properties = (await FeatureAsync(world, TestRegistry.Station)).GetProperty("properties");
        Assert.Equal("open", properties.GetProperty("status").GetString());
    }

    private sealed record Notice(string WebhookId, string Body, JsonElement Data, DateTimeOffset Timestamp);

    private static List<Notice> Notices(IEnumerable<Received> received) =>
        [.. received.Where(r => r.Text.Contains(StatusEvent, StringComparison.Ordinal)).Select(r =>
        {
            var root = JsonDocument.Parse(r.Body).RootElement;
            return new Notice(r.WebhookId, r.Text, root.GetProperty("data").Clone(), root.GetProperty("timestamp").GetDateTimeOffset());
        })];
}
