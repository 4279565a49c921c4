using System.Diagnostics;
using System.Globalization;
using Cronos;
using Microsoft.Extensions.Options;
using StationHub.Tenants;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using Xunit.Abstractions;

namespace StationHub.Tests.Platform;

/// <summary>
/// Storage requests of one idle local host per minute (issue 21: at most 60), counted by the hub itself
/// (<c>stationhub.storage.requests</c>): the polls of its empty queues, measured, and its timers, each run
/// counted and weighted by its schedule. The breakdown is written to the test output.
/// </summary>
public sealed class IdleCostTests(ITestOutputHelper output)
{
    private const double IdleLimit = 60;

    /// <summary>host.json's <c>maxPollingInterval</c>: how far an idle queue's polling backs off in production.</summary>
    private static readonly TimeSpan ProductionPollingInterval = TimeSpan.Parse(
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!["extensions"]!["queues"]!["maxPollingInterval"]!.GetValue<string>(),
        CultureInfo.InvariantCulture);

    /// <summary>The tests' back-off (<c>LocalHost:MaxPollingInterval</c>): a minute in production is this many times shorter here.</summary>
    private static readonly TimeSpan TestPollingInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task An_idle_host_makes_at_most_sixty_storage_requests_a_minute()
    {
        await using var world = await HubScenario.StartAsync();
        await world.QuietAsync(delayed: true);
        using var counter = new StorageRequestCounter(world.Hub);
        var listeners = HubTriggers.Queue.Select(function => function.Name).ToHashSet(StringComparer.Ordinal);
        int Polls(string function) => counter.Requests.Count(r => r.Function == function && r.Operation == "poll");

        // Every listener backed off to its longest interval (0.1, 0.2, 0.4, 0.8, then 1 s apart), then a
        // minute-equivalent counted: four polls of each queue at 1 s are four at 15 s, as in a minute of production.
        var pollsInAMinute = (int)(TimeSpan.FromMinutes(1) / ProductionPollingInterval);
        await Eventually.UntilAsync(() => listeners.All(name => Polls(name) >= 5), "every queue listener backed off");
        counter.Clear();
        var started = Stopwatch.GetTimestamp();
        await Eventually.UntilAsync(() => listeners.All(name => Polls(name) >= pollsInAMinute), "a minute's polls of every queue", TimeSpan.FromSeconds(60));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var polls = counter.Requests.Count(r => r.Operation == "poll");
        // A timer that comes due meanwhile (its run, and the claim of its occurrence) is counted below, from its schedule.
        var other = counter.Requests.Where(r => r.Operation != "poll" && r.Resource != Tables.TimerClaims && !HubTriggers.Timer.Any(t => t.Name == r.Function) && r.Function != RegistrySync.Caller).ToList();

        // The registry's version row (issue 23), read once per Registry:PollInterval whatever the load: counted
        // apart, at its own rate. While nothing changes it is one point read, never a read of the registry whole.
        var registryReads = counter.Requests.Where(r => r.Function == RegistrySync.Caller).ToList();
        Assert.All(registryReads, r => Assert.True(r.Resource.EndsWith(Tables.Registry, StringComparison.Ordinal) && r.Operation != "query", r.ToString()));
        var registryPerMinute = 60 / world.Hub.Get<IOptions<TenantOptions>>().Value.PollInterval.TotalSeconds;
        var minuteEquivalent = elapsed * (ProductionPollingInterval / TestPollingInterval);
        var pollsPerMinute = polls / minuteEquivalent.TotalMinutes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"polls: {polls} of {listeners.Count} queues in {elapsed.TotalSeconds:0.0} s at {TestPollingInterval.TotalSeconds:0} s, = {pollsPerMinute:0.0}/min at {ProductionPollingInterval.TotalSeconds:0} s"));
        Assert.True(other.Count == 0, "an idle host made other requests:\n" + string.Join("\n", other));

        // Each timer run once to warm what a running hub has warm (a sealed day read once per process), then
        // once counted; plus the claim of its occurrence (one insert per host and occurrence).
        var timersPerMinute = 0.0;
        var day = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var timer in HubTriggers.Timer)
        {
            await timer.RunAsync(world.Hub.Services);
            counter.Clear();
            await timer.RunAsync(world.Hub.Services);
            var perRun = counter.Requests.Count(r => r.Function == timer.Name) + 1;
            var runsPerMinute = CronExpression.Parse(timer.Schedule, CronFormat.IncludeSeconds).GetOccurrences(day, day.AddDays(1), fromInclusive: true, toInclusive: false).Count() / (24.0 * 60);
            timersPerMinute += perRun * runsPerMinute;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {timer.Name,-30} {timer.Schedule,-22} {perRun,3} per run × {runsPerMinute:0.000}/min = {perRun * runsPerMinute:0.00}/min"));
        }

        // The budget holds everything an idle host does: its polls, its timers and the registry's version row.
        var idle = pollsPerMinute + timersPerMinute + registryPerMinute;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle: {idle:0.0} requests/min ({pollsPerMinute:0.0} polls, {timersPerMinute:0.0} timers, "
            + $"{registryPerMinute:0.0} reads of the registry's version row; {registryReads.Count} read while counted)"));
        Assert.True(idle <= IdleLimit, string.Create(CultureInfo.InvariantCulture, $"idle: {idle:0.0} requests/min (target {IdleLimit})"));
    }
}
