using StationHub.LocalHost.Hosting;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Faults;

/// <summary>
/// A host killed with SIGKILL in the middle of a steady mixed stream (reports, points, pickup
/// orders), while it holds requests and queue messages: alone and started again, or beside a
/// second host on the same queues that carries on alone. The platform retries what got no answer,
/// with the same webhook-id; every item the hub accepted is delivered or applied exactly once.
/// </summary>
[RunsLong(19)]
public sealed class HostCrashTests
{
    // Messages a killed host held come back when their lease runs out: short, so they come back soon.
    private const string QueueLease = "00:00:05";

    // The city holds each delivery this long, so the host to be killed has deliveries in flight.
    private static readonly TimeSpan CityDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_host_killed_mid_stream_and_restarted_applies_every_accepted_item_once()
    {
        await using var world = await HubScenario.StartAsync(startHub: false, configure: s => s[HubHost.QueueLeaseSetting] = QueueLease);
        world.City.AnswerWith(_ => new Reply(200, Delay: CityDelay));
        var stream = MixedStream.Create(world, "kill");
        await using var host = await ChildHost.StartAsync(world.Settings);
        using var client = ClientFor(host);

        var sending = stream.SendAsync(client, stream.Count * 2 / 3, Pace);
        await world.City.WaitForArrivalsAsync(2);
        host.Kill();
        await sending;

        // The stream goes on to the host started again (on an address of its own), and the platform
        // retries what got no answer.
        await using var restarted = await ChildHost.StartAsync(world.Settings);
        using var again = ClientFor(restarted);
        await stream.SendAsync(again, pace: Pace);
        await stream.RetryUntilAcceptedAsync(again);

        await stream.AssertEachAppliedOnceAsync(again);
    }

    [Fact]
    public async Task Two_hosts_on_the_same_queues_one_killed_mid_stream_the_other_applies_every_accepted_item_once()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s[HubHost.QueueLeaseSetting] = QueueLease);
        world.City.AnswerWith(_ => new Reply(200, Delay: CityDelay));
        var stream = MixedStream.Create(world, "two");
        await using var doomed = await ChildHost.StartAsync(world.Settings);
        using var doomedClient = ClientFor(doomed);

        // The stream spread over both hosts; one dies with requests and deliveries in flight.
        var sending = stream.SendAsync([world.Hub.Client, doomedClient], stream.Count * 2 / 3, Pace);
        await world.City.WaitForArrivalsAsync(4);
        doomed.Kill();
        await sending;

        // The rest of the stream, and the retries of what the dead host did not answer, go to the one still up.
        await stream.SendAsync(world.Hub.Client, pace: Pace);
        await stream.RetryUntilAcceptedAsync(world.Hub.Client);

        await stream.AssertEachAppliedOnceAsync(world.Hub.Client);
    }

    private static HttpClient ClientFor(ChildHost host) => new() { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
}
