using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using StationHub.Benchmarks.Costs;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Ledger;
using StationHub.Benchmarks.Measurement;
using StationHub.Benchmarks.OtherFlows;
using StationHub.Testing;

namespace StationHub.Benchmarks.Reporting;

/// <summary>Everything one benchmark run found: the JSON file, and what the table on stdout prints. A part not run is null.</summary>
public sealed record BenchmarkReport(
    DateTimeOffset TakenAt,
    MachineInfo Machine,
    string Command,
    BenchmarkSettings Settings,
    IntakeReport? Intake,
    IReadOnlyList<FlowLevelSummary>? Flows,
    EndToEndRun? EndToEnd,
    LedgerRun? Ledger,
    MemoryReport? Memory,
    IReadOnlyList<TargetVerdict> Targets)
{
    /// <summary>The costs part (issue 21): storage requests per item of every flow, and idle per minute.</summary>
    public CostRun? Costs { get; init; }

    public const double TargetRatio = 0.8;

    /// <summary>Issue 21: the intake ratio at every concurrency from <see cref="TargetRatioFromConcurrency"/> on, on the local host.</summary>
    public const double TargetRatioLocalHost = 0.9;

    /// <summary>Issue 21: the same on the Functions host (a hub at <c>--hub</c>).</summary>
    public const double TargetRatioFunctionsHost = 0.8;

    public const int TargetRatioFromConcurrency = 4;
    public const double TargetAckP99Ms = 20;
    public const double TargetEndToEndP95Ms = 1000;
    public const double TargetPeakRssMiB = 250;
    public const double TargetLedgerSealMs = 10_000;
    public const int TargetLedgerSealEntries = 100_000;
    private const double MiB = 1024 * 1024;

    public static BenchmarkReport Build(BenchmarkOptions options, string command, IntakeRuns? runs, IReadOnlyList<FlowLevelRun>? flows, EndToEndRun? endToEnd, LedgerRun? ledger)
    {
        var targets = new List<TargetVerdict>();
        IntakeReport? intake = null;
        MemoryReport? memory = null;
        if (runs is not null)
        {
            var sweeps = runs.Sweeps;
            var levels = IntakeLevelSummary.Of(options, sweeps);
            var limitPeak = levels.MaxBy(l => l.LimitPerSecond)!;
            var hubPeak = levels.MaxBy(l => l.HubPerSecond)!;
            var fixedRate = FixedRateSummary.Of(runs.HalfPeak);
            intake = new IntakeReport(levels, limitPeak.Concurrency, limitPeak.LimitPerSecond, limitPeak.Ratio, hubPeak.Concurrency, hubPeak.HubPerSecond, fixedRate, sweeps[0].Sizes, runs.Turns, runs.TurnSeconds, runs.Placement, sweeps);
            // A hub outside (--hub) is not a process of this program: its memory is not read.
            memory = options.HubUrl is not null ? null : new MemoryReport(
                Math.Round(runs.HostPeakRssBytes / MiB, 1),
                Math.Round(runs.HostMaxSampledRssBytes / MiB, 1),
                endToEnd is null ? double.NaN : Math.Round(endToEnd.HostPeakRssBytes / MiB, 1));
            targets.Add(new("intake ratio hub / limit at the limit's peak concurrency", $">= {TargetRatio:0.0}", Math.Round(intake.RatioAtLimitPeak, 2), "", intake.RatioAtLimitPeak >= TargetRatio,
                $"limit peaks at c={intake.LimitPeakConcurrency}"));
            if (levels.Where(l => l.Concurrency >= TargetRatioFromConcurrency).MinBy(l => l.Ratio) is { } lowest)
            {
                var bar = options.HubUrl is null ? TargetRatioLocalHost : TargetRatioFunctionsHost;
                targets.Add(new($"intake ratio hub / limit at every c >= {TargetRatioFromConcurrency} (issue 21, {(options.HubUrl is null ? "local host" : "the hub at --hub")})", $">= {bar:0.0}", Math.Round(lowest.Ratio, 2), "", lowest.Ratio >= bar,
                    $"lowest at c={lowest.Concurrency}: {lowest.HubPerSecond:0} / {lowest.LimitPerSecond:0}/s; {intake.TurnsText}; {intake.Placement}"));
            }

            targets.Add(new("intake ack p99 at half the hub's peak throughput", $"<= {TargetAckP99Ms:0} ms", Math.Round(fixedRate.P99Ms, 1), "ms", fixedRate.P99Ms <= TargetAckP99Ms,
                $"P = {intake.HubPeakPerSecond:0}/s at c={intake.HubPeakConcurrency}; fixed rate {fixedRate.RatePerSecond:0}/s; the limit's own p99 at that rate {fixedRate.LimitP99Ms:0.0} ms"));
        }

        var flowSummaries = flows is null ? null : FlowLevelSummary.Of(flows);
        foreach (var flow in flowSummaries?.GroupBy(f => f.Flow) ?? [])
        {
            var peak = flow.MaxBy(f => f.LimitPerSecond)!;
            targets.Add(new($"{flow.Key} intake ratio hub / limit at the limit's peak concurrency (hazard reports' bar)", $">= {TargetRatio:0.0}", Math.Round(peak.Ratio, 2), "", peak.Ratio >= TargetRatio,
                $"limit peaks at c={peak.Concurrency}: {peak.LimitPerSecond:0}/s"));
        }

        if (endToEnd is not null)
        {
            targets.Add(new("end-to-end p95, POST to the city's receipt", $"<= {TargetEndToEndP95Ms:0} ms", Math.Round(endToEnd.Latency.P95, 0), "ms",
                endToEnd.Latency.P95 <= TargetEndToEndP95Ms && endToEnd.Delivered == endToEnd.Accepted,
                $"{endToEnd.Delivered} of {endToEnd.Accepted} accepted reports delivered"));
        }

        if (ledger is not null)
        {
            foreach (var seal in ledger.Seals.Where(s => s.Entries == TargetLedgerSealEntries))
            {
                targets.Add(new($"ledger: compile and seal a day of {seal.Entries:N0} entries, {seal.EarlierDays} earlier days", $"<= {TargetLedgerSealMs / 1000:0} s", Math.Round(seal.SealMs / 1000, 2), "s", seal.SealMs <= TargetLedgerSealMs,
                    $"runs {string.Join(", ", seal.SealMsPerRun.Select(ms => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture)))} s"));
            }
        }

        if (memory is not null)
        {
            targets.Add(new("local host peak RSS during the intake", $"<= {TargetPeakRssMiB:0} MiB", memory.PeakRssMiB, "MiB", memory.PeakRssMiB <= TargetPeakRssMiB,
                $"VmHWM of the one host that served every intake run; largest VmRSS sampled {memory.MaxSampledRssMiB:0.0} MiB"));
        }

        return new BenchmarkReport(TimeProvider.System.GetUtcNow(), MachineInfo.Current(), command, BenchmarkSettings.Of(options), intake, flowSummaries, endToEnd, ledger, memory, targets);
    }
}

