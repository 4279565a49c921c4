using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// <c>POST /api/v1/platforms/{platformId}/hazard-reports</c>: verifies, validates, queues and
/// stores a courier's hazard report, then answers 202 (or 200 for a repeat).
/// Three storage round trips: the webhook-id's claim (<see cref="WebhookIdClaims"/>), then
/// <see cref="QueueFirst"/>: the queue send, then one insert keyed by the report's hub id. All
/// share the request's one deadline (<see cref="RequestDeadline"/>, applied by the host's runner).
/// </summary>
public sealed partial class HazardReportIntake(
    PlatformWebhooks webhooks,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubIdKey hubIds,
    HazardReportStore store,
    DuplicateClaims duplicates,
    ReportReopening reopening,
    TimeProvider time,
    ILogger<HazardReportIntake> logger)
{
    public const string CreatedType = "hazard_report.created";

    /// <summary>The platform says a resolved report is not fixed (within the category's reopenWindowDays).</summary>
    public const string ReopenedType = "hazard_report.reopened";
    public const int MaxDescriptionLength = 2000;
    public const int MaxMediaUrls = 5;

    /// <summary>How long ago a hazard may have been seen: a report is about the street as it is now.</summary>
    public static readonly TimeSpan MaxObservedAge = TimeSpan.FromDays(30);

    private static readonly string[] AcceptedTypes = [CreatedType, ReopenedType];

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var read = webhooks.Read(request, AcceptedTypes);
        if (read.Problem is { } problem)
        {
            Log.WebhookRefused(logger, request.Route("platformId"), problem.Status, problem.Detail);
            return HubResponse.Problem(problem);
        }

        using var webhook = read.Webhook!;
        if (webhook.Type == ReopenedType)
        {
            return await reopening.HandleAsync(webhook, cancellationToken);
        }

        var fields = new FieldReader();
        var report = Parse(webhook, fields);
        if (report is null)
        {
            Log.WebhookRefused(logger, webhook.Platform.Id, 400, "invalid fields");
            return HubResponse.Problem(Problem.BadRequest("The hazard report is not valid.", fields.Errors));
        }

        var attemptId = Guid.NewGuid().ToString("N");
        var accepted = new HazardReportAccepted(
            HazardReportAccepted.CurrentSchemaVersion,
            CorrelationId: webhook.WebhookId,
            OccurredAt: report.ReceivedAt,
            webhook.WebhookId,
            attemptId,
            report);

        return await AcceptAsync(accepted, webhook.WebhookId, cancellationToken);
    }

    private async Task<HubResponse> AcceptAsync(HazardReportAccepted accepted, string webhookId, CancellationToken cancellationToken)
    {
        var report = accepted.Report;
        var claimedBy = await store.ClaimWebhookIdAsync(report.PlatformId, webhookId, report.HubId, cancellationToken);
        if (claimedBy != report.HubId)
        {
            // The same webhook-id with another body: the first answer, and nothing made.
            Log.WebhookIdReused(logger, claimedBy, report.PlatformId);
            var first = await store.FindAsync(claimedBy, cancellationToken);
            return Accepted(AnswerFor(report.PlatformId, claimedBy, first?.DuplicateOf), StatusCodes.Ok);
        }

        if (await store.AcceptAsync(accepted, ReportEntity.For(report, webhookId, accepted.AttemptId), cancellationToken))
        {
            // Stored first, then judged: a report another claim meets is always readable.
            var duplicateOf = await DecideDuplicateAsync(duplicates, store, report.HubId, cancellationToken);
            Log.ReportAccepted(logger, report.HubId, report.PlatformId, report.District);
            return Accepted(AnswerFor(report.PlatformId, report.HubId, duplicateOf), StatusCodes.Accepted);
        }

        Log.ReportRepeated(logger, report.HubId, report.PlatformId);
        var stored = await store.FindAsync(report.HubId, cancellationToken);
        return Accepted(AnswerFor(report.PlatformId, report.HubId, stored?.DuplicateOf), StatusCodes.Ok);
    }

    /// <summary>
    /// Decides once whether a stored report duplicates an open original and keeps the answer with the
    /// report (<see cref="ReportEntity.DuplicateDecided"/>); the request and the router both call it,
    /// and whichever keeps its decision first is the decision.
    /// </summary>
    internal static Task<string?> DecideDuplicateAsync(DuplicateClaims duplicates, HazardReportStore store, string hubId, CancellationToken cancellationToken) =>
        Optimistic.RetryAsync<string?>($"The duplicate decision of {hubId}", async _ =>
        {
            var entity = await store.FindAsync(hubId, cancellationToken)
                ?? throw new InvalidOperationException($"Report {hubId} vanished while it was judged.");
            if (entity.DuplicateDecided)
            {
                return Attempt<string?>.Done(entity.DuplicateOf);
            }

            var duplicateOf = await duplicates.ClaimAsync(entity.ToReport(), cancellationToken);
            entity.DuplicateOf = duplicateOf;
            entity.LinkedByHub = duplicateOf is not null;
            entity.DuplicateDecided = true;
            return await store.TryReplaceAsync(entity, cancellationToken) ? Attempt<string?>.Done(duplicateOf) : Attempt<string?>.Retry;
        }, cancellationToken);

    public static string StatusUrlFor(string platformId, string hubId) =>
        "/" + Routes.HazardReportStatus.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{hubId}", hubId, StringComparison.Ordinal);

    private static HubResponse Accepted(WebhookAnswer answer, int status) =>
        HubResponse.Json(status, answer, HubJsonContext.Default.WebhookAnswer, new Dictionary<string, string> { ["Location"] = answer.StatusUrl });

    private static WebhookAnswer AnswerFor(string platformId, string hubId, string? duplicateOf) =>
        new(hubId, HazardReportStatus.Received.ToWire(), StatusUrlFor(platformId, hubId), duplicateOf);

    private HazardReport? Parse(VerifiedWebhook webhook, FieldReader fields)
    {
        var data = webhook.Data;
        var reportId = fields.Identifier(data, "reportId", "data.reportId");
        var courierId = fields.String(data, "courierId", "data.courierId", maxLength: 128);
        var category = fields.String(data, "category", "data.category", maxLength: 64);
        if (category is not null && registry.FindCategory(category) is null)
        {
            fields.Fail("data.category", "is not a code from the service list (GET /api/v1/open311/services.json).");
        }

        var description = fields.String(data, "description", "data.description", maxLength: MaxDescriptionLength);
        var location = fields.Object(data, "location", "data.location");
        double? lat = null, lon = null;
        string? address = null;
        if (location is { } loc)
        {
            lat = fields.Number(loc, "lat", "data.location.lat", -90, 90);
            lon = fields.Number(loc, "lon", "data.location.lon", -180, 180);
            address = fields.String(loc, "address", "data.location.address", required: false, maxLength: 500);
        }

        var districtCode = fields.String(data, "district", "data.district", required: false, minLength: 6, maxLength: 6, pattern: DistrictPattern(), patternHint: "must be a six-digit GB/T 2260 code.");
        var mediaUrls = ParseMediaUrls(data, fields);
        var observedAt = fields.Timestamp(data, "observedAt", "data.observedAt");
        var now = time.GetUtcNow();
        if (observedAt > now + StandardWebhook.Tolerance)
        {
            fields.Fail("data.observedAt", "is in the future.");
        }
        else if (observedAt < now - MaxObservedAge)
        {
            fields.Fail("data.observedAt", $"is more than {MaxObservedAge.TotalDays:0} days ago; report hazards seen in the last {MaxObservedAge.TotalDays:0} days.");
        }

        (City City, District District)? place = null;
        if (districtCode is not null)
        {
            place = registry.FindDistrict(districtCode);
            if (place is null)
            {
                fields.Fail("data.district", "is not a district the hub serves.");
            }
            else if (lat is not null && lon is not null && !place.Value.District.Area.Contains(lat.Value, lon.Value))
            {
                // The report goes to the city of its district: a district the location is not in
                // would send it to the wrong city. The location decides; leave the district out to have it resolved.
                fields.Fail("data.district", "does not contain data.location; name the district the location is in, or leave it out.");
            }
        }
        else if (lat is not null && lon is not null)
        {
            place = registry.LocateDistrict(lat.Value, lon.Value);
            if (place is null)
            {
                fields.Fail("data.location", "is outside every district the hub serves; name the district.");
            }
        }

        if (fields.HasErrors)
        {
            return null;
        }

        return new HazardReport(
            HazardReport.HubIdFor(hubIds, webhook.Platform.Id, reportId!),
            webhook.Platform.Id,
            reportId!,
            pseudonyms.Courier(webhook.Platform.Id, courierId!),
            category!,
            description!,
            new GeoLocation(lat!.Value, lon!.Value, address),
            place!.Value.District.Code,
            place.Value.City.Id,
            mediaUrls!,
            observedAt!.Value,
            now,
            place.Value.City.BodyFor(category!)?.Id);
    }

    private static List<string>? ParseMediaUrls(JsonElement data, FieldReader fields)
    {
        var items = fields.Array(data, "mediaUrls", "data.mediaUrls", MaxMediaUrls, required: false);
        var urls = new List<string>();
        if (items is null)
        {
            return urls;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var path = $"data.mediaUrls[{i}]";
            if (!FieldReader.TryGetText(items[i], out var text))
            {
                fields.Fail(path, "must be a string of valid UTF-8 text.");
                continue;
            }

            if (text.Length > 2048
                || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
                || uri.Scheme != Uri.UriSchemeHttps
                || string.IsNullOrEmpty(uri.Host))
            {
                fields.Fail(path, "must be an absolute https URL of at most 2048 characters.");
                continue;
            }

            if (PublicHost.HasUserInfo(uri, text))
            {
                fields.Fail(path, "must not carry a user name or password.");
                continue;
            }

            if (!PublicHost.IsPublic(uri))
            {
                fields.Fail(path, "must name a public host: the city fetches it, so loopback, link-local and private addresses are refused.");
                continue;
            }

            urls.Add(uri.AbsoluteUri);
        }

        return urls;
    }

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex DistrictPattern();
}

/// <summary>The answer to an accepted webhook: where to follow the item; for a report linked to an open original, that original's hub id.</summary>
public sealed record WebhookAnswer(
    string HubId,
    string Status,
    string StatusUrl,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? DuplicateOf = null);
