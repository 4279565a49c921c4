using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// A row of the duplicate grid (table <c>CityRequests</c>, one partition per recipient, category and tile of
/// <see cref="DuplicateClaims.TileCells"/> × <see cref="DuplicateClaims.TileCells"/> cells:
/// <c>{recipient}~dup4~{category}~{tile y}~{tile x}</c>): a cell's own row (<c>{y}~{x}~~</c>, in fixed-width
/// digits; its ETag changes with every claim that touches the cell), an original listed in a cell
/// (<c>{y}~{x}~{received, in ticks}~{hubId}</c>, with the original's place and time), or a cell's lock
/// (<c>{y}~{x}~lock</c>), which a claim whose block crosses tiles holds while it decides (with the place and time
/// of its report, so that whoever breaks an expired lock can finish its decision). An original is listed in every
/// cell of its 2 × 2 block. Older layouts (<c>~dup~</c>, <c>~dup2~</c>, <c>~dup3~</c>: one partition per recipient
/// and category) are no longer read.
/// </summary>
public sealed class DuplicateCellEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The original listed in this row, or the report whose claim holds this lock; null on a cell's own row.</summary>
    public string? HubId { get; set; }

    public double Lat { get; set; }

    public double Lon { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>On a lock: the attempt of the claim that holds it.</summary>
    public string? LockedBy { get; set; }

    /// <summary>On a lock: from when another claim may break it.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
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
/// time). A claim is idempotent: a report listed in its own cell is an original, a report that is
/// itself linked is never a target.
/// <para>
/// Cells are grouped in tiles, a partition each, so that no partition holds a whole city's claims (issue 21:
/// one partition stopped a city and category at about 220 reports/s). Two claims within the radius of each
/// other each hold the other's own cell in their block. A claim whose block lies in one tile (all but about
/// 2 in <see cref="TileCells"/>) can therefore meet such a claim only in that tile, and keeps one
/// transaction there: it either links to an original found in its cell, or lists itself in the four cells
/// of its block, replaces its own cell's row under the ETag it read (or adds it) and rewrites the other
/// three cells' rows (which changes their ETags). Whichever of two such claims commits second finds the
/// ETag of its own cell changed (or its row added), reads again (<see cref="Optimistic"/>) and finds the
/// winner listed.
/// </para>
/// <para>
/// A claim whose block crosses a tile's edge (a seam claim) can meet another seam claim whose own cell is
/// in the next tile. It first locks every cell of its block (one transaction per tile, its own cell's tile
/// first; a lock held by another gives way, an expired one is broken), then reads its cell again and
/// decides. The decision commits in its own cell's tile, in the transaction above, which also releases its
/// locks there, the lock of its own cell under the ETag it read; then it lists itself in the other tiles,
/// releasing its locks there. A claim that breaks an expired lock reads the owner's lock on its own cell:
/// while it is there, deleting it under its ETag fences the owner off (its commit then fails and it starts
/// again); once it is gone, the owner's listing in its own cell tells whether it decided, and the breaker
/// lists it in the lock's tile for it. Two seam claims within the radius lock each other's own cell, so one
/// decides before the other reads.
/// </para>
/// Cost: 1 query and 1 transaction (of at most 8 entities), plus a point read of each candidate original
/// found (to check it is still open); a seam claim that is an original adds its locks, a second read and a
/// transaction per other tile (6 requests for two tiles, 10 for four). Rows of originals past the window are no
/// longer read, and are left in place.
/// </summary>
public sealed class DuplicateClaims(HubStorage storage, HubRegistry registry, HazardReportStore store, TimeProvider time)
{
    /// <summary>Fewer metres than any degree of latitude holds (110.57 km at the equator), so a row is at least twice the radius high.</summary>
    private const double MetersPerDegree = 110_000;

    /// <summary>Cells are this much wider east–west than high, so they are twice the radius wide up to 60° of latitude.</summary>
    private const double LongitudeStretch = 2;

    /// <summary>Added to cell coordinates so that row keys are non-negative, fixed-width and sort as numbers.</summary>
    private const long KeyOffset = 1_000_000_000;

    /// <summary>The cells of one claim's block.</summary>
    public const int BlockCells = 4;

    /// <summary>
    /// A tile's side, in cells: 3.2 km north–south and 5.6 km east–west in Hangzhou at the default 50 m radius. About 1 claim in
    /// 16 crosses a tile's edge and pays for its locks (4 requests more when it is an original).
    /// </summary>
    public const int TileCells = 32;

    /// <summary>How long a seam claim's locks hold before another claim may break them.</summary>
    public static readonly TimeSpan LockTime = TimeSpan.FromSeconds(10);

    /// <summary>After every original's row of a cell (ticks and hub ids sort before it).</summary>
    private const string CellRowSuffix = "~~";

    /// <summary>A cell's lock: after its originals' rows, before its own row.</summary>
    private const string LockSuffix = "~lock";

    private TableClient Cells => storage.Table(Tables.CityRequests);

    /// <summary>Called after a step of a seam claim ("locked", "gave way" to another's lock, "decided"), with the report's hub id: tests stop a claim there, as a host that dies would.</summary>
    internal Func<string, string, Task>? AfterSeamStep { get; set; }

    /// <summary>The partition of a recipient's and category's cells in one tile, in <c>CityRequests</c>.</summary>
    public static string PartitionFor(string recipientId, string category, (long Y, long X) tile) =>
        recipientId + "~dup4~" + category + "~" + Key(tile.Y) + "~" + Key(tile.X);

    /// <summary>The tile a cell lies in.</summary>
    public static (long Y, long X) TileOf(long y, long x) => ((long)Math.Floor(y / (double)TileCells), (long)Math.Floor(x / (double)TileCells));

    /// <summary>The original <paramref name="report"/> duplicates, or null when it is (now) an original itself.</summary>
    public Task<string?> ClaimAsync(HazardReport report, CancellationToken cancellationToken = default)
    {
        var category = registry.FindCategory(report.Category);
        var radius = category?.DuplicateRadiusMeters ?? HazardCategory.DefaultDuplicateRadiusMeters;
        var window = TimeSpan.FromDays(category?.DuplicateWindowDays ?? HazardCategory.DefaultDuplicateWindowDays);
        var claim = new Claim(report.RecipientId, report.Category, radius, report.HubId, report.Location.Lat, report.Location.Lon, report.ReceivedAt);
        return claim.Tiles.Count == 1
            ? ClaimInTileAsync(claim, window, cancellationToken)
            : ClaimAcrossTilesAsync(claim, window, cancellationToken);
    }

    /// <summary>A claim whose block lies in one tile: one query and one transaction there.</summary>
    private Task<string?> ClaimInTileAsync(Claim claim, TimeSpan window, CancellationToken cancellationToken) =>
        Optimistic.RetryAsync<string?>($"The duplicate cells of {claim.HubId}", async _ =>
        {
            var cell = await ReadOwnCellAsync(claim, window, cancellationToken);
            if (cell.ListsSelf)
            {
                return Attempt<string?>.Done(null);
            }

            if (await FindOriginalAsync(claim, cell, window, cancellationToken) is { } original)
            {
                return Attempt<string?>.Done(original);
            }

            // 412 (own cell touched since it was read), or 409 (its row added meanwhile, or this claim
            // committed before and its rows exist): read again.
            return await SubmitAsync(CommitActions(claim, claim.Home, cell, ownLock: null), cancellationToken) == TransactionResult.Committed
                ? Attempt<string?>.Done(null)
                : Attempt<string?>.Retry;
        }, cancellationToken);

    /// <summary>A claim whose block crosses a tile's edge: its cells locked in every tile, then decided (see the class).</summary>
    private async Task<string?> ClaimAcrossTilesAsync(Claim claim, TimeSpan window, CancellationToken cancellationToken)
    {
        // Most such claims find their original: that needs no lock (linking to an open original is safe at any time).
        var first = await ReadOwnCellAsync(claim, window, cancellationToken);
        if (first.ListsSelf)
        {
            return null;
        }

        if (await FindOriginalAsync(claim, first, window, cancellationToken) is { } found)
        {
            return found;
        }

        var giveUpAt = time.GetUtcNow() + (3 * LockTime);
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                if (time.GetUtcNow() > giveUpAt)
                {
                    throw new ConcurrencyExhaustedException($"The duplicate locks of {claim.HubId}", round);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(10, 20 + (10 * Math.Min(round, 18)))), time, cancellationToken);
            }

            var attempt = Guid.NewGuid().ToString("N");
            if (!await LockAsync(claim, attempt, cancellationToken))
            {
                await StepAsync("gave way", claim, cancellationToken);
                continue;
            }

            await StepAsync("locked", claim, cancellationToken);
            if (await DecideLockedAsync(claim, attempt, window, cancellationToken) is { } decision)
            {
                return decision.Original;
            }
        }
    }

    /// <summary>Locks every cell of the claim's block, tile by tile (its own first). False when another claim holds one: what it took is released (and an expired lock broken) for the next round.</summary>
    private async Task<bool> LockAsync(Claim claim, string attempt, CancellationToken cancellationToken)
    {
        var locked = new List<(long Y, long X)>();
        foreach (var tile in claim.Tiles)
        {
            var until = time.GetUtcNow() + LockTime;
            var actions = claim.CellsIn(tile).Select(cell => new TableTransactionAction(TableTransactionActionType.Add, new DuplicateCellEntity
            {
                PartitionKey = claim.PartitionOf(tile),
                RowKey = RowFor(cell) + LockSuffix,
                HubId = claim.HubId,
                Lat = claim.Lat,
                Lon = claim.Lon,
                ReceivedAt = claim.ReceivedAt,
                LockedBy = attempt,
                LockedUntil = until,
            }));
            if (await SubmitAsync(actions, cancellationToken) == TransactionResult.Committed)
            {
                locked.Add(tile);
                continue;
            }

            await BreakExpiredAsync(claim, tile, attempt, cancellationToken);
            await ReleaseAsync(claim, attempt, locked, cancellationToken);
            return false;
        }

        return true;
    }

    /// <summary>
    /// With every lock held: reads the own cell again and decides. Null when this attempt lost its own cell's lock
    /// (broken by another claim) and must start again; its other locks are released first.
    /// </summary>
    private async Task<Decision?> DecideLockedAsync(Claim claim, string attempt, TimeSpan window, CancellationToken cancellationToken)
    {
        for (var number = 0; number < Optimistic.MaxAttempts; number++)
        {
            var cell = await ReadOwnCellAsync(claim, window, cancellationToken);
            if (cell.Lock?.LockedBy != attempt)
            {
                await ReleaseAsync(claim, attempt, claim.Tiles, cancellationToken);
                return null;
            }

            if (cell.ListsSelf)
            {
                // Decided by an earlier run of this claim; its locks here are this attempt's own.
                await ReleaseAsync(claim, attempt, claim.Tiles, cancellationToken);
                return new Decision(null);
            }

            if (await FindOriginalAsync(claim, cell, window, cancellationToken) is { } original)
            {
                await ReleaseAsync(claim, attempt, claim.Tiles, cancellationToken);
                return new Decision(original);
            }

            // The decision: in the own cell's tile, its cells listed, its own cell's row under its ETag, its locks
            // released (its own cell's under the ETag just read: a claim that broke it fenced this attempt off).
            if (await SubmitAsync(CommitActions(claim, claim.Home, cell, cell.Lock), cancellationToken) != TransactionResult.Committed)
            {
                continue;
            }

            await StepAsync("decided", claim, cancellationToken);
            foreach (var tile in claim.Tiles.Skip(1))
            {
                await ListElsewhereAsync(claim, tile, cancellationToken);
            }

            return new Decision(null);
        }

        throw new ConcurrencyExhaustedException($"The duplicate cells of {claim.HubId}", Optimistic.MaxAttempts);
    }

    /// <summary>
    /// Lists a decided original in a tile other than its own cell's, and releases its locks there. A 409: a claim that
    /// broke one of those locks listed it already; a lock left by an earlier attempt of the same report is released.
    /// </summary>
    private async Task ListElsewhereAsync(Claim owner, (long Y, long X) tile, CancellationToken cancellationToken, DuplicateCellEntity? brokenLock = null)
    {
        var partition = owner.PartitionOf(tile);
        var actions = new List<TableTransactionAction>();
        foreach (var cell in owner.CellsIn(tile))
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, owner.ListingIn(partition, cell)));
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new DuplicateCellEntity { PartitionKey = partition, RowKey = RowFor(cell) + LockSuffix }, ETag.All));
        }

        if (await SubmitAsync(actions, cancellationToken) == TransactionResult.Committed)
        {
            return;
        }

        // Listed already, or a lock missing: list what is missing on its own, and release what is left of this report's.
        await SubmitAsync(actions.Where(action => action.ActionType == TableTransactionActionType.Add), cancellationToken);
        if (brokenLock is not null)
        {
            await DeleteIfUnchangedAsync(brokenLock, cancellationToken);
        }
    }

    /// <summary>
    /// After a lock could not be taken in a tile: each of the claim's cells there held by another attempt whose time
    /// has passed is broken. Its owner is fenced off when it has not decided, or its listing finished when it has.
    /// </summary>
    private async Task BreakExpiredAsync(Claim claim, (long Y, long X) tile, string attempt, CancellationToken cancellationToken)
    {
        var partition = claim.PartitionOf(tile);
        foreach (var cell in claim.CellsIn(tile))
        {
            var held = await Cells.FindAsync<DuplicateCellEntity>(partition, RowFor(cell) + LockSuffix, cancellationToken);
            if (held is null || held.LockedBy == attempt || held.LockedUntil > time.GetUtcNow() || held.HubId is null)
            {
                continue;
            }

            var owner = new Claim(claim.RecipientId, claim.Category, claim.Radius, held.HubId, held.Lat, held.Lon, held.ReceivedAt);
            var ownLock = RowFor(owner.Own) + LockSuffix;
            for (var tries = 0; tries < 3; tries++)
            {
                var intent = await Cells.FindAsync<DuplicateCellEntity>(owner.PartitionOf(owner.Home), ownLock, cancellationToken);
                if (intent is not null && intent.LockedBy == held.LockedBy)
                {
                    // Undecided: deleting its own cell's lock under the ETag read fences it off.
                    if (await DeleteIfUnchangedAsync(intent, cancellationToken))
                    {
                        await DeleteIfUnchangedAsync(held, cancellationToken);
                        break;
                    }

                    continue;
                }

                if (await Cells.FindAsync<DuplicateCellEntity>(owner.PartitionOf(owner.Home), owner.ListingRow(owner.Own), cancellationToken) is null)
                {
                    // Gave way, was fenced off, or found its original: its lock decides nothing.
                    await DeleteIfUnchangedAsync(held, cancellationToken);
                }
                else if (tile == owner.Home)
                {
                    // Its decision released its locks here: this one is an earlier attempt's.
                    await DeleteIfUnchangedAsync(held, cancellationToken);
                }
                else
                {
                    await ListElsewhereAsync(owner, tile, cancellationToken, held);
                }

                break;
            }
        }
    }

    /// <summary>Releases the locks this attempt holds in the given tiles (each read, and deleted under its ETag, so a lock since taken by another stays).</summary>
    private async Task ReleaseAsync(Claim claim, string attempt, IEnumerable<(long Y, long X)> tiles, CancellationToken cancellationToken)
    {
        foreach (var tile in tiles)
        {
            var partition = claim.PartitionOf(tile);
            var mine = new List<TableTransactionAction>();
            foreach (var cell in claim.CellsIn(tile))
            {
                if (await Cells.FindAsync<DuplicateCellEntity>(partition, RowFor(cell) + LockSuffix, cancellationToken) is { } held && held.LockedBy == attempt)
                {
                    mine.Add(new TableTransactionAction(TableTransactionActionType.Delete, held, held.ETag));
                }
            }

            if (mine.Count > 0)
            {
                await SubmitAsync(mine, cancellationToken);
            }
        }
    }

    private async Task<bool> DeleteIfUnchangedAsync(DuplicateCellEntity row, CancellationToken cancellationToken) =>
        await SubmitAsync([new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag)], cancellationToken) == TransactionResult.Committed;

    /// <summary>
    /// The claim's commit in one tile: its cells there listed, the own cell's row replaced under the ETag read (or
    /// added) and the other cells' rows rewritten; with <paramref name="ownLock"/>, this attempt's locks there released,
    /// the own cell's under its ETag.
    /// </summary>
    private static List<TableTransactionAction> CommitActions(Claim claim, (long Y, long X) tile, OwnCell read, DuplicateCellEntity? ownLock)
    {
        var partition = claim.PartitionOf(tile);
        var actions = new List<TableTransactionAction>(3 * BlockCells);
        foreach (var cell in claim.CellsIn(tile))
        {
            var cellRow = new DuplicateCellEntity { PartitionKey = partition, RowKey = RowFor(cell) + CellRowSuffix };
            actions.Add(cell != claim.Own
                ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, cellRow)
                : read.Row is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, cellRow)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, cellRow, read.Row.ETag));
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, claim.ListingIn(partition, cell)));
            if (ownLock is not null)
            {
                var lockRow = new DuplicateCellEntity { PartitionKey = partition, RowKey = RowFor(cell) + LockSuffix };
                actions.Add(cell == claim.Own
                    ? new TableTransactionAction(TableTransactionActionType.Delete, ownLock, ownLock.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Delete, lockRow, ETag.All));
            }
        }

        return actions;
    }

    /// <summary>The first open original within the radius and window among those listed in the own cell, oldest first.</summary>
    private async Task<string?> FindOriginalAsync(Claim claim, OwnCell cell, TimeSpan window, CancellationToken cancellationToken)
    {
        var candidates = cell.Listed
            .Where(c => (claim.ReceivedAt - c.ReceivedAt).Duration() <= window
                && DistanceMeters(c.Lat, c.Lon, claim.Lat, claim.Lon) <= claim.Radius)
            .OrderBy(c => c.ReceivedAt)
            .ThenBy(c => c.HubId, StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (await store.FindAsync(candidate.HubId!, cancellationToken) is { } original
                && original.DuplicateOf is null
                && !original.CurrentStatus.IsFinal())
            {
                return candidate.HubId;
            }
        }

        return null;
    }

    /// <summary>The claim's own cell: its row, its lock, and the originals listed in it since the window's start (one range query).</summary>
    private async Task<OwnCell> ReadOwnCellAsync(Claim claim, TimeSpan window, CancellationToken cancellationToken)
    {
        var cell = RowFor(claim.Own);
        var from = cell + "~" + Ticks(claim.ReceivedAt - window);
        var to = cell + CellRowSuffix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {claim.PartitionOf(claim.Home)} and RowKey ge {from} and RowKey le {to}");
        var rows = new List<DuplicateCellEntity>();
        await foreach (var row in Cells.QueryAsync<DuplicateCellEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        var listed = rows.Where(row => row.RowKey != to && row.RowKey != cell + LockSuffix).ToList();
        return new OwnCell(
            rows.FirstOrDefault(row => row.RowKey == to),
            rows.FirstOrDefault(row => row.RowKey == cell + LockSuffix),
            listed,
            listed.Any(row => row.HubId == claim.HubId));
    }

    private Task StepAsync(string step, Claim claim, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return AfterSeamStep?.Invoke(step, claim.HubId) ?? Task.CompletedTask;
    }

    /// <summary>Submits a transaction; a row it deletes under an ETag that is gone counts as changed (404), not as a failure.</summary>
    private async Task<TransactionResult> SubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            return await Cells.TrySubmitAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException exception) when (HubStorage.IsNotFound(exception) && !HubStorage.IsTableNotFound(exception))
        {
            return TransactionResult.Changed;
        }
    }

    private static string Key(long value) => (value + KeyOffset).ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>An original's row in a cell: after the cell's key, its time (fixed-width ticks, so a range reads a window) and its hub id.</summary>
    internal static string OriginalRowFor(string cell, DateTimeOffset receivedAt, string hubId) => cell + "~" + Ticks(receivedAt) + "~" + hubId;

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
    public static string RowFor(long y, long x) => Key(y) + "~" + Key(x);

    private static string RowFor((long Y, long X) cell) => RowFor(cell.Y, cell.X);

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
public sealed record CellBlock(long Y, long X, long[] Rows, long[] Columns)
{
    /// <summary>The block's four cells.</summary>
    public IEnumerable<(long Y, long X)> Cells => Rows.SelectMany(y => Columns.Select(x => (y, x)));
}

