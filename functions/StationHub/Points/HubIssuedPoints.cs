using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// Points the hub issues itself, for other flows to ask for: the points flow owns the transaction
/// ids, the message and the queue. Each is queued for the points queue function, which applies it
/// once (the id is derived from its cause) and tells the platform.
/// </summary>
public sealed class HubIssuedPoints(HubStorage storage, Platform.Registry.HubRegistry registry)
{
    /// <summary>The catalog task a report linked to a valid original earns, when the catalog has it (hub-only too).</summary>
    public const string ConfirmationTask = "snapshot_confirmation";

    /// <summary>The catalog task a hazard report resolved as valid earns (marked hub-only in the catalog).</summary>
    public const string SnapshotTask = "snapshot_report";

    /// <summary>
    /// A city resolved the report as valid: its courier earns the catalog's <see cref="SnapshotTask"/>
    /// points, once however often this is asked. The report's city becomes the city where the courier
    /// last earned points (where a voucher redeemed without a station is honoured).
    /// </summary>
    public Task EarnForValidReportAsync(
        string platformId,
        string courierPseudonym,
        string reportHubId,
        string reportId,
        string cityId,
        DateTimeOffset resolvedAt,
        string correlationId,
        CancellationToken cancellationToken = default) =>
        EarnAsync(SnapshotTask, platformId, courierPseudonym, reportHubId, reportId, cityId, resolvedAt, correlationId, cancellationToken);

    /// <summary>
    /// The original a report was linked to was resolved as valid: the linked report's courier earns the
    /// catalog's <see cref="ConfirmationTask"/>, once, when the catalog has that task (nothing otherwise).
    /// </summary>
    public Task EarnForConfirmationAsync(
        string platformId,
        string courierPseudonym,
        string reportHubId,
        string reportId,
        string cityId,
        DateTimeOffset resolvedAt,
        string correlationId,
        CancellationToken cancellationToken = default) =>
        registry.FindTask(ConfirmationTask) is null
            ? Task.CompletedTask
            : EarnAsync(ConfirmationTask, platformId, courierPseudonym, reportHubId, reportId, cityId, resolvedAt, correlationId, cancellationToken);

    private Task EarnAsync(string task, string platformId, string courierPseudonym, string reportHubId, string reportId, string cityId, DateTimeOffset resolvedAt, string correlationId, CancellationToken cancellationToken)
    {
        var earned = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion, correlationId, resolvedAt, PointsBook.HubIssuedId(reportHubId, task),
            PointsKind.Earned, platformId, courierPseudonym, Task: task, Reference: reportId, CityId: cityId);
        return storage.SendAsync(Queues.PointsTransactions, earned, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
    }
}
