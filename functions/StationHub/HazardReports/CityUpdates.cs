using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Points;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// <c>POST /api/v1/city/requests/{id}/updates</c>: a city moves one of its reports forward.
/// Idempotent by <c>updateId</c>; going backwards is a 409. The update is queued before it is
/// applied, and the queue function applies it if the request did not, then tells the platform.
/// </summary>
public sealed class CityUpdates(
    HazardReportStore store,
    ReportUpdateApplier applier,
    HubStorage storage,
    TimeProvider time)
{
    private static readonly HashSet<string> CityStatuses = ["acknowledged", "in_progress", "resolved", "rejected", "duplicate"];

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var city = request.Caller!;
        if (request.BodyTooLarge)
        {
            return HubResponse.Problem(Problem.TooLarge(RequestBody.MaxBytes));
        }

        if (!request.IsJson)
        {
            return HubResponse.Problem(Problem.UnsupportedMediaType());
        }

        var parsed = Parse(request, city.Id);
        if (parsed.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        var update = parsed.Update!;
        var hubId = request.Route("id");
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null || entity.ToReport().RecipientId != city.Id || entity.CurrentStatus == HazardReportStatus.Received)
        {
            return HubResponse.Problem(Problem.NotFound("None of your city's requests has that id."));
        }

        // An update applied already gets its first answer, whatever this body says. Its row is looked for
        // only when it may exist: when this update would be refused (an applied update often can no longer
        // move the report), or when its update id was claimed before this request (the claim comes first).
        if (await RefusalAsync(hubId, entity, update, city.Id, cancellationToken) is { } refused)
        {
            return await store.FindUpdateAsync(hubId, update.UpdateId, cancellationToken) is { } applied
                ? Answer(hubId, applied.ToUpdate())
                : HubResponse.Problem(refused);
        }

        // An update id names one update of the city, whichever request it is about.
        var (claimedBy, newClaim) = await store.ClaimUpdateIdAsync(city.Id, update.UpdateId, hubId, cancellationToken);
        if (claimedBy != hubId)
        {
            return HubResponse.Problem(Problem.Conflict($"Your city already used updateId {update.UpdateId} for request {claimedBy}; give each update its own id."));
        }

        if (!newClaim && await store.FindUpdateAsync(hubId, update.UpdateId, cancellationToken) is { } existing)
        {
            return Answer(hubId, existing.ToUpdate());
        }

        var message = new HazardReportUpdateReceived(HazardReportUpdateReceived.CurrentSchemaVersion, update.UpdateId, update.ReceivedAt, hubId, update);
        var outcome = await QueueFirst.ThenApplyAsync(storage, Queues.HazardReportUpdates, message, HubJsonContext.Default.HazardReportUpdateReceived, token => applier.ApplyAsync(entity, update, token), cancellationToken);
        return outcome switch
        {
            UpdateOutcome.NoLongerApplies => HubResponse.Problem(Problem.Conflict("The request moved on meanwhile; this update would go backwards.")),
            _ => Answer(hubId, update),
        };
    }

    /// <summary>Why the update cannot be applied to the report as it is (400 or 409), or null when it can.</summary>
    private async Task<Problem?> RefusalAsync(string hubId, ReportEntity entity, CityUpdate update, string cityId, CancellationToken cancellationToken)
    {
        if (update.UpdatedAt < entity.ReceivedAt - StandardWebhook.Tolerance)
        {
            return Problem.BadRequest(
                "The update is not valid.",
                new Dictionary<string, string[]> { ["updatedAt"] = [$"is before the request was received ({IsoTimestamp.Format(entity.ReceivedAt)})."] });
        }

        if (!HazardReportStatuses.CityMayMove(entity.CurrentStatus, update.Status))
        {
            return Problem.Conflict($"The request is {entity.Status}; it cannot move to {update.Status.ToWire()}.");
        }

        return update.Status == HazardReportStatus.Duplicate
            ? await CheckOriginalAsync(hubId, entity, update.DuplicateOf!, cityId, cancellationToken)
            : null;
    }

    /// <summary>A request the city links a report to: one of its own, open, not itself linked, not the report.</summary>
    private async Task<Problem?> CheckOriginalAsync(string hubId, ReportEntity entity, string duplicateOf, string recipientId, CancellationToken cancellationToken)
    {
        if (entity.DuplicateOf is not null)
        {
            return Problem.Conflict($"The request is already linked to {entity.DuplicateOf}.");
        }

        var original = duplicateOf == hubId ? null : await store.FindAsync(duplicateOf, cancellationToken);
        if (original is null || original.ToReport().RecipientId != recipientId || original.CurrentStatus == HazardReportStatus.Received)
        {
            return Problem.BadRequest("The update is not valid.", new Dictionary<string, string[]> { ["duplicateOf"] = ["must name another of your requests."] });
        }

        return original.DuplicateOf is not null || original.CurrentStatus.IsFinal()
            ? Problem.Conflict($"Request {duplicateOf} is {(original.DuplicateOf is null ? original.Status : "itself linked to " + original.DuplicateOf)}; link to an open original.")
            : null;
    }

    private static HubResponse Answer(string hubId, CityUpdate update) =>
        HubResponse.Json(StatusCodes.Ok, new CityUpdateAnswer(update.UpdateId, hubId, update.Status.ToWire()), HubJsonContext.Default.CityUpdateAnswer);

    private (CityUpdate? Update, Problem? Problem) Parse(HubRequest request, string cityId)
    {
        if (JsonBody.Parse(request.Body, out var invalid, maxDepth: 8) is not { } document)
        {
            return (null, invalid);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Problem.BadRequest("The body must be a JSON object."));
            }

            var fields = new FieldReader();
            var updateId = fields.Identifier(root, "updateId", "updateId");
            var statusText = fields.String(root, "status", "status", maxLength: 32);
            if (statusText is not null && !CityStatuses.Contains(statusText))
            {
                fields.Fail("status", "must be one of: acknowledged, in_progress, resolved, rejected, duplicate.");
            }

            var duplicateOf = fields.String(root, "duplicateOf", "duplicateOf", required: statusText == "duplicate", maxLength: 64);
            if (duplicateOf is not null && statusText != "duplicate")
            {
                fields.Fail("duplicateOf", "goes only with status duplicate.");
            }
            else if (duplicateOf is not null && !HazardReport.IsHubId(duplicateOf))
            {
                fields.Fail("duplicateOf", "must be the service_request_id of another of your requests.");
            }

            var note = fields.String(root, "note", "note", required: false, maxLength: HazardReportIntake.MaxDescriptionLength);
            var updatedAt = fields.Timestamp(root, "updatedAt", "updatedAt");
            var now = time.GetUtcNow();
            if (updatedAt > now + StandardWebhook.Tolerance)
            {
                fields.Fail("updatedAt", $"is in the future (more than {StandardWebhook.Tolerance.TotalMinutes:0} minutes ahead of the hub's clock).");
            }

            if (fields.HasErrors)
            {
                return (null, Problem.BadRequest("The update is not valid.", fields.Errors));
            }

            return (new CityUpdate(updateId!, cityId, HazardReportStatuses.FromWire(statusText)!.Value, note, updatedAt!.Value, now, duplicateOf), null);
        }
    }
}

