using System.Diagnostics;

namespace StationHub.Benchmarks.Measurement;

/// <summary>
/// CPU used over one phase, in percent of one core (200 % = both cores of a 2-core machine): by
/// Azurite, the local host, the benchmark itself, and by everything else on the machine
/// (<see cref="Other"/>: another build or test run on a shared machine shows here).
/// </summary>
public sealed record CpuShares(double Azurite, double Host, double Benchmark, double Other)
{
    public static CpuShares MedianOf(IReadOnlyList<CpuShares> shares) => new(
        Median.Of(shares.Select(s => s.Azurite)),
        Median.Of(shares.Select(s => s.Host)),
        Median.Of(shares.Select(s => s.Benchmark)),
        Median.Of(shares.Select(s => s.Other)));

    /// <summary>The shares of several phases as one, each weighted by its length.</summary>
    public static CpuShares Weighted(IReadOnlyList<(CpuShares Shares, double Seconds)> phases)
    {
        var total = phases.Sum(phase => phase.Seconds);
        double Mean(Func<CpuShares, double> share) =>
            total > 0 ? Math.Round(phases.Sum(phase => share(phase.Shares) * phase.Seconds) / total, 0) : double.NaN;
        return new(Mean(s => s.Azurite), Mean(s => s.Host), Mean(s => s.Benchmark), Mean(s => s.Other));
    }
}

/// <summary>Measures the CPU of Azurite, the local host, the benchmark and the rest of the machine between start and <see cref="Stop"/>.</summary>
public sealed class CpuMeter
{
    private readonly int azurite;
    private readonly int host;
    private readonly (TimeSpan? Azurite, TimeSpan? Host, TimeSpan? Benchmark, TimeSpan Machine) start;
    private readonly long started;

    private CpuMeter(int azurite, int host)
    {
        this.azurite = azurite;
        this.host = host;
        start = Read();
        started = Stopwatch.GetTimestamp();
    }

    /// <summary>The host id to pass when the measured work runs in the benchmark's own process.</summary>
    public const int NoHost = -1;

    public static CpuMeter Start(int azuritePid, int hostPid) => new(azuritePid, hostPid);

    public CpuShares Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var end = Read();
        var azuriteShare = Percent(start.Azurite, end.Azurite, elapsed);
        var hostShare = Percent(start.Host, end.Host, elapsed);
        var benchmarkShare = Percent(start.Benchmark, end.Benchmark, elapsed);
        var machine = Percent(start.Machine, end.Machine, elapsed);
        var ours = new[] { azuriteShare, hostShare, benchmarkShare }.Where(share => !double.IsNaN(share)).Sum();
        return new CpuShares(azuriteShare, hostShare, benchmarkShare, Math.Max(0, machine - ours));
    }

    private (TimeSpan? Azurite, TimeSpan? Host, TimeSpan? Benchmark, TimeSpan Machine) Read() =>
        (ProcessMetrics.CpuTime(azurite), ProcessMetrics.CpuTime(host), ProcessMetrics.CpuTime(Environment.ProcessId), ProcessMetrics.MachineCpuTime());

    private static double Percent(TimeSpan? before, TimeSpan? after, double seconds) =>
        before is { } b && after is { } a && seconds > 0 ? Math.Round((a - b).TotalSeconds / seconds * 100, 0) : double.NaN;
}
