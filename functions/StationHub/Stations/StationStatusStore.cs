using Azure.Data.Tables;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Stations;

/// <summary>
/// Table <c>StationStatus</c>, one row per station. A report reads its row and replaces it under the
/// ETag (one write); the stale watch asks for the rows gone stale and not yet marked, with one
/// filtered query; the index and the ledger read every row, without the bitmaps where they need none.
/// </summary>
public sealed class StationStatusStore(HubStorage storage)
{
    private static readonly string[] LiveColumns =
        ["PartitionKey", "RowKey", nameof(StationStatusEntity.Open), nameof(StationStatusEntity.ChargersFree), nameof(StationStatusEntity.ChargersTotal),
         nameof(StationStatusEntity.SeatsFree), nameof(StationStatusEntity.SeatsTotal), nameof(StationStatusEntity.ObservedAt)];

    private TableClient Statuses => storage.Table(Tables.StationStatus);

    /// <summary>Where the <c>station.status</c> webhook-ids are claimed: rows of their own (<c>wh-…</c>, row <c>webhook-id</c>), which no station query reads.</summary>
    public TableClient ClaimTable => Statuses;

    public Task<StationStatusEntity?> FindAsync(string stationId, CancellationToken cancellationToken = default) =>
        Statuses.FindAsync<StationStatusEntity>(stationId, StationStatusEntity.Row, cancellationToken);

    public Task<bool> TryAddAsync(StationStatusEntity entity, CancellationToken cancellationToken = default) => Statuses.TryAddAsync(entity, cancellationToken);

    public Task<bool> TryReplaceAsync(StationStatusEntity entity, CancellationToken cancellationToken = default) => Statuses.TryReplaceAsync(entity, cancellationToken);

    /// <summary>The live columns of every station that has reported (for the in-memory index).</summary>
    public async Task<List<(string StationId, LiveStatus Status)>> LiveAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<(string, LiveStatus)>();
        await foreach (var row in Statuses.QueryAsync<StationStatusEntity>(e => e.RowKey == StationStatusEntity.Row, select: LiveColumns, cancellationToken: cancellationToken))
        {
            list.Add((row.PartitionKey, LiveStatus.Of(row)));
        }

        return list;
    }

    /// <summary>Rows whose last observation is older than <paramref name="cutoff"/> and not yet marked stale.</summary>
    public IAsyncEnumerable<StationStatusEntity> GoneStaleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        Statuses.QueryAsync<StationStatusEntity>(
            TableClient.CreateQueryFilter($"RowKey eq {StationStatusEntity.Row} and StaleMarked eq false and ObservedAt lt {cutoff}"),
            cancellationToken: cancellationToken);

    /// <summary>Every row, bitmaps included (for the ledger's figures).</summary>
    public IAsyncEnumerable<StationStatusEntity> AllAsync(CancellationToken cancellationToken = default) =>
        Statuses.QueryAsync<StationStatusEntity>(e => e.RowKey == StationStatusEntity.Row, cancellationToken: cancellationToken);
}