/// <summary>
/// One report's claim on the grid: its place, its block, and the tiles its block lies in, its own cell's first
/// (<see cref="Home"/>), then the others in key order (the order every claim takes its locks in).
/// </summary>
internal sealed class Claim
{
    public Claim(string recipientId, string category, int radius, string hubId, double lat, double lon, DateTimeOffset receivedAt)
    {
        (RecipientId, Category, Radius, HubId, Lat, Lon, ReceivedAt) = (recipientId, category, radius, hubId, lat, lon, receivedAt);
        Block = DuplicateClaims.BlockOf(lat, lon, radius);
        Own = (Block.Y, Block.X);
        Home = DuplicateClaims.TileOf(Own.Y, Own.X);
        Tiles = [Home, .. Block.Cells.Select(cell => DuplicateClaims.TileOf(cell.Y, cell.X)).Distinct().Where(tile => tile != Home).Order()];
    }

    public string RecipientId { get; }
    public string Category { get; }
    public int Radius { get; }
    public string HubId { get; }
    public double Lat { get; }
    public double Lon { get; }
    public DateTimeOffset ReceivedAt { get; }
    public CellBlock Block { get; }
    public (long Y, long X) Own { get; }
    public (long Y, long X) Home { get; }
    public IReadOnlyList<(long Y, long X)> Tiles { get; }

