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
/// One cell of the duplicate grid: the open originals whose location lies in it, for one recipient
/// and category (table <c>CityRequests</c>, partition <c>{recipient}~dup2~{category}</c>, row <c>{y}~{x}</c>
/// in fixed-width digits; the older layout, cells one radius wide under <c>~dup~</c>, is no longer read).
/// </summary>
public sealed class DuplicateCellEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>JSON list of <see cref="DuplicateCandidate"/>.</summary>
    public string Originals { get; set; } = "[]";

    /// <summary>Bumped by every claim that looks at this cell, so two claims over one cell conflict.</summary>
    public long Version { get; set; }

    public List<DuplicateCandidate> Candidates() => JsonSerializer.Deserialize(Originals, HubJsonContext.Default.ListDuplicateCandidate) ?? [];
}

/// <summary>An original as its cell keeps it: enough to judge distance and age without reading it.</summary>
public sealed record DuplicateCandidate(string HubId, double Lat, double Lon, DateTimeOffset ReceivedAt);

/// <summary>
/// Decides whether a new report is a duplicate of an open original (same recipient and category,
/// within the category's radius and window), race-safe across hosts. The router calls it, behind
/// the queue (never the HTTP path). The plane is cut into cells at least twice the radius wide, so
/// everything within the radius of a report lies in the 2 × 2 block of cells nearest to it: its own
/// cell and the neighbours on the sides of the cell's centre it lies towards. A claim reads that
/// block with two range queries (one per row of cells: row keys are fixed-width, so two
/// neighbouring cells of a row are one key range), and either links to an original found there, or
/// adds itself to its own cell in one entity-group transaction of at most four entities that also
/// rewrites the other cells of the block under their ETags (or inserts them, empty). Two claims
/// within the radius of each other both hold both their own cells in their blocks, so only one of
/// the two transactions commits; the other reads again (<see cref="Optimistic"/>) and finds the
/// winner. A claim is idempotent: a report already in its cell is an original, a report that is
/// itself linked is never a target. Cost: 2 queries and 1 transaction, plus a point read of each
/// candidate original found (to check it is still open).
/// </summary>
public sealed class DuplicateClaims(HubStorage storage, HubRegistry registry, HazardReportStore store)
{
    /// <summary>Fewer metres than any degree of latitude holds (110.57 km at the equator), so a row is at least twice the radius high.</summary>
    private const double MetersPerDegree = 110_000;

    /// <summary>Cells are this much wider east–west than high, so they are twice the radius wide up to 60° of latitude.</summary>
    private const double LongitudeStretch = 2;

    /// <summary>Added to cell coordinates so that row keys are non-negative, fixed-width and sort as numbers.</summary>
    private const long KeyOffset = 1_000_000_000;

    /// <summary>The most cells one claim writes: its 2 × 2 block.</summary>
    public const int BlockCells = 4;

    private TableClient Cells => storage.Table(Tables.CityRequests);

    /// <summary>The partition of a recipient's and category's cells in <c>CityRequests</c>.</summary>
    public static string PartitionFor(string recipientId, string category) => recipientId + "~dup2~" + category;

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
            // The block's two rows of cells, read at once: two range queries.
            var rows = await Task.WhenAll(block.Rows.Select(y => ReadRowAsync(partition, y, block.Columns, cancellationToken)));
            var cells = rows.SelectMany(row => row).ToDictionary(cell => cell.RowKey, StringComparer.Ordinal);

            if (cells.TryGetValue(own, out var ownCell) && ownCell.Candidates().Any(c => c.HubId == report.HubId))
            {
                return Attempt<string?>.Done(null);
            }

            var candidates = cells.Values
                .SelectMany(cell => cell.Candidates())
                .Where(c => c.HubId != report.HubId
                    && (report.ReceivedAt - c.ReceivedAt).Duration() <= window
                    && DistanceMeters(c.Lat, c.Lon, report.Location.Lat, report.Location.Lon) <= radius)
                .OrderBy(c => c.ReceivedAt)
                .ThenBy(c => c.HubId, StringComparer.Ordinal);
            foreach (var candidate in candidates)
            {
                if (await store.FindAsync(candidate.HubId, cancellationToken) is { } original
                    && original.DuplicateOf is null
                    && !original.CurrentStatus.IsFinal())
                {
                    return Attempt<string?>.Done(candidate.HubId);
                }
            }

            var actions = new List<TableTransactionAction>(BlockCells);
            foreach (var y in block.Rows)
            {
                foreach (var x in block.Columns)
                {
                    var row = RowFor(y, x);
                    var cell = cells.GetValueOrDefault(row);
                    var kept = cell?.Candidates().Where(c => report.ReceivedAt - c.ReceivedAt <= window).ToList() ?? [];
                    if (row == own)
                    {
                        kept.Add(new DuplicateCandidate(report.HubId, report.Location.Lat, report.Location.Lon, report.ReceivedAt));
                    }

                    var next = new DuplicateCellEntity
                    {
                        PartitionKey = partition,
                        RowKey = row,
                        Originals = JsonSerializer.Serialize(kept, HubJsonContext.Default.ListDuplicateCandidate),
                        Version = (cell?.Version ?? 0) + 1,
                    };
                    actions.Add(cell is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, next)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, next, cell.ETag));
                }
            }

            return await Cells.TrySubmitAsync(actions, cancellationToken) == TransactionResult.Committed
                ? Attempt<string?>.Done(null)
                : Attempt<string?>.Retry;
        }, cancellationToken);
    }

    private async Task<List<DuplicateCellEntity>> ReadRowAsync(string partition, long y, long[] columns, CancellationToken cancellationToken)
    {
        var from = RowFor(y, columns[0]);
        var to = RowFor(y, columns[^1]);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey le {to}");
        var cells = new List<DuplicateCellEntity>(columns.Length);
        await foreach (var cell in Cells.QueryAsync<DuplicateCellEntity>(filter, maxPerPage: BlockCells, cancellationToken: cancellationToken))
        {
            cells.Add(cell);
        }

        return cells;
    }

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

    /// <summary>Fixed-width keys (<c>{y}~{x}</c>, ten digits each), so the cells of one row sort by column.</summary>
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
