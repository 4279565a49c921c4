using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// Queue function over <c>hazard-reports-accepted</c>: stores the report if the intake did not
/// get to (it queues before it stores), then routes it to the city whose district contains it. The report is
/// judged (duplicate or not) and committed first — the report becomes <c>routed</c>, with its routing time,
/// in one write — and every step after it is idempotent (city view, ledger facts, a delivery with a
/// stable id), so the same message again (a crash after the commit) repeats them, under the same time.
/// </summary>
public sealed class HazardReportRouter(
    HazardReportStore store,
    DuplicateClaims duplicates,
    ReportLinks links,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubStorage storage,
    LedgerEntryWriter ledger,
    TimeProvider time,
    ILogger<HazardReportRouter> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        var message = QueueMessages.Read(body, HubJsonContext.Default.HazardReportAccepted);
        // Stored from the message if the request died before its own write. Only the message of the
        // request whose write won routes the report: a repeated request also queued a message
        // before it found the report stored, and that one is a no-op.
        var (entity, thisAttempt, storedHere) = await store.ReplayAsync(ReportEntity.For(message.Report, message.WebhookId, message.AttemptId), cancellationToken);
        if (storedHere)
        {
            Log.ReportStoredByRouter(logger, message.Report.HubId);
        }

        // Only the message of the request whose write won routes the report. A report already `routed`
        // by this message is this message again (a crash after the commit, or a second delivery of it):
        // the steps after the commit are idempotent, so they are run again, and nothing is written to the report.
        var again = entity.CurrentStatus == HazardReportStatus.Routed;
        if (!thisAttempt || (entity.CurrentStatus != HazardReportStatus.Received && !again))
        {
            Log.RepeatIgnored(logger, entity.PartitionKey, entity.Status);
            return;
        }

        var report = entity.ToReport();
        var city = registry.FindCity(report.CityId)
            ?? throw new InvalidOperationException($"Report {report.HubId} names city '{report.CityId}', which is no longer in the registry.");
        var reporterId = pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym);

        // The commit, in one write under the ETag of the read above, before anything is sent: the duplicate
        // decision (a report linked to an open original is not sent again), the routing time (so a repeat
        // after a crash, say across the city's midnight, routes at the same time and counts on the same day)
        // and the status. Everything after it is idempotent (ledger facts by key, the city view by version,
        // deliveries by a stable id), so a crash after it only repeats them when the message comes again.
        if (!again)
        {
            if (!entity.DuplicateDecided)
            {
                var duplicateOf = await duplicates.ClaimAsync(report, cancellationToken);
                entity.DuplicateOf = duplicateOf;
                entity.LinkedByHub = duplicateOf is not null;
                entity.DuplicateDecided = true;
            }

            entity.RoutedAt ??= time.GetUtcNow();
            entity.Status = HazardReportStatus.Routed.ToWire();
            entity.UpdatedAt = entity.RoutedAt.Value;
            entity.Version++;
            if (!await store.TryReplaceAsync(entity, cancellationToken))
            {
                throw new InvalidOperationException($"Report {report.HubId} changed while it was routed; the message will be tried again.");
            }
        }

        var now = entity.RoutedAt ?? throw new InvalidOperationException($"Report {report.HubId} has no routing time.");

        var scope = LedgerScopes.District(report.District);
        if (entity.LinkedByHub && entity.DuplicateOf is { } originalId)
        {
            // Linked at intake: the original's recipient sees one request with one more report on it.
            await ledger.WriteAsync(
                [
                    new LedgerEntry(LedgerKinds.ReportReceived, scope, report.HubId, report.ReceivedAt, Label: report.Category),
                    new LedgerEntry(LedgerKinds.ReportLinked, scope, report.HubId, now, Label: report.Category),
                    .. NeedFacts.Of(registry, report, LedgerKinds.NeedReceived, report.HubId, report.ReceivedAt),
                ],
                cancellationToken);
            await links.LinkAsync(originalId, report.HubId, now, cancellationToken);

            // The platform hears the decision (the 202 did not carry it): its report follows the original.
            var linkedData = JsonSerializer.SerializeToElement(new ReportLinkedEvent(report.HubId, report.ReportId, originalId, now), HubJsonContext.Default.ReportLinkedEvent);
            await storage.RequestDeliveryAsync(
                DeliveryRequested.Create(message.CorrelationId, now, Destination.Platform(report.PlatformId), HazardReportEvents.Linked, "linked", linkedData, report.HubId),
                cancellationToken: cancellationToken);
            Log.ReportLinked(logger, report.HubId, originalId);
            return;
        }

        await store.ProjectAsync(entity, reporterId, cancellationToken, firstWrite: true);
        await ledger.WriteAsync(
            [
                new LedgerEntry(LedgerKinds.ReportReceived, scope, report.HubId, report.ReceivedAt, Label: report.Category),
                new LedgerEntry(LedgerKinds.ReportRouted, scope, report.HubId, now, Label: report.Category),
                .. NeedFacts.Of(registry, report, LedgerKinds.NeedReceived, report.HubId, report.ReceivedAt),
            ],
            cancellationToken);
        var delivery = DeliveryRequested.Create(
            message.CorrelationId,
            now,
            report.Recipient,
            HazardReportEvents.Routed,
            eventKey: "routed",
            CityPayloads.Routed(report, entity, registry, reporterId, escalated: false),
            report.HubId);
        await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
        Log.ReportRouted(logger, report.HubId, city.Id, report.District);
    }
}

/// <summary>The event types of the hazard-report flow, as receivers see them.</summary>
public static class HazardReportEvents
{
    public const string Routed = "hazard_report.routed";
    public const string Updated = "hazard_report.updated";

    /// <summary>To the platform: the hub linked its report to an open original of the same place and category (decided behind the queue, after the 202).</summary>
    public const string Linked = "hazard_report.linked";

    /// <summary>To the recipient: the platform reopened a resolved report (Open311 recipients get it as form fields).</summary>
    public const string Reopened = "hazard_report.reopened";
}