    public string PartitionOf((long Y, long X) tile) => DuplicateClaims.PartitionFor(RecipientId, Category, tile);

    public IEnumerable<(long Y, long X)> CellsIn((long Y, long X) tile) => Block.Cells.Where(cell => DuplicateClaims.TileOf(cell.Y, cell.X) == tile);

    /// <summary>This report's row in a cell: after the cell's key, its time (fixed-width ticks, so a range reads a window) and its hub id.</summary>
    public string ListingRow((long Y, long X) cell) => DuplicateClaims.OriginalRowFor(DuplicateClaims.RowFor(cell.Y, cell.X), ReceivedAt, HubId);

    public DuplicateCellEntity ListingIn(string partition, (long Y, long X) cell) => new()
    {
        PartitionKey = partition,
        RowKey = ListingRow(cell),
        HubId = HubId,
        Lat = Lat,
        Lon = Lon,
        ReceivedAt = ReceivedAt,
    };
}

/// <summary>A claim's own cell as read: its row, its lock, the originals listed in it, and whether the claim's report is one of them.</summary>
internal sealed record OwnCell(DuplicateCellEntity? Row, DuplicateCellEntity? Lock, IReadOnlyList<DuplicateCellEntity> Listed, bool ListsSelf);

/// <summary>A seam claim's outcome: the original it duplicates, or null when it is one.</summary>
internal sealed record Decision(string? Original);
