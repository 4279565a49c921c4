using System.Text.Json;
using Azure.Data.Tables;
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
/// <c>POST /api/v1/platforms/{platformId}/hazard-reports</c>: the route's part of the one intake
/// (<see cref="SignedIntake"/>). A report costs three storage round trips: the webhook-id's claim
/// (<see cref="WebhookIdClaims"/>), then <see cref="QueueFirst"/>: the queue send, then one insert keyed
/// by the report's hub id. All share the request's one deadline (<see cref="RequestDeadline"/>,
/// applied by the host's runner). Nothing else is on this path: whether the report repeats an open
/// original is decided by the router (<see cref="DuplicateClaims"/>). <c>hazard_report.reopened</c> on
/// the same route is <see cref="ReportReopening"/>'s.
/// </summary>
public sealed partial class HazardReportIntake(
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubIdKey hubIds,
    HazardReportStore store,
    ReportReopening reopening,
    TimeProvider time,
    ILogger<HazardReportIntake> logger) : IWebhookRoute
{
    public const string CreatedType = "hazard_report.created";

    /// <summary>The platform says a resolved report is not fixed (within the category's reopenWindowDays).</summary>
    public const string ReopenedType = "hazard_report.reopened";
    public const int MaxDescriptionLength = 2000;
    public const int MaxMediaUrls = 5;

    /// <summary>How long ago a hazard may have been seen: a report is about the street as it is now.</summary>
    public static readonly TimeSpan MaxObservedAge = TimeSpan.FromDays(30);

    public IReadOnlyCollection<string> Types { get; } = [CreatedType, ReopenedType];

    public TableClient ClaimTable => store.ClaimTable;

    public async Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        if (webhook.Type == ReopenedType)
        {
            return await reopening.ParseAsync(webhook, cancellationToken);
        }

        var fields = new FieldReader();
        if (Parse(webhook, fields) is not { } report)
        {
            return Problem.BadRequest("The hazard report is not valid.", fields.Errors);
        }

        var accepted = new HazardReportAccepted(
            HazardReportAccepted.CurrentSchemaVersion,
            CorrelationId: webhook.WebhookId,
            OccurredAt: report.ReceivedAt,
            webhook.WebhookId,
            AttemptId: Guid.NewGuid().ToString("N"),
            report);
        return new WebhookItem(
            report.HubId,
            token => AcceptAsync(accepted, token),
            (held, token) => AnswerAsync(report.PlatformId, held, token),
            token => AnswerIfStoredAsync(report.PlatformId, report.HubId, token));
    }

    /// <summary>A retried webhook-id: the first answer when the report is stored (one read), null when it is not yet.</summary>
    private async Task<HubResponse?> AnswerIfStoredAsync(string platformId, string hubId, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(hubId, cancellationToken) is null)
        {
            return null;
        }

        Log.ReportRepeated(logger, hubId, platformId);
        return AnswerFor(platformId, hubId).Response(StatusCodes.Ok);
    }

    private async Task<HubResponse> AcceptAsync(HazardReportAccepted accepted, CancellationToken cancellationToken)
    {
        var report = accepted.Report;
        if (await store.AcceptAsync(accepted, ReportEntity.For(report, accepted.WebhookId, accepted.AttemptId), cancellationToken))
        {
            Log.ReportAccepted(logger, report.HubId, report.PlatformId, report.District);
            return AnswerFor(report.PlatformId, report.HubId).Response(StatusCodes.Accepted);
        }

        Log.ReportRepeated(logger, report.HubId, report.PlatformId);
        return await AnswerAsync(report.PlatformId, report.HubId, cancellationToken);
    }

    /// <summary>
    /// The answer about a stored report (a repeat, or the report a reused webhook-id named first): 200,
    /// with no read (the duplicate decision is in the status resource, not in the answer).
    /// </summary>
    private static Task<HubResponse> AnswerAsync(string platformId, string hubId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(AnswerFor(platformId, hubId).Response(StatusCodes.Ok));
    }

    public static string StatusUrlFor(string platformId, string hubId) =>
        "/" + Routes.HazardReportStatus.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{hubId}", hubId, StringComparison.Ordinal);

    private static WebhookAnswer AnswerFor(string platformId, string hubId) =>
        new(hubId, HazardReportStatus.Received.ToWire(), StatusUrlFor(platformId, hubId));

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
