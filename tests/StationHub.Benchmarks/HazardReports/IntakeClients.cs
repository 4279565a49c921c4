using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.HazardReports;
using StationHub.Platform.Json;
using StationHub.Platform.Webhooks;
using StationHub.Testing;

namespace StationHub.Benchmarks.HazardReports;

/// <summary>The reports the benchmark sends: all alike but for their ids, which make each one new to the hub.</summary>
public static class BenchmarkReports
{
    public const string Path = "api/v1/platforms/" + TestRegistry.Platform + "/hazard-reports";

    /// <summary>A fixed-width report id, so every message and entity has the same size.</summary>
    public static string ReportId(string runId, long number) =>
        "bench-" + runId + "-" + number.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The webhook body, as <see cref="Webhooks.HazardReport"/> builds it (Shangcheng, Hangzhou).</summary>
    public static string Body(string runId, long number) => Webhooks.HazardReport(ReportId(runId, number));

    /// <summary>An HTTP client for the local host, with a connection for every concurrent loop.</summary>
    public static HttpClient HttpClientFor(Uri hub) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        MaxConnectionsPerServer = 1024,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = hub,
        Timeout = TimeSpan.FromSeconds(30),
    };
}

/// <summary>Posts freshly signed, unique hazard reports to the local host, as a platform does.</summary>
public sealed class HubIntakeClient(HttpClient http, StandardWebhook signer, string runId)
{
    /// <summary>Posts report <paramref name="number"/>; only a 202 counts as success.</summary>
    public async Task<string?> PostAsync(long number, CancellationToken cancellationToken)
    {
        using var request = Webhooks.Signed(BenchmarkReports.Path, BenchmarkReports.Body(runId, number), signer);
        using var response = await http.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.Accepted ? null : "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Posts report <paramref name="number"/> and returns the hub id of its 202 answer (null otherwise).</summary>
    public async Task<string?> PostForHubIdAsync(long number, CancellationToken cancellationToken)
    {
        using var request = Webhooks.Signed(BenchmarkReports.Path, BenchmarkReports.Body(runId, number), signer);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return null;
        }

        using var answer = JsonDocument.Parse(body);
        return answer.RootElement.GetProperty("hubId").GetString();
    }
}

/// <summary>
/// The storage limit: the storage writes of an accepted report — the webhook-id's claim row, one
/// queue send of the same <see cref="HazardReportAccepted"/> message, then one insert of the same
/// <see cref="ReportEntity"/> — from a bare SDK client, with no HTTP, signing or validation. (The
/// duplicate check's cell reads and claim, since issue 14, are not in it: the hub pays them on top.)
/// </summary>
public sealed class StorageLimitClient(QueueClient queue, TableClient table, string runId, string courierPseudonym)
{
    // The fields Webhooks.HazardReport sends, as the intake turns them into a report.
    private static readonly GeoLocation Location = new(30.25, 120.18, "12 Hubin Rd");
    private static readonly string[] MediaUrls = ["https://media.example.com/a.jpg"];
    private static readonly DateTimeOffset ObservedAt = new(2026, 11, 22, 7, 55, 0, TimeSpan.Zero);

    /// <summary>The queue client options the hub uses (StorageClients): Base64 message encoding.</summary>
    public static QueueClientOptions QueueOptions => new() { MessageEncoding = QueueMessageEncoding.Base64 };

    public async Task<string?> SendAndStoreAsync(long number, CancellationToken cancellationToken)
    {
        var (message, entity) = Build(number);
        await table.AddEntityAsync(new WebhookIdClaimEntity { PartitionKey = WebhookIdClaims.PartitionFor(TestRegistry.Platform, $"msg_{runId}_{number}"), ItemId = entity.PartitionKey }, cancellationToken);
        await queue.SendMessageAsync(message, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        await table.AddEntityAsync(entity, cancellationToken);
        return null;
    }

    /// <summary>The message and the entity the intake would write for report <paramref name="number"/>.</summary>
    public (BinaryData Message, ReportEntity Entity) Build(long number)
    {
        var reportId = BenchmarkReports.ReportId(runId, number);
        var now = TimeProvider.System.GetUtcNow();
        var report = new HazardReport(
            HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, reportId),
            TestRegistry.Platform,
            reportId,
            courierPseudonym,
            "blocked_fire_exit",
            "Fire exit blocked by e-bikes",
            Location,
            "330102",
            TestRegistry.WebhookCity,
            MediaUrls,
            ObservedAt,
            now);
        var webhookId = "msg_" + Guid.NewGuid().ToString("N");
        var attemptId = Guid.NewGuid().ToString("N");
        var accepted = new HazardReportAccepted(HazardReportAccepted.CurrentSchemaVersion, webhookId, now, webhookId, attemptId, report);
        return (new BinaryData(JsonSerializer.SerializeToUtf8Bytes(accepted, HubJsonContext.Default.HazardReportAccepted)), ReportEntity.For(report, webhookId, attemptId));
    }
}
