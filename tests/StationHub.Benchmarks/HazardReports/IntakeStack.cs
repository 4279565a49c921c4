using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Benchmarks.Measurement;
using StationHub.HazardReports;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Testing;
using StationHub.Triggers;

namespace StationHub.Benchmarks.HazardReports;

/// <summary>
/// What the intake runs drive: the local host as a child process with its triggers off (only the
/// intake works) over its own Azurite, and the bare storage clients of the limit beside it. The
/// host's memory is sampled from start to end. The emulator can be replaced by a fresh one on the
/// same ports while the host, warm, keeps running. With <c>--hub</c> the host is one already running
/// (e.g. the Functions host): the intake posts to it, signed with the secret of its settings, and its
/// report and duplicate-cell tables (on its storage, from the same settings) are emptied as the child's are;
/// the limit keeps the private Azurite, and only that one is restarted.
/// </summary>
public sealed class IntakeStack : IAsyncDisposable
{
    /// <summary>
    /// The platform's webhook rate for the benchmark: high enough never to throttle it, because the
    /// benchmark measures what the hub can take, not the per-platform policy (default 200/s).
    /// </summary>
    public const int UnthrottledRatePerSecond = 1_000_000;

    private readonly TestRegistry registry;
    private readonly StandardWebhook signer;
    private readonly HubStorage? outsideStorage;
    private readonly HttpClient http;
    private readonly string courierPseudonym;
    private AzuriteProcess azurite;
    private CorePinning? pinning;

    private IntakeStack(AzuriteProcess azurite, TestRegistry registry, ChildHost? host, string prefix, Uri baseAddress, StandardWebhook signer, string? hubConnection = null)
    {
        this.azurite = azurite;
        this.registry = registry;
        this.signer = signer;
        Prefix = prefix;
        Host = host;
        Memory = new MemorySampler(HostPid);
        http = BenchmarkReports.HttpClientFor(baseAddress);
        var connection = azurite.ConnectionString;
        var hubStorage = hubConnection ?? connection;
        outsideStorage = hubConnection is null ? null : new HubStorage(new QueueServiceClient(hubConnection), new TableServiceClient(hubConnection), prefix);
        HubQueue = new QueueClient(hubStorage, prefix + Queues.HazardReportsAccepted, StorageLimitClient.QueueOptions);
        HubTable = new TableClient(hubStorage, prefix + Tables.HazardReports);
        DuplicateCells = new TableClient(hubStorage, prefix + Tables.CityRequests);
        LimitQueue = new QueueClient(connection, prefix + "limit-accepted", StorageLimitClient.QueueOptions);
        LimitTable = new TableClient(connection, prefix + "LimitReports");
        courierPseudonym = new Pseudonyms(RandomNumberGenerator.GetBytes(32)).Courier(TestRegistry.Platform, "courier-42");
    }

    public AzuriteProcess Azurite => azurite;

    /// <summary>The host's storage prefix.</summary>
    public string Prefix { get; }

    public TestRegistry Registry => registry;

    /// <summary>The client the intake runs post with (a connection per concurrent loop).</summary>
    public HttpClient Http => http;

    /// <summary>The child host; null when the hub is outside (<c>--hub</c>).</summary>
    public ChildHost? Host { get; }

    /// <summary>The host's process id, or <see cref="CpuMeter.NoHost"/> when the hub is outside.</summary>
    public int HostPid => Host?.ProcessId ?? CpuMeter.NoHost;

    public MemorySampler Memory { get; }

    public QueueClient HubQueue { get; }

    public TableClient HubTable { get; }

    /// <summary>The hub's duplicate claims (their cells are rows of <c>CityRequests</c>).</summary>
    public TableClient DuplicateCells { get; }

    public QueueClient LimitQueue { get; }

    public TableClient LimitTable { get; }