public sealed record CityUpdateAnswer(string UpdateId, string ServiceRequestId, string Status);

public enum UpdateOutcome
{
    Applied,
    AlreadyApplied,
    NoLongerApplies,
}

/// <summary>Applies a city update to a report: forward only, once, with optimistic concurrency.</summary>
public sealed class ReportUpdateApplier(HazardReportStore store, ILogger<ReportUpdateApplier> logger)
{
    public Task<UpdateOutcome> ApplyAsync(ReportEntity entity, CityUpdate update, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync($"Report {entity.PartitionKey} (update {update.UpdateId})", async _ =>
        {
            if (!HazardReportStatuses.CityMayMove(entity.CurrentStatus, update.Status))
            {
                Log.UpdateDropped(logger, update.UpdateId, entity.PartitionKey, update.Status.ToWire(), entity.Status);
                return Attempt<UpdateOutcome>.Done(UpdateOutcome.NoLongerApplies);
            }

            entity.StatusNotes = update.Note ?? entity.StatusNotes;
            entity.UpdatedAt = update.ReceivedAt;
            entity.LastUpdateId = update.UpdateId;
            if (update.Status == HazardReportStatus.Reopened)
            {
                // Back with the recipient: the clock of the first answer starts again.
                entity.Status = HazardReportStatus.Routed.ToWire();
                entity.RoutedAt = update.ReceivedAt;
                entity.ReopenedAt = update.ReceivedAt;
                entity.Reopenings++;
                entity.Escalated = false;
                entity.ClosedAt = null;
            }
            else if (update.Status == HazardReportStatus.Duplicate)
            {
                // The city linked it to another request: its status follows that one from now on.
                entity.DuplicateOf = update.DuplicateOf;
                entity.FirstResponseAt ??= update.ReceivedAt;
            }
            else
            {
                entity.Status = update.Status.ToWire();
                entity.FirstResponseAt ??= update.ReceivedAt;
                if (update.Status.IsFinal())
                {
                    entity.ClosedAt = update.ReceivedAt;
                }
            }

            entity.Version++;
            switch (await store.TryApplyAsync(entity, update, cancellationToken))
            {
                case ApplyOutcome.Applied:
                    Log.UpdateApplied(logger, update.CityId, entity.PartitionKey, update.Status.ToWire(), update.UpdateId);
                    return Attempt<UpdateOutcome>.Done(UpdateOutcome.Applied);
                case ApplyOutcome.AlreadyApplied:
                    return Attempt<UpdateOutcome>.Done(UpdateOutcome.AlreadyApplied);
                default:
                    entity = await store.FindAsync(entity.PartitionKey, cancellationToken)
                        ?? throw new InvalidOperationException($"Report {entity.PartitionKey} vanished.");
                    return await store.FindUpdateAsync(entity.PartitionKey, update.UpdateId, cancellationToken) is not null
                        ? Attempt<UpdateOutcome>.Done(UpdateOutcome.AlreadyApplied)
                        : Attempt<UpdateOutcome>.Retry;
            }
        }, cancellationToken);
}

/// <summary>
/// Queue function over <c>hazard-report-updates</c>: makes sure the update is applied, then
/// brings the city's Open311 view, the ledger and the reporting platform up to date; a report
/// resolved as valid earns its courier the <c>snapshot_report</c> points (a rejected one, nothing).
/// </summary>
public sealed class HazardReportUpdateRouter(
    HazardReportStore store,
    ReportUpdateApplier applier,
    ReportLinks links,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubStorage storage,
    LedgerEntryWriter ledger,
    HubIssuedPoints points)
{
    /// <summary>The catalog task a valid hazard report earns.</summary>
    public const string SnapshotTask = HubIssuedPoints.SnapshotTask;

    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.HazardReportUpdateReceived);
        var update = message.Update;
        // The request commits the update's row with the report's new state, which names its last update, in
        // one transaction: a report that names this update carries it, and the row is not read. Otherwise the
        // row says whether it was applied (then the report is read again: the read above may predate it).
        var entity = await store.FindAsync(message.HubId, cancellationToken)
            ?? throw new InvalidOperationException($"Update {update.UpdateId} names report {message.HubId}, which is not stored.");
        if (entity.LastUpdateId != update.UpdateId)
        {
            if (await store.FindUpdateAsync(message.HubId, update.UpdateId, cancellationToken) is null
                && await applier.ApplyAsync(entity, update, cancellationToken) == UpdateOutcome.NoLongerApplies)
            {
                return;
            }

            entity = await store.FindAsync(message.HubId, cancellationToken) ?? entity;
        }

