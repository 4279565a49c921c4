using System.Diagnostics;
using System.Globalization;
using StationHub.Benchmarks.Measurement;
using StationHub.Ledger;
using StationHub.Testing;

namespace StationHub.Benchmarks.Ledger;

/// <summary>One day sealed: its size, how many sealed days came before it, and each timed seal.</summary>
/// <param name="TreeMsPerRun">Of each seal, the part spent appending the day to the tree over all days and signing its checkpoint.</param>
public sealed record LedgerSealRun(int Entries, int EarlierDays, double WriteSeconds, IReadOnlyList<double> SealMsPerRun, CpuShares Cpu, IReadOnlyList<double> TreeMsPerRun)
{
    public double SealMs => Median.Of(SealMsPerRun);

    public double TreeMs => Median.Of(TreeMsPerRun);
}

/// <summary>What part 3 measured.</summary>
public sealed record LedgerRun(
    IReadOnlyList<LedgerSealRun> Seals,
    int HistoryDays,
    int HistoryEntriesPerDay,
    double HistoryWriteSeconds,
    double HistorySealSeconds,
    int VerifiedDays,
    IReadOnlyList<double> VerifyMsPerRun)
{
    public double VerifyMs => Median.Of(VerifyMsPerRun);
}

/// <summary>
/// Part 3: the ledger. Seals one day of 1 k, 10 k and 100 k entries (by default) with the
/// hub's own <see cref="LedgerSealer"/> followed by the tree and its checkpoint (<see cref="StationHub.Ledger.Checkpoints.LedgerSealing"/>, what the hourly timer runs), first with no earlier days, then with a year of sealed
/// days (and their entries) in the same tables; then a local host serves that year and the public
/// verifier checks the whole chain over HTTP. Each seal is timed several times (the sealed day is
/// removed between runs); figures are medians.
/// </summary>
public sealed class LedgerBenchmark(BenchmarkOptions options, TextWriter progress)
{
    /// <summary>The first day of the year of history; the measured days follow it.</summary>
    private static readonly DateOnly HistoryStart = new(2025, 1, 1);

    public async Task<LedgerRun> RunAsync()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var registry = new TestRegistry(
            new Uri("http://127.0.0.1:9/city/webhooks"),
            new Uri("http://127.0.0.1:9/open311/requests.json"),
            new Uri("http://127.0.0.1:9/platform/webhooks"),
            new Uri("http://127.0.0.1:9/other/webhooks"));
        var seals = new List<LedgerSealRun>();
        await using (var warmUp = await LedgerWorld.CreateAsync(azurite, registry, HistoryStart))
        {
            // Not measured: the first seal also pays for compiling the code it runs.
            await warmUp.WriteDayAsync(HistoryStart, 100);
            warmUp.SetClockToSeal(HistoryStart);
            await warmUp.Sealing.RunAsync();
        }

        foreach (var size in options.LedgerSizes)
        {
            progress.WriteLine($"  {size:N0} entries, no earlier days");
            await using var fresh = await LedgerWorld.CreateAsync(azurite, registry, HistoryStart);
            seals.Add(await SealDayAsync(fresh, HistoryStart, size, earlierDays: 0, azurite));
        }

        var days = options.LedgerHistoryDays;
        var perDay = options.LedgerHistoryEntriesPerDay;
        progress.WriteLine($"  a year of history: {days} days of {perDay:N0} entries, written and sealed");
        await using var history = await LedgerWorld.CreateAsync(azurite, registry, HistoryStart);
        var watch = Stopwatch.StartNew();
        for (var day = 0; day < days; day++)
        {
            await history.WriteDayAsync(HistoryStart.AddDays(day), perDay);
        }

        var historyWrite = watch.Elapsed.TotalSeconds;
        var measuredDay = HistoryStart.AddDays(days);
        history.SetClockToSeal(measuredDay.AddDays(-1));
        watch.Restart();
        var sealedCount = await history.Sealing.RunAsync();
        var historySeal = watch.Elapsed.TotalSeconds;
        if (sealedCount != days)
        {
            throw new InvalidOperationException($"Sealed {sealedCount} days of history, expected {days}.");
        }

        foreach (var size in options.LedgerSizes)
        {
            progress.WriteLine($"  {size:N0} entries after {days + seals.Count(s => s.EarlierDays > 0)} sealed days");
            seals.Add(await SealDayAsync(history, measuredDay, size, days + seals.Count(s => s.EarlierDays > 0), azurite));
            measuredDay = measuredDay.AddDays(1);
        }

        progress.WriteLine("  verifying the chain over HTTP");
        var (verified, verifyMs) = await VerifyAsync(history, azurite);
        return new LedgerRun(seals, days, perDay, Math.Round(historyWrite, 1), Math.Round(historySeal, 1), verified, verifyMs);
    }

    private async Task<LedgerSealRun> SealDayAsync(LedgerWorld world, DateOnly date, int size, int earlierDays, AzuriteProcess azurite)
    {
        var watch = Stopwatch.StartNew();
        await world.WriteDayAsync(date, size);
        var write = watch.Elapsed.TotalSeconds;
        world.SetClockToSeal(date);
        var runs = new List<double>();
        var treeRuns = new List<double>();
        var cpu = new List<CpuShares>();
        for (var run = 0; run < options.Repeat; run++)
        {
            if (run > 0)
            {
                await world.UnsealAsync(date);
            }

            await QuietMachine.WaitAsync(azurite.ProcessId, CpuMeter.NoHost, progress);
            var meter = CpuMeter.Start(azurite.ProcessId, CpuMeter.NoHost);
            watch.Restart();
            // What LedgerSealing.RunAsync does, in its two parts, timed apart.
            var count = await world.Sealer.SealAsync();
            var sealedAt = watch.Elapsed.TotalMilliseconds;
            await world.Checkpoints.CatchUpAsync();
            runs.Add(Math.Round(watch.Elapsed.TotalMilliseconds, 1));
            treeRuns.Add(Math.Round(watch.Elapsed.TotalMilliseconds - sealedAt, 1));
            cpu.Add(meter.Stop());
            if (count != 1)
            {
                throw new InvalidOperationException($"Sealing {date} sealed {count} days, expected 1.");
            }
        }

        return new LedgerSealRun(size, earlierDays, Math.Round(write, 1), runs, CpuShares.MedianOf(cpu), treeRuns);
    }

    private async Task<(int Days, IReadOnlyList<double> Ms)> VerifyAsync(LedgerWorld world, AzuriteProcess azurite)
    {
        await using var host = await ChildHost.StartAsync(world.Settings);
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var verifier = new LedgerVerifier(http);
        var runs = new List<double>();
        var days = 0;
        for (var run = 0; run < options.Repeat; run++)
        {
            await QuietMachine.WaitAsync(azurite.ProcessId, host.ProcessId, progress);
            var watch = Stopwatch.StartNew();
            var result = await verifier.VerifyAsync();
            runs.Add(Math.Round(watch.Elapsed.TotalMilliseconds, 1));
            if (!result.Ok)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The verifier refused {result.FirstBadDay}: {result.Reason}"));
            }

            days = result.DaysChecked;
        }

        return (days, runs);
    }
}
