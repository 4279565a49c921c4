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
/// Timer function: the 24-hour promise. Finds reports routed more than 24 hours ago that the
/// city has not acknowledged, sends them to the city again marked <c>escalated</c>, and records
/// the escalation for the ledger. Reads only the recent months of each city's view.
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
        var cutoff = now - Promise;
        var escalated = 0;
        foreach (var city in registry.Cities)
        {
            var filter = TableClient.CreateQueryFilter($"Status eq {"routed"} and Escalated eq {false} and RoutedAt le {cutoff}");
            await foreach (var row in store.QueryCityRequestsAsync(city.Id, now - LookBack, cutoff, filter, cancellationToken))
            {
                if (await EscalateAsync(row.HubId, city, cutoff, now, cancellationToken))
                {
                    escalated++;
                }
            }
        }

        Log.WatchRan(logger, escalated);
        return escalated;
    }

    private async Task<bool> EscalateAsync(string hubId, City city, DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entity = await store.FindAsync(hubId, cancellationToken);
        if (entity is null || entity.CurrentStatus != HazardReportStatus.Routed || entity.Escalated || entity.RoutedAt > cutoff)
        {
            return false;
        }

        var report = entity.ToReport();
        var reporterId = pseudonyms.ForRecipient("city:" + city.Id, report.CourierPseudonym);
        var delivery = DeliveryRequested.Create(
            hubId,
            now,
            Destination.City(city.Id),
            HazardReportEvents.Routed,
            eventKey: "escalated",
            CityPayloads.Routed(report, city, registry.FindCategory(report.Category), reporterId, escalated: true),
            hubId);
        await storage.RequestDeliveryAsync(delivery, cancellationToken: cancellationToken);
        await ledger.WriteAsync([new LedgerEntry(LedgerKinds.ReportEscalated, LedgerScopes.District(report.District), hubId, now, Label: report.Category)], cancellationToken);

        entity.Escalated = true;
        entity.UpdatedAt = now;
        entity.Version++;
        if (!await store.TryReplaceAsync(entity, cancellationToken))
        {
            // The city answered meanwhile, or another host escalated it: either way, done here.
            return false;
        }

        await store.ProjectAsync(entity, reporterId, cancellationToken);
        Log.ReportEscalated(logger, hubId, city.Id);
        return true;
    }
}
