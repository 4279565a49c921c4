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

/// <summary>One open-loop run of the hub and one of the limit at the same rate.</summary>
public sealed record FixedRateRun(LoadResult Hub, LoadResult Limit, CpuShares HubCpu, CpuShares LimitCpu);

/// <summary>The fixed-rate runs at half the hub's peak throughput, on one Azurite and host.</summary>
public sealed record FixedRateRuns(double RatePerSecond, IReadOnlyList<FixedRateRun> Runs, long HostPeakRssBytes, long HostMaxSampledRssBytes);

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

    /// <summary>
    /// Open-loop runs at <paramref name="ratePerSecond"/>, one per repeat, on their own Azurite and
    /// host; each hub run is followed by a limit run at the same rate, which shows how much of the
    /// latency tail the emulator and the machine bring by themselves.
    /// </summary>
    public async Task<FixedRateRuns> RunFixedRateAsync(double ratePerSecond)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var stack = await IntakeStack.StartAsync(azurite);
        await WarmUpAsync(stack, 0);
        // And once at the rate itself, unmeasured, as the runs will go.
        await LoadRunner.OpenLoopAsync(ratePerSecond, LimitWarmUp, stack.Hub(RunId(0, 0) + "v").PostAsync);
        await LoadRunner.OpenLoopAsync(ratePerSecond, LimitWarmUp, stack.Limit(RunId(0, 0) + "v").SendAndStoreAsync);
        await stack.ResetTablesAsync();
        await Task.Delay(Settle);

        var runs = new List<FixedRateRun>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            var cpu = stack.MeasureCpu();
            var hub = await LoadRunner.OpenLoopAsync(ratePerSecond, options.Duration, stack.Hub(RunId(run, 0) + "f").PostAsync);
            var hubCpu = cpu.Stop();
            await stack.ResetTablesAsync();
            await Task.Delay(Settle);

            cpu = stack.MeasureCpu();
            var limit = await LoadRunner.OpenLoopAsync(ratePerSecond, options.Duration, stack.Limit(RunId(run, 0) + "f").SendAndStoreAsync);
            var limitCpu = cpu.Stop();
            await stack.ResetTablesAsync();
            await Task.Delay(Settle);

            runs.Add(new FixedRateRun(hub, limit, hubCpu, limitCpu));
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  fixed rate {ratePerSecond:0}/s run {run}: hub {hub.PerSecond:0}/s  p50 {hub.Latency.P50:0.0} ms  p99 {hub.Latency.P99:0.0} ms  max {hub.Latency.Max:0.0} ms  errors {hub.ErrorCount}  pacer lag p99 {hub.PacerLagP99Ms:0.0} ms | limit p50 {limit.Latency.P50:0.0} ms  p99 {limit.Latency.P99:0.0} ms | other cpu {hubCpu.Other}% / {limitCpu.Other}%"));
        }

        return new FixedRateRuns(ratePerSecond, runs, stack.Memory.Peak, stack.Memory.MaxSampledRss);
    }

    /// <summary>
    /// Unmeasured load before anything is measured: long enough for a fresh host to compile and
    /// tier up its hot paths (with 2 s it still spent most of the next 5 s compiling). The limit's
    /// client lives in this process and warms once; a second is enough to warm the emulator's side.
    /// </summary>
    private async Task WarmUpAsync(IntakeStack stack, int run)
    {
        if (options.WarmUp <= TimeSpan.Zero)
        {
            return;
        }

        await LoadRunner.ClosedLoopAsync(8, options.WarmUp, stack.Hub(RunId(run, 0) + "w").PostAsync);
        await LoadRunner.ClosedLoopAsync(8, LimitWarmUp, stack.Limit(RunId(run, 0) + "w").SendAndStoreAsync);
        await stack.ResetTablesAsync();
        await Task.Delay(Settle);
    }

    private TimeSpan LimitWarmUp => options.WarmUp < TimeSpan.FromSeconds(1) ? options.WarmUp : TimeSpan.FromSeconds(1);

    // Fixed width, so every report id, message and entity has the same size.
    private static string RunId(int run, int concurrency) =>
        string.Create(CultureInfo.InvariantCulture, $"r{run % 10}c{concurrency % 100:D2}");
}
