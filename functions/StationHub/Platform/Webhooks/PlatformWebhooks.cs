using System.Text.Json;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// The checks every platform webhook passes before its handler sees it, in this order:
/// known platform (404), body size (413), signature and timestamp (401), the platform's rate (429),
/// JSON media type (415), well-formed JSON without a member named twice (400), envelope
/// <c>{type, timestamp, data}</c> with an accepted type (400). Requests refused before their
/// signature checked out draw on a limit of their own (<see cref="PlatformRateLimits"/>).
/// </summary>
public sealed class PlatformWebhooks(HubRegistry registry, HubSecrets secrets, PlatformRateLimits rateLimits, TimeProvider time)
{
    public OrProblem<VerifiedWebhook> Read(HubRequest request, IReadOnlyCollection<string> acceptedTypes)
    {
        ArgumentNullException.ThrowIfNull(request);
        var platform = registry.FindPlatform(request.Route("platformId"));
        if (platform is null)
        {
            return Problem.NotFound("No platform is registered with that id.");
        }

        // Nothing without the platform's secret touches its rate: what is refused before the
        // signature checks out draws on a bucket of its own (429 beyond it).
        if (request.BodyTooLarge)
        {
            return Unauthenticated(platform, Problem.TooLarge(RequestBody.MaxBytes));
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
            return Unauthenticated(platform, Problem.Unauthorized(verification.Reason!));
        }

        if (!rateLimits.TryAcquire(platform))
        {
            return Problem.TooManyRequests($"Platform {platform.Id} may send {platform.RatePerSecond} webhooks a second; retry after a second.");
        }

        if (!request.IsJson)
        {
            return Problem.UnsupportedMediaType();
        }

        if (JsonBody.Parse(request.Body, out var invalid) is not { } document)
        {
            return invalid!;
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

    private Problem Unauthenticated(Registry.Platform platform, Problem refusal) =>
        rateLimits.TryAcquireUnauthenticated(platform)
            ? refusal
            : Problem.TooManyRequests($"Too many refused requests on platform {platform.Id}'s route: at most {PlatformRateLimits.UnauthenticatedPerSecond} a second; retry after a second.");
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
