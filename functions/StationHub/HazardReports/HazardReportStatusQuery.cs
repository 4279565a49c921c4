using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.HazardReports;

/// <summary>
/// <c>GET /api/v1/platforms/{platformId}/hazard-reports/{hubId}</c> — the <c>statusUrl</c>:
/// where a platform follows its report, with its key; another platform's report is a 404.
/// </summary>
public sealed class HazardReportStatusQuery(HazardReportStore store)
{
    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var platformId = request.Route("platformId");
        var entity = await store.FindAsync(request.Route("hubId"), cancellationToken);
        var report = entity?.ToReport();
        if (entity is null || report!.PlatformId != platformId)
        {
            return HubResponse.Problem(Problem.NotFound("No report of yours has that id."));
        }

        var updates = await store.ListUpdatesAsync(entity.PartitionKey, cancellationToken);
        var view = new HazardReportView(
            report.HubId,
            report.ReportId,
            entity.Status,
            report.Category,
            report.District,
            report.ReceivedAt,
            entity.RoutedAt,
            entity.FirstResponseAt,
            entity.ClosedAt,
            entity.Escalated,
            entity.StatusNotes,
            [.. updates.Select(u => new HazardReportUpdateView(u.UpdateId, u.Status.ToWire(), u.Note, u.UpdatedAt))]);
        return HubResponse.Json(StatusCodes.Ok, view, HubJsonContext.Default.HazardReportView);
    }
}

public sealed record HazardReportView(
    string HubId,
    string ReportId,
    string Status,
    string Category,
    string District,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? RoutedAt,
    DateTimeOffset? FirstResponseAt,
    DateTimeOffset? ClosedAt,
    bool Escalated,
    string? StatusNotes,
    IReadOnlyList<HazardReportUpdateView> Updates);

public sealed record HazardReportUpdateView(string UpdateId, string Status, string? Note, DateTimeOffset UpdatedAt);
