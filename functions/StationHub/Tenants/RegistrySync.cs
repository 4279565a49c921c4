using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Platform.Telemetry;

namespace StationHub.Tenants;

/// <summary>
/// Keeps each host's registry at the stored version: seeds empty storage from the file
/// (<c>Registry:Path</c>) once, then reads the version row every <see cref="TenantOptions.PollInterval"/>
/// (default 4 s: 15 point reads a minute per host) and swaps in the registry when it moved. Until storage
/// answers (the tables are made at start-up) it tries again every quarter second.
/// </summary>
public sealed class RegistrySync(RegistryStore store, IOptions<TenantOptions> options, TimeProvider time, ILogger<RegistrySync> logger) : BackgroundService
{
    /// <summary>The function tag of its storage requests.</summary>
    public const string Caller = "RegistrySync";

    private static readonly TimeSpan StartRetry = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var caller = StorageRequestMetrics.For(Caller);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.SyncAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever fails (storage slow or away, a stored registry that does not load), the host
                // keeps serving the registry it has and tries again: a background service that throws
                // stops the whole host (a 25/s soak lost its hub this way when storage lagged). A failed
                // read is tried again soon (a quarter second, doubling up to the poll interval), so one
                // transient error does not cost a change its 5 s.
                failures++;
                Log.SyncFailed(logger, exception.GetType().Name, exception.Message, RetryAfter(failures));
            }

            try
            {
                await Task.Delay(failures == 0 ? options.Value.PollInterval : RetryAfter(failures), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan RetryAfter(int failures) =>
        TimeSpan.FromTicks(Math.Min(StartRetry.Ticks << Math.Min(failures - 1, 10), options.Value.PollInterval.Ticks));
}

/// <summary>The registry file's document (<c>Registry:Path</c>): what empty storage is seeded with.</summary>
public sealed class RegistrySeed(string path)
{
    public JsonObject Document => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}
