using Azure.Data.Tables;
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
/// Timer function: the 24-hour promise (each category's <c>slaHours</c>, default 24). Finds reports
/// routed (or reopened) longer ago than that which the recipient (city or body) has not acknowledged, sends them to the city again marked <c>escalated</c>, and records
/// the escalation for the ledger. Reads only the recent months of each city's view, in one query a recipient.
/// </summary>
public sealed class AcknowledgementWatch(
    HazardReportStore store,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    HubStorage storage,
    LedgerEntryWriter ledger,
    TimeProvider time,
    ILogger<AcknowledgementWatch> logger)
{
    public static readonly TimeSpan Promise = TimeSpan.FromHours(24);

    /// <summary>How far back to look; a report older than this was escalated long ago.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(45);

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();

        // The shortest SLA of any category bounds the query; each report is then held to its own category's.
        var shortest = registry.HazardCategories.Select(c => c.Sla).DefaultIfEmpty(Promise).Min();
        var cutoff = now - shortest;
        var escalated = 0;
        var recipients = registry.Cities.Select(c => c.Id).Concat(registry.Bodies.Select(b => b.Body.Id));
        foreach (var recipient in recipients)
        {
            var filter = TableClient.CreateQueryFilter($"Status eq {"routed"} and Escalated eq {false} and RoutedAt le {cutoff}");
            await foreach (var row in store.QueryCityRequestsOverMonthsAsync(recipient, now - LookBack, cutoff, filter, cancellationToken))
            {
                if (await EscalateAsync(row.HubId, now, cancellationToken))
                {
                    escalated++;
                }
            }
        }

        Log.WatchRan(logger, escalated);
        return escalated;
    }

    /// <summary>Which time the report is with its recipient: nothing the first time, <c>~n</c> after its n-th reopening.</summary>
    private static string Round(ReportEntity entity) =>
        entity.Reopenings == 0 ? string.Empty : "~" + entity.Reopenings.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<bool> EscalateAsync(string hubId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null || entity.CurrentStatus != HazardReportStatus.Routed || entity.Escalated || entity.DuplicateOf is not null)
        {
            return false;
        }

        var report = entity.ToReport();
        if (store.ExpectedAt(entity, report) > now)
        {
            return false;
        }

        var reporterId = pseudonyms.ForRecipient(report.RecipientKey, report.CourierPseudonym);
        var delivery = DeliveryRequested.Create(
            hubId,
            now,
            report.Recipient,
            HazardReportEvents.Routed,
            eventKey: "escalated" + Round(entity),
            CityPayloads.Routed(report, entity, registry, reporterId, escalated: true),
            hubId);
        await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
        await ledger.WriteAsync([new LedgerEntry(LedgerKinds.ReportEscalated, LedgerScopes.District(report.District), hubId + Round(entity), now, Label: report.Category)], cancellationToken);

        entity.Escalated = true;
        entity.UpdatedAt = now;
        entity.Version++;
        if (!await store.TryReplaceAsync(entity, cancellationToken))
        {
            // The city answered meanwhile, or another host escalated it: either way, done here.
            return false;
        }

        await store.ProjectAsync(entity, reporterId, cancellationToken);
        Log.ReportEscalated(logger, hubId, report.RecipientId);
        return true;
    }
}
