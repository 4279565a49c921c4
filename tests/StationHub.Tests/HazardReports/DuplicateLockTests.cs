using StationHub.HazardReports;
using StationHub.Platform.Registry;
using StationHub.Triggers;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.HazardReports;

/// <summary>
/// Issue 21: the duplicate grid is partitioned by tile, and a claim whose block crosses a tile's edge locks its
/// cells. A host that dies holding such locks must not lose a decision or let two originals stand: whoever meets
/// an expired lock fences its owner off, or finishes what it decided. The reports are taken over HTTP (the
/// hub's queue functions off), and each claim is the router's (<see cref="DuplicateClaims"/> of the running hub);
/// a claim "dies" by failing at the step named, as a host killed there would leave it.
/// </summary>
public sealed class DuplicateLockTests
{
    private const int Radius = HazardCategory.DefaultDuplicateRadiusMeters;

    [Fact]
    public async Task A_claim_that_died_holding_its_locks_before_deciding_is_fenced_off_and_the_next_claim_decides()
    {
        var (world, first, second, claims) = await StartAsync();
        await using var _ = world;

        await DieAtAsync(claims, first, "locked");

        // Its locks hold the second claim back until they expire; then it fences the first off and is the original.
        world.AdvanceClock(DuplicateClaims.LockTime + TimeSpan.FromSeconds(1));
        Assert.Null(await claims.ClaimAsync(second));

        // The first claim's message comes again: it finds the second listed in its own cell.
        Assert.Equal(second.HubId, await claims.ClaimAsync(first));
        Assert.Equal(0, await LocksLeftAsync(world));
    }

    [Fact]
    public async Task A_claim_that_died_after_deciding_is_listed_by_the_claim_that_breaks_its_lock()
    {
        var (world, first, second, claims) = await StartAsync();
        await using var _ = world;

        // Decided (an original, in its own cell's tile), but not yet listed in the other tile.
        await DieAtAsync(claims, first, "decided");

        world.AdvanceClock(DuplicateClaims.LockTime + TimeSpan.FromSeconds(1));
        Assert.Equal(first.HubId, await claims.ClaimAsync(second));

        // The first claim's message again: an original, as decided.
        Assert.Null(await claims.ClaimAsync(first));
        Assert.Equal(0, await LocksLeftAsync(world));
    }

    [Fact]
    public async Task A_claim_that_stalled_past_its_lock_time_finds_itself_fenced_off_and_links_to_the_claim_that_broke_in()
    {
        var (world, first, second, claims) = await StartAsync();
        await using var _ = world;

        // The first claim stalls with its locks held (a long pause, a slow storage call) until they have expired
        // and the second has broken in and decided.
        var (firstClaim, goOn, _) = await StallAfterLockingAsync(claims, first, second);
        world.AdvanceClock(DuplicateClaims.LockTime + TimeSpan.FromSeconds(1));
        Assert.Null(await claims.ClaimAsync(second));
        goOn.SetResult();

        // Its decision would have made a second original beside the second claim's: it was fenced off, read again, and links.
        Assert.Equal(second.HubId, await firstClaim);
        Assert.Equal(0, await LocksLeftAsync(world));
    }

    [Fact]
    public async Task A_stalled_claim_whose_lock_was_broken_by_a_claim_beyond_its_radius_is_fenced_off_and_both_end_as_originals()
    {
        // Their blocks share a column of cells across the edge, but neither holds the other's own cell: the second
        // takes over only the first's locks in that column. Deleting those alone would leave the first's decision
        // standing, and its commit would then release locks that are no longer its own.
        var (world, first, second, claims) = await StartAsync(firstAt: 0.4, secondAt: -0.6);
        await using var _ = world;
        var (a, b) = (DuplicateClaims.BlockOf(first.Location.Lat, first.Location.Lon, Radius), DuplicateClaims.BlockOf(second.Location.Lat, second.Location.Lon, Radius));
        Assert.Single(a.Columns.Intersect(b.Columns));
        Assert.DoesNotContain((a.Y, a.X), b.Cells);
        Assert.True(DuplicateClaims.DistanceMeters(first.Location.Lat, first.Location.Lon, second.Location.Lat, second.Location.Lon) > Radius);

        var (firstClaim, goOn, _) = await StallAfterLockingAsync(claims, first, second);
        world.AdvanceClock(DuplicateClaims.LockTime + TimeSpan.FromSeconds(1));
        Assert.Null(await claims.ClaimAsync(second));
        goOn.SetResult();

        // Fenced off (its own cell's lock deleted under its ETag), it started again: an original too, nothing left locked.
        Assert.Null(await firstClaim);
        Assert.Equal(0, await LocksLeftAsync(world));
    }

