using System.Globalization;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using Xunit.Abstractions;

namespace StationHub.Tests.Platform;

/// <summary>
/// Storage requests of one idle local host per minute (issue 21: at most 60), counted by the hub itself
/// (<c>stationhub.storage.requests</c>), as <see cref="IdleCost"/> measures them (the benchmark's costs part
/// measures the same way). The breakdown is written to the test output.
/// </summary>
[RunsLong(15)]
public sealed class IdleCostTests(ITestOutputHelper output)
{
    private const double IdleLimit = 60;

    [Fact]
    public async Task An_idle_host_makes_at_most_sixty_storage_requests_a_minute()
    {
        // The world's timers are off, as IdleCost needs: it runs each itself and counts it by its schedule.
        await using var world = await HubScenario.StartAsync();
        await world.QuietAsync(delayed: true);
        using var counter = new StorageRequestCounter(world.Hub.Services);
        var idle = await IdleCost.MeasureAsync(world.Hub.Services, counter, TimeSpan.FromSeconds(60));
        foreach (var line in idle.Lines)
        {
            output.WriteLine(line);
        }

        Assert.True(idle.Other.Count == 0, "an idle host made other requests:\n" + string.Join("\n", idle.Other));

        // The registry's version row (issue 23), in the sum at its own rate: while nothing changes it is one point read, never a read of the registry whole.
        Assert.All(idle.RegistryReads, r => Assert.True(r.Resource.EndsWith(Tables.Registry, StringComparison.Ordinal) && r.Operation != "query", r.ToString()));
        Assert.True(idle.PerMinute <= IdleLimit, string.Create(CultureInfo.InvariantCulture, $"idle: {idle.PerMinute:0.0} requests/min (target {IdleLimit})"));
    }
}