public sealed record MachineInfo(int Cores, double MemoryGiB, string Os, string Runtime, string Azurite)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        Math.Round(ProcessMetrics.TotalMemory() / (1024.0 * 1024 * 1024), 1),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        AzuriteVersion() + ", in memory (--inMemoryPersistence) unless a part says otherwise");

    private static string AzuriteVersion()
    {
        var package = Path.Combine(RepoPaths.Root, "infra", "local", "node_modules", "azurite", "package.json");
        if (!File.Exists(package))
        {
            return "Azurite (version unknown)";
        }

        using var document = JsonDocument.Parse(File.ReadAllText(package));
        return "Azurite " + document.RootElement.GetProperty("version").GetString();
    }
}

public sealed record BenchmarkSettings(
    IReadOnlyList<string> Parts,
    double SecondsPerLevel,
    int Repeat,
    IReadOnlyList<int> Concurrencies,
    double WarmUpSeconds,
    double EndToEndRate,
    double EndToEndSeconds,
    IReadOnlyList<int> FlowConcurrencies,
    IReadOnlyList<int> LedgerSizes,
    int LedgerHistoryDays,
    int LedgerHistoryEntriesPerDay)
{
    public static BenchmarkSettings Of(BenchmarkOptions options) => new(
        options.Parts,
        options.Duration.TotalSeconds,
        options.Repeat,
        options.Concurrencies,
        options.WarmUp.TotalSeconds,
        options.EndToEndRate,
        options.EndToEndDuration.TotalSeconds,
        options.FlowConcurrencies,
        options.LedgerSizes,
        options.LedgerHistoryDays,
        options.LedgerHistoryEntriesPerDay);
}