    /// <summary>Starts a fresh Azurite (in memory), then the host over it; with <paramref name="pinning"/>, each on its cores.</summary>
    public static async Task<IntakeStack> StartAsync(CorePinning? pinning = null)
    {
        var azurite = await AzuriteProcess.StartAsync();
        try
        {
            var registry = new TestRegistry(
                new Uri("http://127.0.0.1:9/city/webhooks"),
                new Uri("http://127.0.0.1:9/open311/requests.json"),
                new Uri("http://127.0.0.1:9/platform/webhooks"),
                new Uri("http://127.0.0.1:9/other/webhooks"),
                UnthrottledRatePerSecond);
            var prefix = "b" + Guid.NewGuid().ToString("N")[..10];
            var settings = registry.Settings(azurite.ConnectionString, prefix);
            settings[TriggerRuntime.DisabledSetting] = "true";
            var host = await ChildHost.StartAsync(settings);
            var stack = new IntakeStack(azurite, registry, host, prefix, host.BaseAddress, registry.PlatformSigner) { pinning = pinning };
            await stack.CreateLimitStorageAsync();
            if (pinning is not null)
            {
                await pinning.ApplyAsync(azurite.ProcessId, host.ProcessId);
            }

            return stack;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Drives a hub already running at <paramref name="hubUrl"/>, with its settings (a local.settings.json,
    /// whose <c>Values</c> are read, or a flat JSON object): the platform's signing secret, and the storage
    /// and prefix its tables are emptied on. The limit runs on a fresh private Azurite.
    /// </summary>
    public static async Task<IntakeStack> StartOutsideAsync(Uri hubUrl, string settingsFile)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(settingsFile));
        var values = document.RootElement.TryGetProperty("Values", out var nested) ? nested : document.RootElement;
        // Either spelling: "A:B" or the environment's "A__B" (local.settings.json uses the latter).
        string? Setting(string name) =>
            values.TryGetProperty(name, out var value) || values.TryGetProperty(name.Replace(":", "__", StringComparison.Ordinal), out value) ? value.GetString() : null;
        var secret = Setting($"Secrets:Platforms:{TestRegistry.Platform}:SigningSecret")
            ?? throw new InvalidOperationException($"{settingsFile} has no Secrets:Platforms:{TestRegistry.Platform}:SigningSecret");
        var connection = Setting("AzureWebJobsStorage") ?? throw new InvalidOperationException($"{settingsFile} has no AzureWebJobsStorage");
        var azurite = await AzuriteProcess.StartAsync();
        var registry = new TestRegistry(new Uri("http://127.0.0.1:9/c"), new Uri("http://127.0.0.1:9/o"), new Uri("http://127.0.0.1:9/p"), new Uri("http://127.0.0.1:9/q"));
        var stack = new IntakeStack(azurite, registry, null, Setting("Storage:Prefix") ?? string.Empty, hubUrl, new StandardWebhook(secret), connection);
        await stack.CreateLimitStorageAsync();
        return stack;
    }

    /// <summary>
    /// Stops the emulator (SIGTERM) and starts a fresh, empty one on the same ports, with every
    /// queue and table of the hub (the intake's, and those it reads such as <c>CityRequests</c>):
    /// the host keeps its connection string and its warm code; its connections to the old emulator
    /// fail once and are retried by the SDK. A hub outside keeps its own storage; only the limit's
    /// emulator is renewed.
    /// </summary>
    public async Task RestartAzuriteAsync()
    {
        var ports = (azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        await azurite.DisposeAsync();
        azurite = await AzuriteProcess.StartAsync(ports: ports);
        if (outsideStorage is null)
        {
            var connection = azurite.ConnectionString;
            await new HubStorage(new QueueServiceClient(connection), new TableServiceClient(connection), Prefix).EnsureCreatedAsync();
        }

        await CreateLimitStorageAsync();
        if (pinning is not null)
        {
            await pinning.ApplyAsync(azurite.ProcessId, HostPid);
        }
    }

    public HubIntakeClient Hub(string runId) => new(http, signer, runId);

    public StorageLimitClient Limit(string runId) => new(LimitQueue, LimitTable, runId, courierPseudonym);

    public CpuMeter MeasureCpu() => CpuMeter.Start(Azurite.ProcessId, HostPid);

    /// <summary>
    /// Empties both report tables and the hub's duplicate cells between runs, because Azurite's
    /// inserts slow down as a table grows (docs/benchmarks.md), and a cell claimed in one run must
    /// not make the next run's reports duplicates. The hub is idle then, and its table client holds no state.
    /// The queues are left as they are: with the triggers off nothing reads them, and clearing
    /// them would hand Azurite's queue GC thousands of dead messages to delete one by one, which
    /// stalls the emulator for seconds to minutes (docs/benchmarks.md).
    /// </summary>
    public async Task ResetTablesAsync()
    {
        foreach (var table in new[] { HubTable, DuplicateCells, LimitTable })
        {
            await table.DeleteAsync();
            await table.CreateAsync();
        }
    }

    /// <summary>
    /// Checks that the limit writes what the hub writes: the size of one message the hub queued
    /// and of the report JSON it stored, beside the limit's own. Call after a hub run, before the tables are reset.
    /// </summary>
    public async Task<SizeCheck> CheckSizesAsync()
    {
        var peeked = await HubQueue.PeekMessagesAsync(1);
        var hubMessage = peeked.Value.Length > 0 ? peeked.Value[0].Body.ToArray().Length : 0;
        var hubReport = 0;
        await foreach (var entity in HubTable.QueryAsync<ReportEntity>(maxPerPage: 1))
        {
            hubReport = entity.Report.Length;
            break;
        }

        var (message, limitEntity) = Limit("sizes0").Build(0);
        return new SizeCheck(hubMessage, message.ToArray().Length, hubReport, limitEntity.Report.Length);
    }

    public async ValueTask DisposeAsync()
    {
        if (pinning is not null)
        {
            await pinning.ReleaseAsync();
        }

        http.Dispose();
        await Memory.DisposeAsync();
        if (Host is not null)
        {
            await Host.StopAsync(TimeSpan.FromSeconds(15));
            await Host.DisposeAsync();
        }

        await azurite.DisposeAsync();
        File.Delete(registry.RegistryPath);
    }

    private async Task CreateLimitStorageAsync()
    {
        await LimitQueue.CreateIfNotExistsAsync();
        await LimitTable.CreateIfNotExistsAsync();
    }
}

/// <summary>Bytes of one queued message and characters of one stored report JSON: hub beside limit.</summary>
public sealed record SizeCheck(int HubMessageBytes, int LimitMessageBytes, int HubReportChars, int LimitReportChars);
