using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// A row of the duplicate grid (table <c>CityRequests</c>, partition <c>{recipient}~dup3~{category}</c>): either a
/// cell's own row (<c>{y}~{x}~~</c>, in fixed-width digits; its ETag changes with every claim that touches the
/// cell), or an original listed in a cell (<c>{y}~{x}~{received, in ticks}~{hubId}</c>, with the original's place
/// and time). An original is listed in every cell of its 2 × 2 block. Older layouts (<c>~dup~</c>, cells one radius
/// wide; <c>~dup2~</c>, one row per cell with a list of the originals in it) are no longer read.
/// </summary>
public sealed class DuplicateCellEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The original listed in this row; null on a cell's own row.</summary>
    public string? HubId { get; set; }

    public double Lat { get; set; }

    public double Lon { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>
/// Decides whether a new report is a duplicate of an open original (same recipient and category,
/// within the category's radius and window), race-safe across hosts. The router calls it, behind
/// the queue (never the HTTP path). The plane is cut into cells at least twice the radius wide, so
/// everything within the radius of a point lies in the 2 × 2 block of cells nearest to it: its own
/// cell and the neighbours on the sides of the cell's centre it lies towards. Every original is listed
/// in each cell of its block; so an original within the radius of a report is listed in the report's
/// own cell (the report lies in the original's block), and a claim reads only that cell: one range
/// query (its own row and the originals listed in it within the window, which the row keys order by
/// time). It either links to an original found there, or, in one entity-group transaction, lists
/// itself in the four cells of its block, replaces its own cell's row under the ETag it read (or adds
/// it) and rewrites the other three cells' rows (which changes their ETags). Two claims within the
/// radius of each other each hold the other's cell in their block, so whichever commits second finds
/// the ETag of its own cell changed (or its row added), reads again (<see cref="Optimistic"/>) and finds
/// the winner listed. A claim is idempotent: a report listed in its own cell is an original, a report
/// that is itself linked is never a target. Cost: 1 query and 1 transaction (of at most 8 entities),
/// plus a point read of each candidate original found (to check it is still open). Rows of originals
/// past the window are no longer read, and are left in place.
/// </summary>
public sealed class DuplicateClaims(HubStorage storage, HubRegistry registry, HazardReportStore store)
{
    /// <summary>Fewer metres than any degree of latitude holds (110.57 km at the equator), so a row is at least twice the radius high.</summary>
    private const double MetersPerDegree = 110_000;

    /// <summary>Cells are this much wider east–west than high, so they are twice the radius wide up to 60° of latitude.</summary>
    private const double LongitudeStretch = 2;

    /// <summary>Added to cell coordinates so that row keys are non-negative, fixed-width and sort as numbers.</summary>
    private const long KeyOffset = 1_000_000_000;

    /// <summary>The cells of one claim's block.</summary>
    public const int BlockCells = 4;

    /// <summary>After every original's row of a cell (ticks and hub ids sort before it).</summary>
    private const string CellRowSuffix = "~~";

    private TableClient Cells => storage.Table(Tables.CityRequests);

    /// <summary>The partition of a recipient's and category's cells in <c>CityRequests</c>.</summary>
    public static string PartitionFor(string recipientId, string category) => recipientId + "~dup3~" + category;

    /// <summary>The original <paramref name="report"/> duplicates, or null when it is (now) an original itself.</summary>
    public Task<string?> ClaimAsync(HazardReport report, CancellationToken cancellationToken = default)
    {
        var category = registry.FindCategory(report.Category);
        var radius = category?.DuplicateRadiusMeters ?? HazardCategory.DefaultDuplicateRadiusMeters;
        var window = TimeSpan.FromDays(category?.DuplicateWindowDays ?? HazardCategory.DefaultDuplicateWindowDays);
        var partition = PartitionFor(report.RecipientId, report.Category);
        var block = BlockOf(report.Location.Lat, report.Location.Lon, radius);
        var own = RowFor(block.Y, block.X);

        return Optimistic.RetryAsync<string?>($"The duplicate cells of {report.HubId}", async _ =>
        {
            // The report's own cell: its row, and the originals listed in it since the window's start.
            var rows = await ReadCellAsync(partition, own, report.ReceivedAt - window, cancellationToken);
            var ownRow = rows.FirstOrDefault(row => row.HubId is null);
            var listed = rows.Where(row => row.HubId is not null).ToList();
            if (listed.Any(c => c.HubId == report.HubId))
            {
                return Attempt<string?>.Done(null);
            }

            var candidates = listed
                .Where(c => (report.ReceivedAt - c.ReceivedAt).Duration() <= window
                    && DistanceMeters(c.Lat, c.Lon, report.Location.Lat, report.Location.Lon) <= radius)
                .OrderBy(c => c.ReceivedAt)
                .ThenBy(c => c.HubId, StringComparer.Ordinal);
            foreach (var candidate in candidates)
            {
                if (await store.FindAsync(candidate.HubId!, cancellationToken) is { } original
                    && original.DuplicateOf is null
                    && !original.CurrentStatus.IsFinal())
                {
                    return Attempt<string?>.Done(candidate.HubId);
                }
            }

            var actions = new List<TableTransactionAction>(2 * BlockCells);
            foreach (var y in block.Rows)
            {
                foreach (var x in block.Columns)
                {
                    var cell = RowFor(y, x);
                    var cellRow = new DuplicateCellEntity { PartitionKey = partition, RowKey = cell + CellRowSuffix };
                    actions.Add(cell != own
                        ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, cellRow)
                        : ownRow is null
                            ? new TableTransactionAction(TableTransactionActionType.Add, cellRow)
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, cellRow, ownRow.ETag));
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new DuplicateCellEntity
                    {
                        PartitionKey = partition,
                        RowKey = OriginalRowFor(cell, report.ReceivedAt, report.HubId),
                        HubId = report.HubId,
                        Lat = report.Location.Lat,
                        Lon = report.Location.Lon,
                        ReceivedAt = report.ReceivedAt,
                    }));
                }
            }

            // 412 (own cell touched since it was read), or 409 (its row added meanwhile, or this claim
            // committed before and its rows exist): read again.
            return await Cells.TrySubmitAsync(actions, cancellationToken) == TransactionResult.Committed
                ? Attempt<string?>.Done(null)
                : Attempt<string?>.Retry;
        }, cancellationToken);
    }

    /// <summary>A cell's own row and the originals listed in it received at or after <paramref name="since"/>: one range query.</summary>
    private async Task<List<DuplicateCellEntity>> ReadCellAsync(string partition, string cell, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var from = cell + "~" + Ticks(since);
        var to = cell + CellRowSuffix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey le {to}");
        var rows = new List<DuplicateCellEntity>();
        await foreach (var row in Cells.QueryAsync<DuplicateCellEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>An original's row in a cell: after the cell's key, its time (fixed-width ticks, so a range reads a window) and its hub id.</summary>
    private static string OriginalRowFor(string cell, DateTimeOffset receivedAt, string hubId) => cell + "~" + Ticks(receivedAt) + "~" + hubId;

    private static string Ticks(DateTimeOffset at) => Math.Max(0, at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// The 2 × 2 block of cells that holds every point within <paramref name="radius"/> of the point:
    /// its own cell (<c>Y</c>, <c>X</c>) and the neighbouring row and column on the side of the cell's centre the point lies.
    /// </summary>
    public static CellBlock BlockOf(double lat, double lon, int radius)
    {
        var (latStep, lonStep) = Steps(radius);
        var fy = lat / latStep;
        var fx = lon / lonStep;
        var y = (long)Math.Floor(fy);
        var x = (long)Math.Floor(fx);
        var otherY = fy - y < 0.5 ? y - 1 : y + 1;
        var otherX = fx - x < 0.5 ? x - 1 : x + 1;
        return new CellBlock(y, x, [Math.Min(y, otherY), Math.Max(y, otherY)], [Math.Min(x, otherX), Math.Max(x, otherX)]);
    }

    private static (double LatStep, double LonStep) Steps(int radius) =>
        (2.0 * radius / MetersPerDegree, 2.0 * radius * LongitudeStretch / MetersPerDegree);

    /// <summary>A cell's key (<c>{y}~{x}</c>, ten digits each).</summary>
    public static string RowFor(long y, long x) =>
        (y + KeyOffset).ToString("D10", CultureInfo.InvariantCulture) + "~" + (x + KeyOffset).ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Great-circle distance (haversine), in metres.</summary>
    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        const double EarthRadius = 6_371_000;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadius * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

/// <summary>A report's own cell and the two rows and two columns of its 2 × 2 block (each ascending).</summary>
public sealed record CellBlock(long Y, long X, long[] Rows, long[] Columns);
