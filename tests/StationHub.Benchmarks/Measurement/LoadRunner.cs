using System.Collections.Concurrent;
using System.Diagnostics;

namespace StationHub.Benchmarks.Measurement;

/// <summary>
/// One operation of a load run, numbered from 0: null when it succeeded, otherwise a short
/// label of what went wrong ("HTTP 500", "TaskCanceledException").
/// </summary>
public delegate Task<string?> Operation(long number, CancellationToken cancellationToken);

/// <summary>What one load run did: successes per second, their latencies, and the failures by label.</summary>
public sealed record LoadResult(
    long Succeeded,
    IReadOnlyDictionary<string, int> Errors,
    double Seconds,
    double PerSecond,
    LatencySummary Latency,
    double PacerLagP99Ms)
{
    public int ErrorCount => Errors.Values.Sum();
}

/// <summary>Closed-loop and open-loop load, timed with <see cref="Stopwatch"/>.</summary>
public static class LoadRunner
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Closed loop: <paramref name="concurrency"/> loops, each starting its next operation when the
    /// last one ends, until <paramref name="duration"/> is up. Throughput counts successes over the
    /// time until the last loop ended. The successes' latencies are also added to <paramref name="latencies"/> when given
    /// (to summarise several runs as one).
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync(int concurrency, TimeSpan duration, Operation operation, long firstNumber = 0, List<double>? latencies = null)
    {
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = firstNumber - 1;
        var started = Stopwatch.GetTimestamp();

        async Task<List<double>> LoopAsync()
        {
            await Task.Yield();
            var latencies = new List<double>();
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var number = Interlocked.Increment(ref next);
                var at = Stopwatch.GetTimestamp();
                var error = await RunAsync(operation, number);
                if (error is null)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                }
                else
                {
                    errors.AddOrUpdate(error, 1, static (_, count) => count + 1);
                }
            }

            return latencies;
        }

        var loops = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => LoopAsync()));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = loops.SelectMany(list => list).ToList();
        latencies?.AddRange(all);
        return new LoadResult(all.Count, errors, seconds, all.Count / seconds, LatencySummary.Of(all), 0);
    }

    /// <summary>
    /// Open loop: starts operations at a fixed <paramref name="ratePerSecond"/> whether or not earlier
    /// ones have ended, for <paramref name="duration"/>. Latency runs from each operation's actual
    /// start; how late the pacer started them (its lag behind the schedule) is reported beside it. The successes'
    /// latencies are also added to <paramref name="latencies"/> when given.
    /// </summary>
    public static async Task<LoadResult> OpenLoopAsync(double ratePerSecond, TimeSpan duration, Operation operation, long firstNumber = 0, List<double>? latencies = null)
    {
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var total = (long)Math.Round(ratePerSecond * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / ratePerSecond;
        var running = new List<Task<double?>>((int)total);
        var lags = new List<double>((int)total);
        var started = Stopwatch.GetTimestamp();

        async Task<double?> OneAsync(long number)
        {
            var at = Stopwatch.GetTimestamp();
            var error = await RunAsync(operation, number);
            if (error is null)
            {
                return Stopwatch.GetElapsedTime(at).TotalMilliseconds;
            }

            errors.AddOrUpdate(error, 1, static (_, count) => count + 1);
            return null;
        }

        for (long i = 0; i < total; i++)
        {
            var due = started + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            lags.Add(Math.Max(0, Stopwatch.GetElapsedTime(due).TotalMilliseconds));
            running.Add(OneAsync(firstNumber + i));
        }

        var results = await Task.WhenAll(running);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var succeeded = results.Where(r => r is not null).Select(r => r!.Value).ToList();
        latencies?.AddRange(succeeded);
        return new LoadResult(succeeded.Count, errors, seconds, succeeded.Count / seconds, LatencySummary.Of(succeeded), LatencySummary.Of(lags).P99);
    }

    private static async Task<string?> RunAsync(Operation operation, long number)
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        try
        {
            return await operation(number, timeout.Token);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or Azure.RequestFailedException)
        {
            return exception is Azure.RequestFailedException failed ? $"storage {failed.Status}" : exception.GetType().Name;
        }
    }
}