public sealed record IntakeReport(
    IReadOnlyList<IntakeLevelSummary> Levels,
    int LimitPeakConcurrency,
    double LimitPeakPerSecond,
    double RatioAtLimitPeak,
    int HubPeakConcurrency,
    double HubPeakPerSecond,
    FixedRateSummary HalfPeak,
    SizeCheck Sizes,
    int TurnsPerSide,
    double TurnSeconds,
    string Placement,
    IReadOnlyList<IntakeSweep> Runs)
{
    /// <summary>The turns each side took at a level, as the report names them (derived: not in the JSON).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string TurnsText => string.Create(CultureInfo.InvariantCulture, $"{TurnsPerSide} turns of {TurnSeconds:0.#} s a side");
}

/// <summary>One concurrency: medians over the sweeps (errors summed).</summary>
public sealed record IntakeLevelSummary(
    int Concurrency,
    double HubPerSecond,
    double LimitPerSecond,
    double Ratio,
    double AckP50Ms,
    double AckP95Ms,
    double AckP99Ms,
    double AckMaxMs,
    double LimitP50Ms,
    double LimitP99Ms,
    int HubErrors,
    int LimitErrors,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    CpuShares HubRunCpu,
    CpuShares LimitRunCpu)
{
    /// <summary>Every concurrency's summary over the sweeps.</summary>
    public static IReadOnlyList<IntakeLevelSummary> Of(BenchmarkOptions options, IReadOnlyList<IntakeSweep> sweeps) =>
        [.. options.Concurrencies.Select(c => Of(c, [.. sweeps.Select(s => s.Levels.Single(l => l.Concurrency == c))]))];

    public static IntakeLevelSummary Of(int concurrency, IReadOnlyList<IntakeLevelRun> runs)
    {
        var errors = runs.SelectMany(r => r.Hub.Errors.Select(e => ("hub " + e.Key, e.Value)).Concat(r.Limit.Errors.Select(e => ("limit " + e.Key, e.Value))))
            .GroupBy(e => e.Item1, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);
        return new IntakeLevelSummary(
            concurrency,
            Median.Of(runs.Select(r => r.Hub.PerSecond)),
            Median.Of(runs.Select(r => r.Limit.PerSecond)),
            Median.Of(runs.Select(r => r.Ratio)),
            Median.Of(runs.Select(r => r.Hub.Latency.P50)),
            Median.Of(runs.Select(r => r.Hub.Latency.P95)),
            Median.Of(runs.Select(r => r.Hub.Latency.P99)),
            Median.Of(runs.Select(r => r.Hub.Latency.Max)),
            Median.Of(runs.Select(r => r.Limit.Latency.P50)),
            Median.Of(runs.Select(r => r.Limit.Latency.P99)),
            runs.Sum(r => r.Hub.ErrorCount),
            runs.Sum(r => r.Limit.ErrorCount),
            errors,
            CpuShares.MedianOf([.. runs.Select(r => r.HubCpu)]),
            CpuShares.MedianOf([.. runs.Select(r => r.LimitCpu)]));
    }
}

