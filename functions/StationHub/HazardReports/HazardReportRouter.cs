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
/// get to (it queues before it stores), then routes it to the city whose district contains it. Every step before the last is
/// idempotent (city view, ledger facts, a delivery with a stable id); the last — the report
/// becoming <c>routed</c> — is the commit, so a repeat or a crash only repeats idempotent steps.
/// The routing time is kept with the report first (<c>RoutedAt</c>, the report still <c>received</c>),
/// so every repeat writes the same facts under the same time.
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

        if (entity.CurrentStatus != HazardReportStatus.Received || !thisAttempt)
        {
            Log.RepeatIgnored(logger, entity.PartitionKey, entity.Status);
            return;
        }

        var report = entity.ToReport();
        var city = registry.FindCity(report.CityId)
            ?? throw new InvalidOperationException($"Report {report.HubId} names city '{report.CityId}', which is no longer in the registry.");
        var reporterId = pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym);

        // Judged before anything is sent (a report linked to an open original is not sent again), and
        // the routing time kept with the report before anything is written under it (so a repeat after
        // a crash, say across the city's midnight, routes at the same time and counts on the same day):
        // both in one write, under the ETag of the read above.
        if (!entity.DuplicateDecided || entity.RoutedAt is null)
        {
            if (!entity.DuplicateDecided)
            {
                var duplicateOf = await duplicates.ClaimAsync(report, cancellationToken);
                entity.DuplicateOf = duplicateOf;
                entity.LinkedByHub = duplicateOf is not null;
                entity.DuplicateDecided = true;
            }

            entity.RoutedAt ??= time.GetUtcNow();
            if (!await store.TryReplaceAsync(entity, cancellationToken))
            {
                throw new InvalidOperationException($"Report {report.HubId} changed while it was judged; the message will be tried again.");
            }
        }

        var now = entity.RoutedAt ?? throw new InvalidOperationException($"Report {report.HubId} has no routing time.");
        entity.Status = HazardReportStatus.Routed.ToWire();
        entity.UpdatedAt = now;
        entity.Version++;

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
            if (await store.TryReplaceAsync(entity, cancellationToken))
            {
                Log.ReportLinked(logger, report.HubId, originalId);
            }

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

        if (!await store.TryReplaceAsync(entity, cancellationToken))
        {
            var current = await store.FindAsync(report.HubId, cancellationToken);
            if (current?.CurrentStatus == HazardReportStatus.Received)
            {
                throw new InvalidOperationException($"Report {report.HubId} changed while being routed; the message will be tried again.");
            }

            return;
        }

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
