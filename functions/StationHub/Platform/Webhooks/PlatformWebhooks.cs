using System.Text.Json;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// The checks every platform webhook passes before its handler sees it, in this order:
/// known platform (404), its rate (429), body size (413), JSON media type (415), signature and timestamp (401),
/// envelope <c>{type, timestamp, data}</c> with an accepted type (400).
/// </summary>
public sealed class PlatformWebhooks(HubRegistry registry, HubSecrets secrets, PlatformRateLimits rateLimits, TimeProvider time)
{
    public WebhookReadResult Read(HubRequest request, IReadOnlyCollection<string> acceptedTypes)
    {
        ArgumentNullException.ThrowIfNull(request);
        var platform = registry.FindPlatform(request.Route("platformId"));
        if (platform is null)
        {
            return Problem.NotFound("No platform is registered with that id.");
        }

        if (!rateLimits.TryAcquire(platform))
        {
            return Problem.TooManyRequests($"Platform {platform.Id} may send {platform.RatePerSecond} webhooks a second; retry after a second.");
        }

        if (request.BodyTooLarge)
        {
            return Problem.TooLarge(RequestBody.MaxBytes);
        }

        if (!request.IsJson)
        {
            return Problem.UnsupportedMediaType();
        }

        var webhookId = request.Header(StandardWebhook.IdHeader);
        var verification = secrets.PlatformSigner(platform.Id).Verify(
            webhookId,
            request.Header(StandardWebhook.TimestampHeader),
            request.Header(StandardWebhook.SignatureHeader),
            request.Body.Span,
            time.GetUtcNow());
        if (!verification.IsValid)
        {
            return Problem.Unauthorized(verification.Reason!);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.JsonBody, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return Problem.BadRequest("The body is not valid JSON.");
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return Problem.BadRequest("The body must be a Standard Webhooks envelope: {\"type\", \"timestamp\", \"data\"}.");
        }

        var fields = new FieldReader();
        var type = fields.String(root, "type", "type", maxLength: 64);
        if (type is not null && !acceptedTypes.Contains(type))
        {
            fields.Fail("type", $"must be one of: {string.Join(", ", acceptedTypes)}.");
        }

        fields.Timestamp(root, "timestamp", "timestamp");
        var data = fields.Object(root, "data", "data");
        if (fields.HasErrors)
        {
            document.Dispose();
            return Problem.BadRequest("The webhook envelope is not valid.", fields.Errors);
        }

        return new VerifiedWebhook(platform, webhookId!, type!, data!.Value, document);
    }
}

/// <summary>A webhook whose signature checked out; owns the parsed document.</summary>
public sealed class VerifiedWebhook(Registry.Platform platform, string webhookId, string type, JsonElement data, JsonDocument document) : IDisposable
{
    public Registry.Platform Platform { get; } = platform;

    public string WebhookId { get; } = webhookId;

    public string Type { get; } = type;

    public JsonElement Data { get; } = data;

    public void Dispose() => document.Dispose();
}

/// <summary>Either a verified webhook or the problem to answer with.</summary>
public readonly struct WebhookReadResult
{
    private WebhookReadResult(VerifiedWebhook? webhook, Problem? problem)
    {
        Webhook = webhook;
        Problem = problem;
    }

    public VerifiedWebhook? Webhook { get; }

    public Problem? Problem { get; }

    public static implicit operator WebhookReadResult(VerifiedWebhook webhook) => new(webhook, null);

    public static implicit operator WebhookReadResult(Problem problem) => new(null, problem);
}