/// <summary>The open-loop runs at half the hub's peak: medians of each run's percentiles, the hub's and the limit's at the same rate.</summary>
public sealed record FixedRateSummary(
    double RatePerSecond,
    double AchievedPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double LimitP50Ms,
    double LimitP99Ms,
    double PacerLagP99Ms,
    int Errors,
    IReadOnlyList<double> P99PerRunMs,
    IReadOnlyList<double> LimitP99PerRunMs,
    CpuShares HubRunCpu,
    CpuShares LimitRunCpu,
    IReadOnlyList<FixedRateRun> Runs)
{
    public static FixedRateSummary Of(FixedRateRuns runs)
    {
        var all = runs.Runs;
        return new FixedRateSummary(
            Math.Round(runs.RatePerSecond, 1),
            Median.Of(all.Select(r => r.Hub.PerSecond)),
            Median.Of(all.Select(r => r.Hub.Latency.P50)),
            Median.Of(all.Select(r => r.Hub.Latency.P95)),
            Median.Of(all.Select(r => r.Hub.Latency.P99)),
            Median.Of(all.Select(r => r.Hub.Latency.Max)),
            Median.Of(all.Select(r => r.Limit.Latency.P50)),
            Median.Of(all.Select(r => r.Limit.Latency.P99)),
            Median.Of(all.Select(r => r.Hub.PacerLagP99Ms)),
            all.Sum(r => r.Hub.ErrorCount + r.Limit.ErrorCount),
            [.. all.Select(r => Math.Round(r.Hub.Latency.P99, 1))],
            [.. all.Select(r => Math.Round(r.Limit.Latency.P99, 1))],
            CpuShares.MedianOf([.. all.Select(r => r.HubCpu)]),
            CpuShares.MedianOf([.. all.Select(r => r.LimitCpu)]),
            all);
    }
}

/// <summary>One flow at one concurrency: medians over the runs (errors summed).</summary>
public sealed record FlowLevelSummary(
    string Flow,
    int Concurrency,
    double HubPerSecond,
    double LimitPerSecond,
    double Ratio,
    double AckP50Ms,
    double AckP99Ms,
    double LimitP50Ms,
    double LimitP99Ms,
    int Errors,
    IReadOnlyDictionary<string, int> ErrorsByKind,
    CpuShares HubRunCpu,
    CpuShares LimitRunCpu)
{
    public static IReadOnlyList<FlowLevelSummary> Of(IReadOnlyList<FlowLevelRun> runs) =>
    [
        .. runs.GroupBy(r => (r.Flow, r.Concurrency)).Select(g => new FlowLevelSummary(
            g.Key.Flow,
            g.Key.Concurrency,
            Median.Of(g.Select(r => r.Hub.PerSecond)),
            Median.Of(g.Select(r => r.Limit.PerSecond)),
            Median.Of(g.Select(r => r.Ratio)),
            Median.Of(g.Select(r => r.Hub.Latency.P50)),
            Median.Of(g.Select(r => r.Hub.Latency.P99)),
            Median.Of(g.Select(r => r.Limit.Latency.P50)),
            Median.Of(g.Select(r => r.Limit.Latency.P99)),
            g.Sum(r => r.Hub.ErrorCount + r.Limit.ErrorCount),
            g.SelectMany(r => r.Hub.Errors.Select(e => ("hub " + e.Key, e.Value)).Concat(r.Limit.Errors.Select(e => ("limit " + e.Key, e.Value))))
                .GroupBy(e => e.Item1, StringComparer.Ordinal)
                .ToDictionary(e => e.Key, e => e.Sum(x => x.Value), StringComparer.Ordinal),
            CpuShares.MedianOf([.. g.Select(r => r.HubCpu)]),
            CpuShares.MedianOf([.. g.Select(r => r.LimitCpu)]))),
    ];
}

/// <summary>Peak resident memory (VmHWM) of the local host that served every intake run, the largest VmRSS sampled every 100 ms, and the end-to-end host's peak.</summary>
public sealed record MemoryReport(double PeakRssMiB, double MaxSampledRssMiB, double EndToEndHostPeakRssMiB);

public sealed record TargetVerdict(string Name, string Target, double Measured, string Unit, bool Met, string Note);
