using StationHub.LocalHost.Hosting;
using StationHub.Tests.Faults;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The local host's listeners take the messages their own hub sends when they become visible, not at their next poll
/// (<see cref="StationHub.Platform.Storage.QueueSends"/>): here every idle queue is polled once, then not again for five
/// minutes, and a report still reaches the city across two queues in seconds, and a delivery the city refused once is tried
/// again on its schedule.
/// </summary>
public sealed class QueueWakeUpTests
{
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan WellBeforeNextPoll = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_report_crosses_two_idle_queues_without_waiting_for_their_next_poll()
    {
        await using var world = await BackedOffAsync();

        var hubId = await world.AcceptReportAsync("r-wake-1");

        var received = await world.City.WaitForAsync(all => MixedStream.ReportSubjects(all).Contains(hubId), WellBeforeNextPoll);
        Assert.Single(received);
    }

    [Fact]
    public async Task A_delivery_refused_once_is_tried_again_when_its_retry_becomes_visible()
    {
        await using var world = await BackedOffAsync();
        world.City.AnswerWith(n => new Reply(n == 0 ? 503 : 200));

        var hubId = await world.AcceptReportAsync("r-wake-2");

        // The retry (a second message, hidden for the schedule's first second) is taken when it shows, not five minutes on.
        var received = await world.City.WaitForAsync(all => MixedStream.ReportSubjects(all).Contains(hubId), WellBeforeNextPoll);
        Assert.Single(received);
        Assert.Equal(2, world.City.Arrived);
    }

    [Fact]
    public void Every_watcher_of_a_queue_is_told_of_its_sends_and_one_that_stopped_watching_is_told_no_more()
    {
        var sends = new StationHub.Platform.Storage.QueueSends();
        var first = new List<TimeSpan>();
        var second = new List<TimeSpan>();
        using var watchingFirst = sends.Watch("deliveries", first.Add);
        var watchingSecond = sends.Watch("deliveries", second.Add);

        sends.Sent("deliveries", TimeSpan.Zero);
        sends.Sent("hazard-reports-accepted", TimeSpan.Zero);
        watchingSecond.Dispose();
        sends.Sent("deliveries", TimeSpan.FromSeconds(1));

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1)], first);
        Assert.Equal([TimeSpan.Zero], second);
    }

    /// <summary>A world whose every queue listener has polled once and waits five minutes for the next poll.</summary>
    private static async Task<HubScenario> BackedOffAsync()
    {
        var world = await HubScenario.StartAsync(configure: settings =>
        {
            settings[HubHost.MaxPollingIntervalSetting] = NoPoll.ToString("c");
            settings[HubHost.MinPollingIntervalSetting] = NoPoll.ToString("c");
        });
        try
        {
            // Each listener's receive is one run begun (and ended when nothing came): an idle hub begins no other.
            var listeners = HubTriggers.Queue.Count();
            await Eventually.UntilAsync(() => world.Hub.Activity.Started >= listeners && world.Hub.Activity.Running == 0, "every queue polled once");
            Assert.Equal(listeners, world.Hub.Activity.Started);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }
}
