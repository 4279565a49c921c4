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

/// <summary>One sweep over every concurrency, on a fresh Azurite.</summary>
public sealed record IntakeSweep(int Run, IReadOnlyList<IntakeLevelRun> Levels, long Messages, SizeCheck Sizes);

/// <summary>One open-loop run of the hub and one of the limit at the same rate.</summary>
public sealed record FixedRateRun(LoadResult Hub, LoadResult Limit, CpuShares HubCpu, CpuShares LimitCpu);

/// <summary>The fixed-rate runs at half the hub's peak throughput, on one fresh Azurite.</summary>
public sealed record FixedRateRuns(double RatePerSecond, IReadOnlyList<FixedRateRun> Runs);

/// <summary>Everything part 1 measured, and the host's memory over all of it.</summary>
public sealed record IntakeRuns(IReadOnlyList<IntakeSweep> Sweeps, double HubPeakPerSecond, FixedRateRuns HalfPeak, long HostPeakRssBytes, long HostMaxSampledRssBytes, int Turns, double TurnSeconds, string Placement);

/// <summary>
/// Part 1: the intake. Closed-loop sweeps of signed webhooks over HTTP against one local host,
/// and at each concurrency the limit — the same storage operations from a bare client — in turns
/// with it on the same emulator (<see cref="Alternation"/>), the emulator on a core of its own
/// (<see cref="CorePinning"/>); then open-loop runs at half the hub's peak for ack latency.
/// Each sweep, and the fixed-rate runs, get a fresh Azurite on the same ports: none stores more
/// than a few tens of thousands of messages, and none lives long enough for the emulator's queue
/// GC to find much to delete (docs/benchmarks.md). The host stays, warm, for all of it.
/// </summary>
public sealed class IntakeBenchmark(BenchmarkOptions options, TextWriter progress)
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ShortWarmUp = TimeSpan.FromSeconds(1);

    public async Task<IntakeRuns> RunAsync()
    {
        var placement = "not pinned: the hub at --hub and its storage are outside this program";
        var pinning = options.HubUrl is null ? CorePinning.For(options.Pin, out placement) : null;
        progress.WriteLine($"  {placement}");
        await using var stack = options.HubUrl is null ? await IntakeStack.StartAsync(pinning) : await IntakeStack.StartOutsideAsync(options.HubUrl, options.HubSettings!);
        // A fresh host spends its first seconds under load compiling and sizing its heaps.
        await WarmUpAsync(stack, 0, options.WarmUp);

        var sweeps = new List<IntakeSweep>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            if (run > 1)
            {
                await stack.RestartAzuriteAsync();
                await WarmUpAsync(stack, run, ShortWarmUp);
            }

            await QuietMachine.WaitAsync(stack.Azurite.ProcessId, stack.HostPid, progress);
            sweeps.Add(await SweepAsync(stack, run));
        }

        var hubPeak = sweeps.Count == 0 ? 0 : options.Concurrencies.Max(c => Median.Of(sweeps.Select(s => s.Levels.Single(l => l.Concurrency == c).Hub.PerSecond)));
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1. intake: open loop at half the hub's peak ({hubPeak:0}/s / 2), hub and limit"));
        await stack.RestartAzuriteAsync();
        await WarmUpAsync(stack, 0, ShortWarmUp);
        await QuietMachine.WaitAsync(stack.Azurite.ProcessId, stack.HostPid, progress);
        var halfPeak = await FixedRateAsync(stack, hubPeak / 2);
        return new IntakeRuns(sweeps, hubPeak, halfPeak, stack.Memory.Peak, stack.Memory.MaxSampledRss, options.Turns, options.TurnLength.TotalSeconds, placement);
    }

    private async Task<IntakeSweep> SweepAsync(IntakeStack stack, int run)
    {
        var levels = new List<IntakeLevelRun>();
        SizeCheck? sizes = null;
        long messages = 0;
        foreach (var concurrency in options.Concurrencies)
        {
            var id = RunId(run, concurrency);
            var (hub, hubCpu, limit, limitCpu) = await Alternation.ClosedLoopsAsync(
                concurrency,
                stack.Hub(id + "h").PostAsync,
                stack.Limit(id + "l").SendAndStoreAsync,
                new Turns(options.Turns, options.TurnLength, stack.MeasureCpu, async turn =>
                {
                    if (turn == 1)
                    {
                        sizes ??= await stack.CheckSizesAsync();
                    }

                    await ResetAsync(stack);
                }));
            await ResetAsync(stack);

            var level = new IntakeLevelRun(concurrency, hub, limit, hubCpu, limitCpu);
            levels.Add(level);
            messages += hub.Succeeded + limit.Succeeded;
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  run {run} c={concurrency,-2}  hub {hub.PerSecond,6:0}/s  limit {limit.PerSecond,6:0}/s  ratio {level.Ratio:0.00}  p99 {(hub.Latency.Count == 0 ? "no answers" : hub.Latency.P99.ToString("0.0", CultureInfo.InvariantCulture) + " ms")}  errors {hub.ErrorCount}/{limit.ErrorCount}  cpu hub run: azurite {hubCpu.Azurite}% host {hubCpu.Host}% bench {hubCpu.Benchmark}% other {hubCpu.Other}%, limit run: azurite {limitCpu.Azurite}% bench {limitCpu.Benchmark}% other {limitCpu.Other}%"));
        }

        return new IntakeSweep(run, levels, messages, sizes ?? new SizeCheck(0, 0, 0, 0));
    }

    /// <summary>
    /// Open-loop runs at <paramref name="ratePerSecond"/>, one per repeat; each hub run takes turns
    /// with a limit run at the same rate (<see cref="Alternation"/>), which shows how much of the
    /// latency tail the emulator and the machine bring by themselves.
    /// </summary>
    private async Task<FixedRateRuns> FixedRateAsync(IntakeStack stack, double ratePerSecond)
    {
        // Once at the rate itself, unmeasured, as the runs will go.
        await LoadRunner.OpenLoopAsync(ratePerSecond, ShortWarmUp, stack.Hub(RunId(0, 0) + "v").PostAsync);
        await LoadRunner.OpenLoopAsync(ratePerSecond, ShortWarmUp, stack.Limit(RunId(0, 0) + "v").SendAndStoreAsync);
        await ResetAsync(stack);

        var runs = new List<FixedRateRun>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            // In turns with the tables emptied before each, as the peak they halve was measured.
            var (hub, hubCpu, limit, limitCpu) = await Alternation.OpenLoopsAsync(
                ratePerSecond,
                stack.Hub(RunId(run, 0) + "f").PostAsync,
                stack.Limit(RunId(run, 0) + "f").SendAndStoreAsync,
                new Turns(options.Turns, options.TurnLength, stack.MeasureCpu, _ => ResetAsync(stack)));
            await ResetAsync(stack);

            runs.Add(new FixedRateRun(hub, limit, hubCpu, limitCpu));
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  fixed rate {ratePerSecond:0}/s run {run}: hub {hub.PerSecond:0}/s  {hub.Latency.Describe()}  errors {hub.ErrorCount}  pacer lag p99 {hub.PacerLagP99Ms:0.0} ms | limit {limit.Latency.Describe()} | other cpu {hubCpu.Other}% / {limitCpu.Other}%"));
        }

        return new FixedRateRuns(ratePerSecond, runs);
    }

    /// <summary>
    /// Unmeasured load, then empty tables. The limit's client lives in this process and is warm
    /// after its first second; the emulator's side is warmed by both.
    /// </summary>
    private static async Task WarmUpAsync(IntakeStack stack, int run, TimeSpan hubDuration)
    {
        if (hubDuration > TimeSpan.Zero)
        {
            await LoadRunner.ClosedLoopAsync(8, hubDuration, stack.Hub(RunId(run, 0) + "w").PostAsync);
            await LoadRunner.ClosedLoopAsync(8, ShortWarmUp, stack.Limit(RunId(run, 0) + "w").SendAndStoreAsync);
        }

        await ResetAsync(stack);
    }

    /// <summary>Empty tables, then a moment for the emulator to finish with the old ones.</summary>
    private static async Task ResetAsync(IntakeStack stack)
    {
        await stack.ResetTablesAsync();
        await Task.Delay(Settle);
    }

    // Fixed width, so every report id, message and entity has the same size.
    private static string RunId(int run, int concurrency) =>
        string.Create(CultureInfo.InvariantCulture, $"r{run % 10}c{concurrency % 100:D2}");
}
