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
        var synced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.SyncAsync(stoppingToken);
                synced = true;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever fails (storage slow or away, a stored registry that does not load), the host
                // keeps serving the registry it has and tries again: a background service that throws
                // stops the whole host (a soak at 25/s lost its hub this way when storage lagged).
                Log.SyncFailed(logger, exception.GetType().Name);
            }

            try
            {
                await Task.Delay(synced ? options.Value.PollInterval : StartRetry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>The registry file's document (<c>Registry:Path</c>): what empty storage is seeded with.</summary>
public sealed class RegistrySeed(string path)
{
    public JsonObject Document => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}
