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
/// and category (table <c>CityRequests</c>, partition <c>{recipient}~dup~{category}</c>, row <c>{y}~{x}</c>).
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
/// within the category's radius and window), race-safe across hosts. The plane is cut into cells at
/// least the radius wide, so any two reports within the radius lie in the same or neighbouring cells.
/// A claim reads its 3 × 3 cells, and either links to an original found there, or adds itself to its
/// own cell in one entity-group transaction that also rewrites every neighbouring cell under its ETag
/// (or inserts it). Two claims within the radius of each other share cells, so only one of the two
/// transactions commits; the other reads again (<see cref="Optimistic"/>) and finds the winner.
/// A claim is idempotent: a report already in its cell is an original, a report that is itself
/// linked is never a target.
/// </summary>
public sealed class DuplicateClaims(HubStorage storage, HubRegistry registry, HazardReportStore store)
{
    /// <summary>Fewer metres than any degree of latitude holds (110.57 km at the equator), so a row is at least the radius high.</summary>
    private const double MetersPerDegree = 110_000;

    /// <summary>Cells are this much wider east–west than the radius, so they hold up to 60° of latitude.</summary>
    private const double LongitudeStretch = 2;

    private TableClient Cells => storage.Table(Tables.CityRequests);

    /// <summary>The original <paramref name="report"/> duplicates, or null when it is (now) an original itself.</summary>
    public Task<string?> ClaimAsync(HazardReport report, CancellationToken cancellationToken = default)
    {
        var category = registry.FindCategory(report.Category);
        var radius = category?.DuplicateRadiusMeters ?? HazardCategory.DefaultDuplicateRadiusMeters;
        var window = TimeSpan.FromDays(category?.DuplicateWindowDays ?? HazardCategory.DefaultDuplicateWindowDays);
        var partition = report.RecipientId + "~dup~" + report.Category;
        var (y, x) = CellOf(report.Location.Lat, report.Location.Lon, radius);
        var own = RowFor(y, x);
        var neighbours = new List<string>(9);
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                neighbours.Add(RowFor(y + dy, x + dx));
            }
        }

        return Optimistic.RetryAsync<string?>($"The duplicate cells of {report.HubId}", async _ =>
        {
            // The nine cells are read at once: one round trip of latency instead of nine.
            var read = await Task.WhenAll(neighbours.Select(row => Cells.FindAsync<DuplicateCellEntity>(partition, row, cancellationToken)));
            var cells = new Dictionary<string, DuplicateCellEntity?>(StringComparer.Ordinal);
            for (var i = 0; i < neighbours.Count; i++)
            {
                cells[neighbours[i]] = read[i];
            }

            if (cells[own]?.Candidates().Any(c => c.HubId == report.HubId) == true)
            {
                return Attempt<string?>.Done(null);
            }

            var candidates = cells.Values
                .Where(cell => cell is not null)
                .SelectMany(cell => cell!.Candidates())
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

            var actions = new List<TableTransactionAction>(9);
            foreach (var row in neighbours)
            {
                var cell = cells[row];
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

            return await Cells.TrySubmitAsync(actions, cancellationToken) == TransactionResult.Committed
                ? Attempt<string?>.Done(null)
                : Attempt<string?>.Retry;
        }, cancellationToken);
    }

    /// <summary>The cell of a point: rows of <paramref name="radius"/> metres of latitude, columns at least as wide.</summary>
    public static (long Y, long X) CellOf(double lat, double lon, int radius)
    {
        var latStep = radius / MetersPerDegree;
        var lonStep = radius * LongitudeStretch / MetersPerDegree;
        return ((long)Math.Floor(lat / latStep), (long)Math.Floor(lon / lonStep));
    }

    private static string RowFor(long y, long x) => y.ToString(CultureInfo.InvariantCulture) + "~" + x.ToString(CultureInfo.InvariantCulture);

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
