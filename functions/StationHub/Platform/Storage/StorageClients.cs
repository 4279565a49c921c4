using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using StationHub.Platform.Telemetry;

namespace StationHub.Platform.Storage;

/// <summary>
/// Builds the storage clients from <c>AzureWebJobsStorage</c>: a connection string locally
/// (<c>UseDevelopmentStorage=true</c> for Azurite), or, in Azure, identity-based settings
/// <c>AzureWebJobsStorage__accountName</c> (and <c>__clientId</c> for a user-assigned identity).
/// </summary>
public static class StorageClients
{
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>
    /// How long one storage call may hang before the SDK retries it (its default is 100 s). A call
    /// to a stalled endpoint would otherwise hold a queue message, or a webhook's answer, that long.
    /// </summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The first retry's delay; each next one doubles, up to <see cref="MaxRetryDelay"/> (the SDK's
    /// defaults are 0.8 s doubling without a useful cap, so after an outage a queue function or a
    /// poll could sleep 6.4 s or more while storage was already back).
    /// </summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two tries: how late, at most, the hub notices storage is back.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Tries after the first: 0.2 + 0.4 + 0.8 + 1 s, so a call to storage that is down fails in about 2.5 s.</summary>
    public const int MaxRetries = 4;

    /// <summary>
    /// The hub's clients. With <paramref name="metrics"/>, every request of every client is counted
    /// (<see cref="StorageRequestCounting"/>, <c>stationhub.storage.requests</c>).
    /// </summary>
    public static HubStorage Create(IConfiguration configuration, StorageRequestMetrics? metrics = null)
    {
        var prefix = configuration["Storage:Prefix"] ?? string.Empty;
        var queueCounting = metrics is null ? null : new StorageRequestCounting(metrics, StorageRequestCounting.Queue, prefix);
        var tableCounting = metrics is null ? null : new StorageRequestCounting(metrics, StorageRequestCounting.Table, prefix);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        Configure(queueOptions, queueCounting);
        var rawQueueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        Configure(rawQueueOptions, queueCounting);
        var tableOptions = new TableClientOptions();
        Configure(tableOptions, tableCounting);
        var connection = configuration[ConnectionSetting];
        if (!string.IsNullOrWhiteSpace(connection))
        {
            return Counted(
                new HubStorage(
                    new QueueServiceClient(connection, queueOptions),
                    new TableServiceClient(connection, tableOptions),
                    prefix,
                    new QueueServiceClient(connection, rawQueueOptions)),
                queueCounting);
        }

        var account = configuration[$"{ConnectionSetting}:accountName"];
        if (string.IsNullOrWhiteSpace(account))
        {
            throw new InvalidOperationException(
                $"Set '{ConnectionSetting}' to a connection string, or '{ConnectionSetting}__accountName' for a managed identity.");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = configuration[$"{ConnectionSetting}:clientId"],
        });
        var queueEndpoint = new Uri($"https://{account}.queue.core.windows.net");
        return Counted(
            new HubStorage(
                new QueueServiceClient(queueEndpoint, credential, queueOptions),
                new TableServiceClient(new Uri($"https://{account}.table.core.windows.net"), credential, tableOptions),
                prefix,
                new QueueServiceClient(queueEndpoint, credential, rawQueueOptions)),
            queueCounting);
    }

    // The queue counting policy learns the account's path (Azurite's URLs start with the account name).
    private static HubStorage Counted(HubStorage storage, StorageRequestCounting? queues)
    {
        queues?.ServicePath = storage.QueueService.Uri.AbsolutePath.TrimEnd('/');
        return storage;
    }

    private static void Configure(ClientOptions options, StorageRequestCounting? counting)
    {
        Configure(options.Retry);
        if (counting is not null)
        {
            options.AddPolicy(counting, HttpPipelinePosition.PerRetry);
        }
    }

    private static void Configure(RetryOptions retry)
    {
        retry.Mode = RetryMode.Exponential;
        retry.Delay = RetryDelay;
        retry.MaxDelay = MaxRetryDelay;
        retry.MaxRetries = MaxRetries;
        retry.NetworkTimeout = NetworkTimeout;
    }
}
