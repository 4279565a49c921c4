using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// Points the hub issues itself, for other flows to ask for: the points flow owns the transaction
/// ids, the message and the queue. Each is queued for the points queue function, which applies it
/// once (the id is derived from its cause) and tells the platform.
/// </summary>
public sealed class HubIssuedPoints(HubStorage storage)
{
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
        CancellationToken cancellationToken = default)
    {
        var earned = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion, correlationId, resolvedAt, PointsBook.HubIssuedId(reportHubId, SnapshotTask),
            PointsKind.Earned, platformId, courierPseudonym, Task: SnapshotTask, Reference: reportId, CityId: cityId);
        return storage.SendAsync(Queues.PointsTransactions, earned, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
    }
}
