using System.Globalization;
using Azure.Data.Tables;
using Cronos;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.LocalHost.Hosting;

/// <summary>
/// Runs one timer-triggered function on its six-field NCRONTAB schedule (UTC, parsed by
/// Cronos). Each occurrence is claimed in the <c>TimerClaims</c> table before it runs, so with
/// several hosts it runs once, as with the Functions singleton lock; an occurrence missed while
/// every host was down runs once at start-up (Functions' <c>IsPastDue</c>).
/// </summary>
public sealed partial class TimerTriggerScheduler(
    TimerFunction function,
    HubStorage storage,
    IServiceProvider services,
    TimeProvider time,
    ILogger<TimerTriggerScheduler> logger,
    HubActivity activity) : BackgroundService
{
    private readonly CronExpression schedule = CronExpression.Parse(function.Schedule, CronFormat.IncludeSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The next occurrence follows the last one, not the clock: a tick that passes while the
        // loop is busy (catching up at start included) runs late rather than never; the claim keeps
        // it once. A backlog of several runs once.
        var last = time.GetUtcNow().UtcDateTime;
        try
        {
            await CatchUpAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = schedule.GetNextOccurrence(last, inclusive: false);
                if (next is null)
                {
                    return;
                }

                var now = time.GetUtcNow().UtcDateTime;
                if (next.Value > now)
                {
                    await Task.Delay(next.Value - now, time, stoppingToken);
                }
                else if (schedule.GetNextOccurrence(next.Value, inclusive: false) is { } after && after <= now)
                {
                    next = schedule.GetOccurrences(next.Value, now, fromInclusive: true, toInclusive: true).Last();
                }

                await RunOnceAsync(new DateTimeOffset(next.Value), pastDue: next.Value < now, stoppingToken);
                last = next.Value;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CatchUpCoreAsync(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Storage away at start: the next occurrence runs on schedule; a throw here would stop the host.
            Log.Failed(logger, exception, function.Name, time.GetUtcNow());
        }
    }

    private async Task CatchUpCoreAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var previous = schedule.GetOccurrences(now.UtcDateTime.AddDays(-7), now.UtcDateTime, fromInclusive: true, toInclusive: true).LastOrDefault();
        if (previous == default)
        {
            return;
        }

        var last = await LastClaimAsync(cancellationToken);
        if (last is { } claimed && claimed < new DateTimeOffset(previous))
        {
            await RunOnceAsync(new DateTimeOffset(previous), pastDue: true, cancellationToken);
        }
        else if (last is null)
        {
            // First start ever: record where the schedule stands without running.
            await TryClaimAsync(new DateTimeOffset(previous), cancellationToken);
        }
    }

    private async Task RunOnceAsync(DateTimeOffset occurrence, bool pastDue, CancellationToken cancellationToken)
    {
        using var run = activity.Begin();
        try
        {
            if (!await TryClaimAsync(occurrence, cancellationToken))
            {
                Log.ClaimedElsewhere(logger, function.Name, occurrence);
                return;
            }

            Log.Running(logger, function.Name, occurrence, pastDue);
            await function.RunAsync(services, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            Log.Failed(logger, exception, function.Name, occurrence);
        }
    }

    private Task<bool> TryClaimAsync(DateTimeOffset occurrence, CancellationToken cancellationToken) =>
        Claims.TryAddAsync(new TableEntity(function.Name, RowFor(occurrence)) { ["Occurrence"] = occurrence }, cancellationToken);

    private async Task<DateTimeOffset?> LastClaimAsync(CancellationToken cancellationToken)
    {
        // Rows are keyed newest-first, so the first row of the partition is the latest claim.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {function.Name}");
        await foreach (var entity in Claims.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return entity.GetDateTimeOffset("Occurrence");
        }

        return null;
    }

    private TableClient Claims => storage.Table(Tables.TimerClaims);

    private static string RowFor(DateTimeOffset occurrence) =>
        (DateTimeOffset.MaxValue.UtcTicks - occurrence.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Timer {Function} running for {Occurrence:o} (past due: {PastDue})")]
        public static partial void Running(ILogger logger, string function, DateTimeOffset occurrence, bool pastDue);

        [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Timer {Function} occurrence {Occurrence:o} was taken by another host")]
        public static partial void ClaimedElsewhere(ILogger logger, string function, DateTimeOffset occurrence);

        [LoggerMessage(EventId = 9103, Level = LogLevel.Error, Message = "Timer {Function} failed for {Occurrence:o}")]
        public static partial void Failed(ILogger logger, Exception exception, string function, DateTimeOffset occurrence);
    }
}
