namespace StationHub.HazardReports;

/// <summary>
/// Queued at intake before the report is stored, carrying the whole report: if the hub stops
/// between queueing and storing, the router stores it from here, so an accepted report is never
/// lost. <see cref="AttemptId"/> tells the intake that a stored copy came from its own request.
/// </summary>
public sealed record HazardReportAccepted(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string WebhookId,
    string AttemptId,
    HazardReport Report)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>A city's status update, queued before it is applied (see <see cref="HazardReportAccepted"/>).</summary>
public sealed record HazardReportUpdateReceived(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string HubId,
    CityUpdate Update)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// A city's (or responsible body's: <see cref="CityId"/> is the recipient's id) update to a report,
/// as posted to <c>/v1/city/requests/{id}/updates</c>; <see cref="DuplicateOf"/> with status
/// <c>duplicate</c>. The platform's reopening is kept the same way, with status <c>reopened</c>
/// and <see cref="CityId"/> <c>platform:{id}</c>.
/// </summary>
public sealed record CityUpdate(
    string UpdateId,
    string CityId,
    HazardReportStatus Status,
    string? Note,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ReceivedAt,
    string? DuplicateOf = null);
