using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;

namespace StationHub.Sandbox;

/// <summary>
/// Stand-in city and platform endpoints for trying the hub, on their own address
/// (<see cref="DefaultUrl"/>): the sample registry points the cities and platforms there. They
/// check what a real receiver would (the Standard Webhooks signature with that receiver's secret,
/// or the Open311 <c>api_key</c>), log each arrival, and keep the latest ones at
/// <c>GET /sandbox/inbox</c>. Not part of the trigger table: the local host serves them when
/// <c>Sandbox:Enabled</c>, and <c>StationHub.Cli sample</c> starts them itself when nothing answers
/// there (say, beside the Functions app).
/// </summary>
public static partial class SandboxReceivers
{
    public const string EnabledSetting = "Sandbox:Enabled";

    /// <summary>The sandbox witness's cosignature key (a signed-note private key of type 0x04).</summary>
    public const string WitnessKeySetting = "Sandbox:WitnessKey";

    /// <summary>Where the sample registry's cities and platforms are.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7079";
    private const int Kept = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        var inbox = new ConcurrentQueue<SandboxArrival>();
        var group = app.MapGroup("/sandbox");
        group.MapPost("/cities/{cityId}/webhooks", (string cityId, HttpContext context, HubSecrets secrets, HubRegistry registry, TimeProvider time, ILoggerFactory logs) =>
            ReceiveSignedAsync(context, "city", cityId, registry.FindCity(cityId) is null ? null : secrets.CitySigner(cityId), inbox, time, logs));
        group.MapPost("/bodies/{bodyId}/webhooks", (string bodyId, HttpContext context, HubSecrets secrets, HubRegistry registry, TimeProvider time, ILoggerFactory logs) =>
            ReceiveSignedAsync(context, "body", bodyId, registry.FindBody(bodyId) is null ? null : secrets.BodySigner(bodyId), inbox, time, logs));
        group.MapPost("/platforms/{platformId}/webhooks", (string platformId, HttpContext context, HubSecrets secrets, HubRegistry registry, TimeProvider time, ILoggerFactory logs) =>
            ReceiveSignedAsync(context, "platform", platformId, registry.FindPlatform(platformId) is null ? null : secrets.PlatformSigner(platformId), inbox, time, logs));
        group.MapPost("/cities/{cityId}/open311/requests.json", async (string cityId, HttpContext context, HubSecrets secrets, HubRegistry registry, TimeProvider time, ILoggerFactory logs) =>
        {
            if (registry.FindCity(cityId) is null)
            {
                return Results.NotFound();
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var expected = Encoding.UTF8.GetBytes(secrets.CityOpen311ApiKey(cityId));
            var presented = Encoding.UTF8.GetBytes(form["api_key"].ToString());
            if (!CryptographicOperations.FixedTimeEquals(expected, presented))
            {
                return Results.Json(new[] { new { code = 403, description = "Invalid api_key." } }, statusCode: 403);
            }

            var id = context.Request.Headers[StandardWebhook.IdHeader].ToString();
            var hubId = form["attribute[hub_request_id]"].ToString();
            Keep(inbox, new SandboxArrival("city", cityId, id, "open311.service_request", hubId, time.GetUtcNow()));
            Log.Arrived(logs.CreateLogger("StationHub.Sandbox"), "city", cityId, "Open311 POST service request", hubId, id);
            return Results.Json(new[] { new { service_request_id = "city-" + hubId, service_notice = "Received by the sandbox city." } });
        });
        group.MapGet("/inbox", () => Results.Json(inbox.ToArray()));
        MapWitness(group, app.ServiceProvider.GetRequiredService<IConfiguration>());
    }

    /// <summary>
    /// The sandbox witness of the public ledger (C2SP tlog-witness) at <c>/sandbox/witness/add-checkpoint</c>,
    /// the same <see cref="CheckpointWitness"/> that <c>StationHub.Cli witness</c> runs: it trusts the
    /// hub's own checkpoint key, cosigns with <c>Sandbox:WitnessKey</c> (a local-only sample key) and
    /// keeps its state in a file of this process in the temp folder, so each run starts as a new witness.
    /// </summary>
    private static void MapWitness(RouteGroupBuilder group, IConfiguration configuration)
    {
        if (configuration[WitnessKeySetting] is not { Length: > 0 } witnessKey || configuration[LedgerSigningKey.Setting] is not { Length: > 0 } ledgerKey)
        {
            return;
        }

        var key = NoteSigner.Parse(witnessKey);
        using var ledger = NoteSigner.Parse(ledgerKey);
        var state = new WitnessStateFile(Path.Combine(Path.GetTempPath(), $"stationhub-sandbox-witness-{Environment.ProcessId}.json"));
        var witness = new CheckpointWitness(key, [ledger.Verifier], state, TimeProvider.System);
        group.MapPost("/witness/add-checkpoint", async (HttpContext context, ILoggerFactory logs) =>
        {
            var answer = await witness.AddCheckpointAsync(context.Request, context.RequestAborted);
            Log.Witnessed(logs.CreateLogger("StationHub.Sandbox"), answer.Status);
            return Results.Text(answer.Body, answer.ContentType, null, answer.Status);
        });
    }

    private static async Task<IResult> ReceiveSignedAsync(HttpContext context, string kind, string id, WebhookSigner? signer, ConcurrentQueue<SandboxArrival> inbox, TimeProvider time, ILoggerFactory logs)
    {
        if (signer is null)
        {
            return Results.NotFound();
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var verification = signer.Verify(headers[StandardWebhook.IdHeader], headers[StandardWebhook.TimestampHeader], headers[StandardWebhook.SignatureHeader], body, time.GetUtcNow());
        if (!verification.IsValid)
        {
            return Results.Problem(verification.Reason, statusCode: 401);
        }

        using var document = System.Text.Json.JsonDocument.Parse(body);
        var type = document.RootElement.GetProperty("type").GetString() ?? "?";
        var data = document.RootElement.GetProperty("data");
        var subject = data.TryGetProperty("service_request_id", out var sr) ? sr.GetString()
            : data.TryGetProperty("hubId", out var hub) ? hub.GetString() : null;
        var webhookId = headers[StandardWebhook.IdHeader].ToString();

        // A platform shows its customer the pickup code; the sandbox platform keeps it to show you.
        var code = data.TryGetProperty("pickupCode", out var pc) && pc.ValueKind == System.Text.Json.JsonValueKind.String ? pc.GetString() : null;
        Keep(inbox, new SandboxArrival(kind, id, webhookId, type, subject, time.GetUtcNow(), code));
        Log.Arrived(logs.CreateLogger("StationHub.Sandbox"), kind, id, type, subject, webhookId);
        return Results.NoContent();
    }

    private static void Keep(ConcurrentQueue<SandboxArrival> inbox, SandboxArrival arrival)
    {
        inbox.Enqueue(arrival);
        while (inbox.Count > Kept && inbox.TryDequeue(out _))
        {
        }
    }

    public sealed record SandboxArrival(string Receiver, string ReceiverId, string WebhookId, string Type, string? Subject, DateTimeOffset ArrivedAt, string? PickupCode = null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Sandbox {Kind} {Id} received {Type} for {Subject} (webhook-id {WebhookId})")]
        public static partial void Arrived(ILogger logger, string kind, string id, string type, string? subject, string webhookId);

        [LoggerMessage(EventId = 9202, Level = LogLevel.Information, Message = "Sandbox witness answered add-checkpoint with {Status}")]
        public static partial void Witnessed(ILogger logger, int status);
    }
}