        var report = entity.ToReport();
        await store.ProjectAsync(entity, pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym), cancellationToken);
        await store.RecordCityUpdateAsync(report.RecipientId, report.HubId, update, cancellationToken);

        var scope = LedgerScopes.District(report.District);
        if (update.Status == HazardReportStatus.Reopened)
        {
            // Back to the recipient, who answers it again; the ledger counts the reopening (closed, and not fixed).
            var reopenSource = report.HubId + "~" + update.UpdateId;
            await ledger.WriteAsync(
                [
                    new LedgerEntry(LedgerKinds.ReportReopened, scope, reopenSource, update.ReceivedAt, Label: report.Category),
                    .. NeedFacts.Of(registry, report, LedgerKinds.NeedReopened, reopenSource, update.ReceivedAt),
                ],
                cancellationToken);
            var reopened = DeliveryRequested.Create(message.CorrelationId, update.ReceivedAt, report.Recipient, HazardReportEvents.Reopened, "reopen:" + update.UpdateId, CityPayloads.Reopened(report, entity, update, registry), report.HubId);
            await storage.RequestDeliveryAsync(reopened, cancellationToken: cancellationToken);
            return;
        }

        var entries = new List<LedgerEntry>();
        if (entity.FirstResponseAt == update.ReceivedAt && entity.RoutedAt is { } routedAt)
        {
            var hours = (update.ReceivedAt - routedAt).TotalHours;
            entries.Add(new LedgerEntry(LedgerKinds.ReportFirstResponse, scope, report.HubId, update.ReceivedAt, Hours: hours, Label: update.Status.ToWire()));
            entries.AddRange(NeedFacts.FirstResponse(registry, report, update.ReceivedAt, hours));
        }

        if (update.Status == HazardReportStatus.Resolved)
        {
            entries.Add(new LedgerEntry(LedgerKinds.ReportResolved, scope, report.HubId + Round(entity), update.ReceivedAt, Label: report.Category));
            entries.AddRange(NeedFacts.Of(registry, report, LedgerKinds.NeedResolved, report.HubId + Round(entity), update.ReceivedAt));

            // Resolved as valid: the reporting courier earns the catalog's points, once (the points flow derives the id from the report).
            await points.EarnForValidReportAsync(report.PlatformId, report.CourierPseudonym, report.HubId, report.ReportId, report.CityId, update.ReceivedAt, message.CorrelationId, cancellationToken);
        }
        else if (update.Status == HazardReportStatus.Rejected)
        {
            entries.Add(new LedgerEntry(LedgerKinds.ReportRejected, scope, report.HubId + Round(entity), update.ReceivedAt, Label: report.Category));
        }
        else if (update.Status == HazardReportStatus.Duplicate && update.DuplicateOf is { } originalId)
        {
            entries.Add(new LedgerEntry(LedgerKinds.ReportLinked, scope, report.HubId, update.ReceivedAt, Label: report.Category));
            await links.LinkAsync(originalId, report.HubId, update.ReceivedAt, cancellationToken);
        }

        if (entries.Count > 0)
        {
            await ledger.WriteAsync(entries, cancellationToken);
        }

        await NotifyAsync(report, update, message.CorrelationId, cancellationToken);

        // Every report linked to this one hears the same update, under its own reportId. The links are listed
        // only when the report counts some (ReportLinks adds a link and counts it in one transaction).
        if (entity.LinkedCount == 0)
        {
            return;
        }

        foreach (var linkedId in await store.ListLinksAsync(report.HubId, cancellationToken))
        {
            await MirrorAsync(linkedId, update, message.CorrelationId, cancellationToken);
        }
    }

    private async Task MirrorAsync(string linkedId, CityUpdate update, string correlationId, CancellationToken cancellationToken)
    {
        if (update.Status is HazardReportStatus.Duplicate or HazardReportStatus.Reopened
            || await store.FindAsync(linkedId, cancellationToken) is not { } linked)
        {
            return;
        }

        if (await store.FindUpdateAsync(linkedId, update.UpdateId, cancellationToken) is null
            && await applier.ApplyAsync(linked, update, cancellationToken) == UpdateOutcome.NoLongerApplies)
        {
            return;
        }

        var report = linked.ToReport();
        if (update.Status == HazardReportStatus.Resolved)
        {
            // A confirmation of a place already reported: the catalog's confirmation task, when it has one.
            await points.EarnForConfirmationAsync(report.PlatformId, report.CourierPseudonym, report.HubId, report.ReportId, report.CityId, update.ReceivedAt, correlationId, cancellationToken);
        }

        await NotifyAsync(report, update, correlationId, cancellationToken);
    }

    private Task NotifyAsync(HazardReport report, CityUpdate update, string correlationId, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(
            new ReportUpdatedEvent(report.HubId, report.ReportId, update.Status.ToWire(), update.Note, update.UpdatedAt, update.UpdateId, update.DuplicateOf),
            HubJsonContext.Default.ReportUpdatedEvent);
        var delivery = DeliveryRequested.Create(correlationId, update.ReceivedAt, Destination.Platform(report.PlatformId), HazardReportEvents.Updated, "update:" + update.UpdateId, data, report.HubId);
        return storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
    }

    /// <summary>A fact of the report's n-th round with its recipient (after n reopenings) is its own row.</summary>
    private static string Round(ReportEntity entity) =>
        entity.Reopenings == 0 ? string.Empty : "~" + entity.Reopenings.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
