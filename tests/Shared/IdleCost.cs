using System.Diagnostics;
using System.Globalization;
using Cronos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StationHub.Platform.Telemetry;
using StationHub.Tenants;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Testing;

/// <summary>
/// Storage requests of one idle in-process hub per minute (issue 21: at most 60), counted by the hub itself:
/// the polls of its empty queues, measured, and its timers, each run counted and weighted by its schedule.
/// The hub must poll with <c>LocalHost:MaxPollingInterval</c> = <see cref="TestPollingInterval"/>, its timers off (<see cref="TimerSettings.AllOff"/>): they are counted from their schedules, each run here, and one that came due while the polls are counted would bring in work of its own (a day sealed at :05 queues its witness requests).
/// Shared by IdleCostTests and the benchmark's costs part.
/// </summary>
/// The registry's version row (issue 23) is read once per <c>Registry:PollInterval</c> whatever the load:
/// counted at that rate (<see cref="RegistryPerMinute"/>; the reads seen are <see cref="RegistryReads"/>).
public sealed record IdleCost(double PollsPerMinute, double TimersPerMinute, double RegistryPerMinute, IReadOnlyList<StorageRequest> RegistryReads, IReadOnlyList<StorageRequest> Other, IReadOnlyList<string> Lines)
{
    /// <summary>host.json's <c>maxPollingInterval</c>: how far an idle queue's polling backs off in production.</summary>
    public static readonly TimeSpan ProductionPollingInterval = TimeSpan.Parse(
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepoPaths.HostJson))!["extensions"]!["queues"]!["maxPollingInterval"]!.GetValue<string>(),
        CultureInfo.InvariantCulture);

    /// <summary>The tests' back-off (<c>LocalHost:MaxPollingInterval</c>): a minute in production is this many times shorter here.</summary>
    public static readonly TimeSpan TestPollingInterval = TimeSpan.FromSeconds(1);

    /// <summary>Everything an idle host does: its polls, its timers and the registry's version row.</summary>
    public double PerMinute => PollsPerMinute + TimersPerMinute + RegistryPerMinute;

    /// <summary>Measures a quiet hub whose requests <paramref name="counter"/> counts (it is cleared on the way).</summary>
    public static async Task<IdleCost> MeasureAsync(IServiceProvider hub, StorageRequestCounter counter, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        var listeners = HubTriggers.Queue.Select(function => function.Name).ToHashSet(StringComparer.Ordinal);
        int Polls(string function) => counter.Requests.Count(r => r.Function == function && r.Operation == StorageRequestMetrics.PollOperation);

        // Every listener backed off to its longest interval (0.1, 0.2, 0.4, 0.8, then 1 s apart), then at least four
        // polls of each queue timed and scaled: polls at 1 s stand for as many at host.json's interval (four at 60 s
        // are four minutes of production).
        var pollsCounted = Math.Max(4, (int)(TimeSpan.FromMinutes(1) / ProductionPollingInterval));
        await Eventually.UntilAsync(() => listeners.All(name => Polls(name) >= 5), "every queue listener backed off", timeout);
        counter.Clear();
        var started = Stopwatch.GetTimestamp();
        await Eventually.UntilAsync(() => listeners.All(name => Polls(name) >= pollsCounted), "four polls of every queue", timeout);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var polls = counter.Requests.Count(r => r.Operation == StorageRequestMetrics.PollOperation);

        // A timer that comes due meanwhile (its run, and the claim of its occurrence) is counted below, from its schedule.
        var other = counter.Requests.Where(r => r.Operation != StorageRequestMetrics.PollOperation && r.Resource != Tables.TimerClaims && !HubTriggers.Timer.Any(t => t.Name == r.Function) && r.Function != RegistrySync.Caller).ToList();
        var registryReads = counter.Requests.Where(r => r.Function == RegistrySync.Caller).ToList();
        var registryPerMinute = 60 / hub.GetRequiredService<IOptions<TenantOptions>>().Value.PollInterval.TotalSeconds;
        var minuteEquivalent = elapsed * (ProductionPollingInterval / TestPollingInterval);
        var pollsPerMinute = polls / minuteEquivalent.TotalMinutes;
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"polls: {polls} of {listeners.Count} queues in {elapsed.TotalSeconds:0.0} s at {TestPollingInterval.TotalSeconds:0} s, = {pollsPerMinute:0.0}/min at {ProductionPollingInterval.TotalSeconds:0} s"));

        // Each timer run once to warm what a running hub has warm (a sealed day read once per process), then
        // once counted; plus the claim of its occurrence (one insert per host and occurrence).
        var timersPerMinute = 0.0;
        var day = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var timer in HubTriggers.Timer)
        {
            await timer.RunAsync(hub);
            counter.Clear();
            await timer.RunAsync(hub);
            var perRun = counter.Requests.Count(r => r.Function == timer.Name) + 1;
            var runsPerMinute = CronExpression.Parse(timer.Schedule, CronFormat.IncludeSeconds).GetOccurrences(day, day.AddDays(1), fromInclusive: true, toInclusive: false).Count() / (24.0 * 60);
            timersPerMinute += perRun * runsPerMinute;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {timer.Name,-30} {timer.Schedule,-22} {perRun,3} per run × {runsPerMinute:0.000}/min = {perRun * runsPerMinute:0.00}/min"));
        }

        var idle = pollsPerMinute + timersPerMinute + registryPerMinute;
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"idle: {idle:0.0} requests/min ({pollsPerMinute:0.0} polls, {timersPerMinute:0.0} timers, "
            + $"{registryPerMinute:0.0} reads of the registry's version row; {registryReads.Count} read while counted)"));
        return new IdleCost(pollsPerMinute, timersPerMinute, registryPerMinute, registryReads, other, lines);
    }
}