    [Fact]
    public async Task A_claim_held_back_by_a_live_lock_waits_for_it_and_links_to_the_original_it_made()
    {
        var (world, first, second, claims) = await StartAsync();
        await using var _ = world;

        // The first claim stops with its locks held until the second has met them and given way, then goes on.
        var (firstClaim, goOn, gaveWay) = await StallAfterLockingAsync(claims, first, second);
        var secondClaim = claims.ClaimAsync(second);
        await gaveWay.Task.WaitAsync(Eventually.DefaultTimeout);
        Assert.False(secondClaim.IsCompleted);
        Assert.Equal(0, await LocksAsync(world, second.HubId));
        goOn.SetResult();

        Assert.Null(await firstClaim);
        Assert.Equal(first.HubId, await secondClaim);
        Assert.Equal(0, await LocksLeftAsync(world));
    }

    [Fact]
    public async Task An_original_costs_two_requests_of_the_grid_inside_a_tile_and_six_across_an_edge()
    {
        var (world, acrossAnEdge, _, claims) = await StartAsync();
        await using var _ = world;
        var insideHubId = await world.AcceptReportAsync("r-lock-inside", lat: 30.25, lon: 120.16);
        var inside = (await world.Hub.Get<HazardReportStore>().FindAsync(insideHubId))!.ToReport();
        var block = DuplicateClaims.BlockOf(30.25, 120.16, Radius);
        Assert.Single(block.Cells.Select(cell => DuplicateClaims.TileOf(cell.Y, cell.X)).Distinct());
        using var counter = new StorageRequestCounter(world.Hub.Services);

        // Inside a tile: a query of its cell, one transaction. Across an edge: the query, a lock in each of the two
        // tiles, the query again under the locks, the decision, and the listing in the other tile.
        Assert.Null(await claims.ClaimAsync(inside));
        Assert.Equal(2, counter.Requests.Count(r => r.Resource == Tables.CityRequests));
        counter.Clear();
        Assert.Null(await claims.ClaimAsync(acrossAnEdge));
        var grid = counter.Requests.Where(r => r.Resource == Tables.CityRequests).ToList();
        Assert.True(grid.Count == 6, string.Join(", ", grid.Select(r => r.Operation)));
    }

    [Fact]
    public async Task A_duplicate_inside_a_tile_reads_its_cell_once_and_writes_nothing_to_the_grid()
    {
        // A burst about one place is mostly duplicates. Each reads one range of its tile's partition (its cell's row and
        // the originals listed in the cell within the window, here one) and writes nothing there: so one tile takes about
        // 1,000 such claims a second at Azure's 2,000 entities a second per partition (docs/capacity.md).
        var (world, _, _, claims) = await StartAsync();
        await using var _ = world;
        var store = world.Hub.Get<HazardReportStore>();
        var originalHubId = await world.AcceptReportAsync("r-spot-original", lat: 30.25, lon: 120.16);
        var original = (await store.FindAsync(originalHubId))!.ToReport();
        Assert.Null(await claims.ClaimAsync(original));
        var duplicates = new List<HazardReport>();
        for (var i = 0; i < 3; i++)
        {
            var hubId = await world.AcceptReportAsync($"r-spot-{i}", lat: 30.25 + (0.00003 * i), lon: 120.16);
            duplicates.Add((await store.FindAsync(hubId))!.ToReport());
        }

        using var counter = new StorageRequestCounter(world.Hub.Services);
        foreach (var duplicate in duplicates)
        {
            Assert.Equal(originalHubId, await claims.ClaimAsync(duplicate));
        }

        var grid = counter.Requests.Where(r => r.Resource == Tables.CityRequests).ToList();
        Assert.True(grid.Count == duplicates.Count && grid.All(r => r.Operation == "query"), string.Join(", ", grid.Select(r => r.Operation)));
        var entities = 0;
        var cell = DuplicateClaims.BlockOf(30.25, 120.16, Radius);
        var partition = DuplicateClaims.PartitionFor(original.RecipientId, original.Category, DuplicateClaims.TileOf(cell.Y, cell.X));
        await foreach (var row in world.Storage.Hub.Table(Tables.CityRequests).QueryAsync<DuplicateCellEntity>(row => row.PartitionKey == partition))
        {
            entities++;
        }

        // The whole partition: the original listed in the four cells of its block, and their four rows; no claim of a
        // duplicate added a row.
        Assert.Equal(8, entities);
    }

