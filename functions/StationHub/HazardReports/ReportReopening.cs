using System.Security.Cryptography;
using System.Text;
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
/// <c>hazard_report.reopened</c> on the platform's hazard-reports route: the courier says a resolved
/// report is not fixed. Within the category's <c>reopenWindowDays</c> of resolution the report goes
/// back to its recipient (routed again, the 24-hour clock restarted), kept as an update with status
/// <c>reopened</c>. Like a city update it is queued first, then applied under the report's ETag; the
/// queue function tells the recipient and writes <c>report.reopened</c> for the ledger.
/// Idempotent by webhook-id: the same reopening again gets the first answer. A report linked to
/// another (<c>duplicateOf</c>) is not reopened: 409, naming the original.
/// </summary>
public sealed class ReportReopening(
    HazardReportStore store,
    HubIdKey hubIds,
    ReportUpdateApplier applier,
    HubRegistry registry,
    HubStorage storage,
    TimeProvider time,
    ILogger<ReportReopening> logger)
{
    /// <summary>
    /// The reopening's part of the intake: its fields, and every check that can refuse it (the report
    /// exists, is resolved, within its window), before anything is written, so a refused reopening
    /// leaves nothing behind. Accepted, it is queued, then applied under the report's ETag.
    /// </summary>
    public async Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var fields = new FieldReader();
        var data = webhook.Data;
        var reportId = fields.Identifier(data, "reportId", "data.reportId");
        var note = fields.String(data, "note", "data.note", maxLength: HazardReportIntake.MaxDescriptionLength);
        var observedAt = fields.Timestamp(data, "observedAt", "data.observedAt");
        var now = time.GetUtcNow();
        if (observedAt > now + StandardWebhook.Tolerance)
        {
            fields.Fail("data.observedAt", "is in the future.");
        }

        if (fields.HasErrors)
        {
            return Problem.BadRequest("The reopening is not valid.", fields.Errors);
        }

        var platformId = webhook.Platform.Id;
        var hubId = HazardReport.HubIdFor(hubIds, platformId, reportId!);
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null)
        {
            // A report received before ids were keyed keeps its old id (one more read, only on this miss).
            hubId = HazardReport.LegacyHubIdFor(platformId, reportId!);
            entity = await store.FindAsync(hubId, cancellationToken);
        }

        if (entity is null)
        {
            return Problem.NotFound("None of your reports has that reportId.");
        }

        var updateId = UpdateIdFor(platformId, webhook.WebhookId);
        WebhookItem Item(Func<CancellationToken, Task<HubResponse>> accept) =>
            new(hubId, accept, (held, _) => Task.FromResult(Answer(platformId, held, StatusCodes.Ok)));
        if (await store.FindUpdateAsync(hubId, updateId, cancellationToken) is not null)
        {
            // The same reopening again: the first answer, nothing done twice.
            return Item(_ => Task.FromResult(Answer(platformId, hubId, StatusCodes.Ok)));
        }

        if (entity.DuplicateOf is { } original)
        {
            // A linked report follows its original, which is the request its recipient answers (a report
            // the hub linked was never sent to it): reopening the linked one would name a request the
            // recipient does not know. The platform reopens the original if it is its own, or reports anew.
            return Problem.Conflict(
                $"The report is linked to {original} and follows it; reopen that report (if it is yours) or report the hazard anew.");
        }

        var report = entity.ToReport();
        var window = TimeSpan.FromDays(registry.FindCategory(report.Category)?.ReopenWindowDays ?? HazardCategory.DefaultReopenWindowDays);
        if (entity.CurrentStatus != HazardReportStatus.Resolved || entity.ClosedAt is not { } closedAt)
        {
            return Problem.Conflict($"The report is {entity.Status}; only a resolved report can be reopened.");
        }

        if (now - closedAt > window)
        {
            return Problem.Conflict(
                $"The report was resolved at {IsoTimestamp.Format(closedAt)}; it can be reopened within {window.TotalDays:0} days of that. Report it anew.");
        }

        if (observedAt < closedAt - StandardWebhook.Tolerance)
        {
            return Problem.BadRequest("The reopening is not valid.", new Dictionary<string, string[]> { ["data.observedAt"] = [$"is before the report was resolved ({IsoTimestamp.Format(closedAt)})."] });
        }

        var update = new CityUpdate(updateId, "platform:" + platformId, HazardReportStatus.Reopened, note, observedAt!.Value, now);
        var message = new HazardReportUpdateReceived(HazardReportUpdateReceived.CurrentSchemaVersion, webhook.WebhookId, now, hubId, update);
        return Item(async token => await QueueFirst.ThenApplyAsync(storage, Queues.HazardReportUpdates, message, HubJsonContext.Default.HazardReportUpdateReceived, applyToken => applier.ApplyAsync(entity, update, applyToken), token) switch
        {
            UpdateOutcome.NoLongerApplies => HubResponse.Problem(Problem.Conflict("The report moved on meanwhile; it is no longer resolved.")),
            UpdateOutcome.AlreadyApplied => Answer(platformId, hubId, StatusCodes.Ok),
            _ => Reopened(platformId, hubId),
        });
    }

    private HubResponse Reopened(string platformId, string hubId)
    {
        Log.ReportReopened(logger, hubId, platformId);
        return Answer(platformId, hubId, StatusCodes.Accepted);
    }

    /// <summary>The update id a reopening is kept under: one per platform webhook-id.</summary>
    public static string UpdateIdFor(string platformId, string webhookId) =>
        "reopen-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(platformId + "\n" + webhookId)).AsSpan(0, 12));

    private static HubResponse Answer(string platformId, string hubId, int status) =>
        new WebhookAnswer(hubId, HazardReportStatus.Routed.ToWire(), HazardReportIntake.StatusUrlFor(platformId, hubId)).Response(status);
}
