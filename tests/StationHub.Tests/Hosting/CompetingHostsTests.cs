using StationHub.Tests.Faults;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Hosting;

/// <summary>
/// Hosts sharing one storage account: competing consumers and a graceful stop with work in flight
/// (hosts killed with SIGKILL: Faults/HostCrashTests).
/// </summary>
[RunsLong(12)]
public sealed class CompetingHostsTests
{
    [Fact]
    public async Task Two_hosts_on_the_same_queues_apply_every_item_once_and_repeat_only_by_webhook_id()
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        world.City.AnswerWith(_ => new Reply(200, Delay: TimeSpan.FromMilliseconds(50)));
        var stream = MixedStream.Create(world, "two", perFlow: 8);

        await stream.SendAsync([world.Hub.Client, second.Client]);

        Assert.Equal(stream.Count, stream.AcceptedCount);
        await stream.AssertEachAppliedOnceAsync(world.Hub.Client);
    }

    [Fact]
    public async Task A_host_stopped_with_deliveries_in_flight_leaves_them_for_the_next_host()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(n => new Reply(200, Delay: TimeSpan.FromSeconds(n < 3 ? 20 : 0)));
        var hubIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            hubIds.Add(await world.AcceptReportAsync($"r-stop-{i}"));
        }

        // The three deliveries are in flight, held by the city, when the host stops.
        await world.City.WaitForArrivalsAsync(3);
        await world.Hub.DisposeAsync();
        await world.StartHubAsync();

        var received = await world.City.WaitForAsync(r => MixedStream.ReportSubjects(r).ToHashSet().SetEquals(hubIds), TimeSpan.FromSeconds(60));
        Assert.Equal(hubIds.ToHashSet(), MixedStream.ReportSubjects(received).ToHashSet());
    }
}