    /// <summary>
    /// Starts the claim of <paramref name="stalled"/> and holds it once it has locked its cells, until the test sets
    /// GoOn; GaveWay is set when the claim of <paramref name="other"/> has met a lock and given way.
    /// </summary>
    private static async Task<(Task<string?> Claim, TaskCompletionSource GoOn, TaskCompletionSource GaveWay)> StallAfterLockingAsync(DuplicateClaims claims, HazardReport stalled, HazardReport other)
    {
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gaveWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var goOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        claims.AfterSeamStep = async (step, hubId) =>
        {
            if (step == "locked" && hubId == stalled.HubId && locked.TrySetResult())
            {
                await goOn.Task;
            }
            else if (step == "gave way" && hubId == other.HubId)
            {
                gaveWay.TrySetResult();
            }
        };
        var claim = claims.ClaimAsync(stalled);
        await locked.Task.WaitAsync(Eventually.DefaultTimeout);
        return (claim, goOn, gaveWay);
    }

    /// <summary>
    /// A hub with its queue functions off, and two reports two metres apart across a row edge of the tiles (each own
    /// cell in another tile), taken over HTTP and read back as the router reads them; and the hub's claims. Each
    /// report lies <paramref name="firstAt"/> or <paramref name="secondAt"/> cells east of a column edge of the grid
    /// (by default both 0.4 cells: one place either side of the row edge).
    /// </summary>
    private static async Task<(HubScenario World, HazardReport First, HazardReport Second, DuplicateClaims Claims)> StartAsync(double firstAt = 0.4, double secondAt = 0.4)
    {
        const double TileHeight = DuplicateClaims.TileCells * 2.0 * Radius / 110_000;
        const double CellWidth = 2 * 2.0 * Radius / 110_000;
        var edge = Math.Ceiling(30.25 / TileHeight) * TileHeight;
        var column = Math.Ceiling(120.17 / CellWidth) * CellWidth;
        var (latA, lonA, latB, lonB) = (edge - 0.00001, column + (firstAt * CellWidth), edge + 0.00001, column + (secondAt * CellWidth));
        var a = DuplicateClaims.BlockOf(latA, lonA, Radius);
        var b = DuplicateClaims.BlockOf(latB, lonB, Radius);
        Assert.NotEqual(DuplicateClaims.TileOf(a.Y, a.X), DuplicateClaims.TileOf(b.Y, b.X));

        var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var first = await world.AcceptReportAsync("r-lock-a", lat: latA, lon: lonA);
        var second = await world.AcceptReportAsync("r-lock-b", lat: latB, lon: lonB);
        var store = world.Hub.Get<HazardReportStore>();
        return (world, (await store.FindAsync(first))!.ToReport(), (await store.FindAsync(second))!.ToReport(), world.Hub.Get<DuplicateClaims>());
    }

    /// <summary>Runs the report's claim until the step named, and fails it there, as a host that dies there leaves it.</summary>
    private static async Task DieAtAsync(DuplicateClaims claims, HazardReport report, string step)
    {
        claims.AfterSeamStep = (at, hubId) => at == step && hubId == report.HubId ? throw new HostDiedException() : Task.CompletedTask;
        await Assert.ThrowsAsync<HostDiedException>(() => claims.ClaimAsync(report));
        claims.AfterSeamStep = null;
    }

    private static Task<int> LocksLeftAsync(HubScenario world) => LocksAsync(world, hubId: null);

    /// <summary>The locks in the grid (of one report's claims, when named).</summary>
    private static async Task<int> LocksAsync(HubScenario world, string? hubId)
    {
        var count = 0;
        await foreach (var row in world.Storage.Hub.Table(Tables.CityRequests).QueryAsync<DuplicateCellEntity>())
        {
            count += row.LockedBy is not null && (hubId is null || row.HubId == hubId) ? 1 : 0;
        }

        return count;
    }

    private sealed class HostDiedException() : Exception("The host died here.");
}
