using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using StationHub.Benchmarks.Measurement;
using StationHub.Testing;

namespace StationHub.Benchmarks.HazardReports;

/// <summary>What the end-to-end run measured: the time from each POST's start to the city's receipt.</summary>
public sealed record EndToEndRun(double RatePerSecond, double Seconds, long Sent, long Accepted, long Delivered, LatencySummary Latency, LoadResult Intake, CpuShares Cpu, long HostPeakRssBytes);

/// <summary>
/// Part 2: end to end. A local host with its triggers on (default host.json polling) over fresh
/// storage names, a real HTTP listener in this process as the city (the registry points Hangzhou
/// at it), and reports posted at a steady rate. Each delivery is matched to its POST by the routed
/// payload's <c>service_request_id</c>, which is the hub id of the 202 answer.
/// </summary>
public sealed class EndToEndBenchmark(BenchmarkOptions options, TextWriter progress)
{
    private const string CityPath = "/city/webhooks";
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs on its own Azurite: the triggers delete every message they finish, and a fresh
    /// session keeps the emulator's queue GC from stalling the run (docs/benchmarks.md).
    /// </summary>
    public async Task<EndToEndRun> RunAsync()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var city = await TestReceiver.StartAsync();
        var registry = new TestRegistry(city.Url("city/webhooks"), city.Url("open311/requests.json"), city.Url("platform/webhooks"), city.Url("other/webhooks"));
        var settings = registry.Settings(azurite.ConnectionString, "e" + Guid.NewGuid().ToString("N")[..10]);
        // The shared settings shorten the message lease for tests; keep every queue setting at host.json's defaults.
        settings.Remove("LocalHost:QueueLease");
        await using var host = await ChildHost.StartAsync(settings);
        await using var memory = new MemorySampler(host.ProcessId);
        using var http = BenchmarkReports.HttpClientFor(host.BaseAddress);
        try
        {
            // Warm-up at the same rate, not counted: the first reports also pay for compiling the router and the delivery.
            var warmUp = await PostAtRateAsync(new HubIntakeClient(http, registry.PlatformSigner, "e2e00w"), options.WarmUp.TotalSeconds);
            await WaitForDeliveriesAsync(city, warmUp.Starts.Keys);

            await QuietMachine.WaitAsync(azurite.ProcessId, host.ProcessId, progress);
            var cpu = CpuMeter.Start(azurite.ProcessId, host.ProcessId);
            var measured = await PostAtRateAsync(new HubIntakeClient(http, registry.PlatformSigner, "e2e01m"), options.EndToEndDuration.TotalSeconds);
            var arrivals = await WaitForDeliveriesAsync(city, measured.Starts.Keys);
            var shares = cpu.Stop();
            var latencies = measured.Starts
                .Where(pair => arrivals.ContainsKey(pair.Key))
                .Select(pair => (arrivals[pair.Key] - pair.Value).TotalMilliseconds)
                .ToList();
            var result = new EndToEndRun(
                options.EndToEndRate,
                options.EndToEndDuration.TotalSeconds,
                measured.Sent,
                measured.Starts.Count,
                latencies.Count,
                LatencySummary.Of(latencies),
                measured.Intake,
                shares,
                memory.Peak);
            progress.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  end to end {result.RatePerSecond:0}/s for {result.Seconds:0} s: {result.Accepted}/{result.Sent} accepted, {result.Delivered} delivered  p50 {result.Latency.P50:0} ms  p95 {result.Latency.P95:0} ms  p99 {result.Latency.P99:0} ms"));
            return result;
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(15));
            File.Delete(registry.RegistryPath);
        }
    }

    private async Task<(long Sent, ConcurrentDictionary<string, DateTimeOffset> Starts, LoadResult Intake)> PostAtRateAsync(HubIntakeClient client, double seconds)
    {
        var starts = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        async Task<string?> PostAsync(long number, CancellationToken cancellationToken)
        {
            var at = TimeProvider.System.GetUtcNow();
            var hubId = await client.PostForHubIdAsync(number, cancellationToken);
            if (hubId is null)
            {
                return "not accepted";
            }

            starts[hubId] = at;
            return null;
        }

        var intake = await LoadRunner.OpenLoopAsync(options.EndToEndRate, TimeSpan.FromSeconds(seconds), PostAsync);
        return (intake.Succeeded + intake.ErrorCount, starts, intake);
    }

    /// <summary>The first arrival at the city of each hub id, waiting until all have arrived or the timeout.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> WaitForDeliveriesAsync(TestReceiver city, ICollection<string> hubIds)
    {
        var wanted = hubIds.ToHashSet(StringComparer.Ordinal);
        var arrivals = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var seen = 0;
        bool AllArrived(IReadOnlyList<Received> received)
        {
            for (; seen < received.Count; seen++)
            {
                var request = received[seen];
                if (request.Path != CityPath)
                {
                    continue;
                }

                using var envelope = JsonDocument.Parse(request.Body);
                var subject = envelope.RootElement.GetProperty("data").GetProperty("service_request_id").GetString()!;
                if (wanted.Contains(subject))
                {
                    arrivals.TryAdd(subject, request.At);
                }
            }

            return arrivals.Count == wanted.Count;
        }

        try
        {
            await city.WaitForAsync(AllArrived, DeliveryTimeout);
        }
        catch (TimeoutException)
        {
            // Reported as fewer deliveries than accepted reports.
        }

        return arrivals;
    }
}
