using System.Globalization;
using StationHub.Benchmarks.Measurement;
using StationHub.Testing;

namespace StationHub.Benchmarks.HazardReports;

/// <summary>The hub and the limit at one concurrency, in one run.</summary>
public sealed record IntakeLevelRun(int Concurrency, LoadResult Hub, LoadResult Limit, CpuShares HubCpu, CpuShares LimitCpu)
{
    /// <summary>Hub reports per second over limit (queue send + table insert) pairs per second.</summary>
    public double Ratio => Limit.PerSecond > 0 ? Hub.PerSecond / Limit.PerSecond : double.NaN;
}

/// <summary>One sweep over every concurrency, on a fresh Azurite and host.</summary>
public sealed record IntakeSweep(int Run, IReadOnlyList<IntakeLevelRun> Levels, long Messages, long HostPeakRssBytes, long HostMaxSampledRssBytes, SizeCheck Sizes);

/// <summary>The fixed-rate runs at half the hub's peak throughput, on one Azurite and host.</summary>
public sealed record FixedRateRuns(double RatePerSecond, IReadOnlyList<LoadResult> Runs, long HostPeakRssBytes, long HostMaxSampledRssBytes);

/// <summary>
/// Part 1: the intake. A closed-loop sweep of signed webhooks over HTTP against the local host,
/// and at each concurrency the limit — the same storage operations from a bare client — right
/// after it on the same emulator; then an open-loop run at half the hub's peak for ack latency.
/// </summary>
public sealed class IntakeBenchmark(BenchmarkOptions options, TextWriter progress)
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// One sweep, on its own Azurite session: it stores a few tens of thousands of messages at
    /// most, and ends before the emulator's queue GC would have much to do (docs/benchmarks.md).
    /// </summary>
    public async Task<IntakeSweep> RunSweepAsync(int run)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var stack = await IntakeStack.StartAsync(azurite);
        await WarmUpAsync(stack, run);

        var levels = new List<IntakeLevelRun>();
        SizeCheck? sizes = null;
        long messages = 0;
        foreach (var concurrency in options.Concurrencies)
        {
            var id = RunId(run, concurrency);
            var cpu = stack.MeasureCpu();
            var hub = await LoadRunner.ClosedLoopAsync(concurrency, options.Duration, stack.Hub(id + "h").PostAsync);
            var hubCpu = cpu.Stop();
            sizes ??= await stack.CheckSizesAsync();
            await stack.ResetTablesAsync();
            await Task.Delay(Settle);

            cpu = stack.MeasureCpu();
            var limit = await LoadRunner.ClosedLoopAsync(concurrency, options.Duration, stack.Limit(id + "l").SendAndStoreAsync);
            var limitCpu = cpu.Stop();
            await stack.ResetTablesAsync();
            await Task.Delay(Settle);

            var level = new IntakeLevelRun(concurrency, hub, limit, hubCpu, limitCpu);
            levels.Add(level);
            messages += hub.Succeeded + limit.Succeeded;
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  run {run} c={concurrency,-2}  hub {hub.PerSecond,6:0}/s  limit {limit.PerSecond,6:0}/s  ratio {level.Ratio:0.00}  p99 {hub.Latency.P99,6:0.0} ms  errors {hub.ErrorCount}/{limit.ErrorCount}  cpu hub run: azurite {hubCpu.Azurite}% host {hubCpu.Host}% bench {hubCpu.Benchmark}% other {hubCpu.Other}%, limit run: other {limitCpu.Other}%"));
        }

        return new IntakeSweep(run, levels, messages, stack.Memory.Peak, stack.Memory.MaxSampledRss, sizes ?? new SizeCheck(0, 0, 0, 0));
    }

    /// <summary>Open-loop runs at <paramref name="ratePerSecond"/>, one per repeat, on their own Azurite and host.</summary>
    public async Task<FixedRateRuns> RunFixedRateAsync(double ratePerSecond)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var stack = await IntakeStack.StartAsync(azurite);
        await WarmUpAsync(stack, 0);
        var runs = new List<LoadResult>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            var result = await LoadRunner.OpenLoopAsync(ratePerSecond, options.Duration, stack.Hub(RunId(run, 0) + "f").PostAsync);
            await stack.ResetTablesAsync();
            await Task.Delay(Settle);
            runs.Add(result);
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  fixed rate {ratePerSecond:0}/s run {run}: {result.PerSecond:0}/s  p50 {result.Latency.P50:0.0} ms  p99 {result.Latency.P99:0.0} ms  max {result.Latency.Max:0.0} ms  pacer lag p99 {result.PacerLagP99Ms:0.0} ms  errors {result.ErrorCount}"));
        }

        return new FixedRateRuns(ratePerSecond, runs, stack.Memory.Peak, stack.Memory.MaxSampledRss);
    }

    /// <summary>Lets both processes compile and tier up the hot paths before anything is measured.</summary>
    private async Task WarmUpAsync(IntakeStack stack, int run)
    {
        if (options.WarmUp <= TimeSpan.Zero)
        {
            return;
        }

        await LoadRunner.ClosedLoopAsync(8, options.WarmUp, stack.Hub(RunId(run, 0) + "w").PostAsync);
        await LoadRunner.ClosedLoopAsync(8, options.WarmUp, stack.Limit(RunId(run, 0) + "w").SendAndStoreAsync);
        await stack.ResetTablesAsync();
        await Task.Delay(Settle);
    }

    // Fixed width, so every report id, message and entity has the same size.
    private static string RunId(int run, int concurrency) =>
        string.Create(CultureInfo.InvariantCulture, $"r{run % 10}c{concurrency % 100:D2}");
}
