using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Platform;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>The one tree over all sealed days, kept in storage, on a fake clock over a real Azurite.</summary>
public sealed class LedgerTreeTests() : HubLibraryTests(LedgerStart, LedgerFromStart)
{
    [Fact]
    public async Task Each_sealed_day_appends_its_leaves_and_gets_a_signed_checkpoint_of_the_whole_tree()
    {
        await WriteDaysAsync(5);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, 18, 0, 0, TimeSpan.Zero));
        var sealing = Services.GetRequiredService<LedgerSealing>();
        var checkpoints = Services.GetRequiredService<LedgerCheckpoints>();

        Assert.Equal(5, await sealing.RunAsync());
        Assert.Equal(0, await checkpoints.CatchUpAsync());

        var allLeaves = new List<byte[]>();
        var verifier = NoteVerifier.Parse(TestRegistry.LedgerVerifierKey);
        var sizes = new List<(long Size, byte[] Root)>();
        foreach (var date in Dates(5))
        {
            var day = await Services.GetRequiredService<LedgerStore>().FindSealedAsync(date);
            using var document = JsonDocument.Parse(day!.Json);
            var leaves = LedgerLeaf.Leaves(LedgerDay.FiguresOf(document.RootElement));
            var checkpoint = await checkpoints.OfDayAsync(date);

            Assert.NotNull(checkpoint);
            Assert.Equal(allLeaves.Count, checkpoint.TreeStart);
            allLeaves.AddRange(leaves);
            Assert.Equal(allLeaves.Count, checkpoint.TreeSize);
            var expectedRoot = new MerkleTree(allLeaves).RootHash;
            Assert.Equal(Convert.ToBase64String(expectedRoot), checkpoint.Root);

            var note = SignedNote.Parse(checkpoint.Note);
            Assert.NotNull(verifier.FindIn(note));
            var parsed = Checkpoint.Parse(note.Text);
            Assert.Equal("stationhub.test/ledger", parsed.Origin);
            Assert.Equal(allLeaves.Count, parsed.Size);
            Assert.Equal(expectedRoot, parsed.Root);
            Assert.Equal(day.RowKey, parsed.Day);
            Assert.Equal(day.Hash, parsed.DayHash);
            sizes.Add((parsed.Size, parsed.Root));
        }

        // Consistency between every pair of checkpoints, and between sizes no day ended at.
        var whole = new MerkleTree(allLeaves);
        foreach (var (from, fromRoot) in sizes)
        {
            foreach (var (to, toRoot) in sizes.Where(s => s.Size >= from))
            {
                var proof = await checkpoints.ConsistencyAsync(from, to);
                Assert.True(MerkleTree.VerifyConsistency(from, to, proof, fromRoot, toRoot), $"{from} -> {to}");
            }
        }

        for (var from = 1; from < allLeaves.Count; from += 3)
        {
            Assert.Equal(whole.ConsistencyProof(from), await checkpoints.ConsistencyAsync(from, allLeaves.Count));
        }

        // Inclusion of every leaf in the whole tree.
        for (var index = 0; index < allLeaves.Count; index++)
        {
            var proof = await checkpoints.InclusionAsync(index, allLeaves.Count);
            Assert.True(MerkleTree.VerifyInclusion(allLeaves[index], index, allLeaves.Count, proof, whole.RootHash), $"leaf {index}");
        }
    }

    [Fact]
    public async Task A_day_sealed_without_its_checkpoint_is_appended_by_the_next_run_and_two_hosts_agree()
    {
        await WriteDaysAsync(3);
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero));

        // Sealed by a run that stopped before the tree (a crash, a missing key at the time).
        Assert.Equal(3, await Services.GetRequiredService<LedgerSealer>().SealAsync());
        var checkpoints = Services.GetRequiredService<LedgerCheckpoints>();
        var other = new LedgerCheckpoints(
            Services.GetRequiredService<LedgerTreeStore>(),
            Services.GetRequiredService<LedgerStore>(),
            Services.GetRequiredService<LedgerSigningKey>(),
            Services.GetRequiredService<WitnessRequests>(),
            Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<LedgerCheckpoints>.Instance);

        var appended = await Task.WhenAll(checkpoints.CatchUpAsync(), other.CatchUpAsync());

        Assert.InRange(appended.Sum(), 3, 6);
        var latest = await checkpoints.LatestAsync();
        Assert.Equal("2026-11-22", latest!.RowKey);
        Assert.Equal(Checkpoint.Parse(SignedNote.Parse(latest.Note).Text).Size, latest.TreeSize);
        Assert.Equal(0, await checkpoints.CatchUpAsync());
    }

    private async Task WriteDaysAsync(int count)
    {
        var writer = Services.GetRequiredService<LedgerEntryWriter>();
        var entries = new List<LedgerEntry>();
        var i = 0;
        foreach (var date in Dates(count))
        {
            var at = new DateTimeOffset(date.ToDateTime(new TimeOnly(4, 0)), TimeSpan.Zero);
            for (var k = 0; k <= i; k++)
            {
                entries.Add(new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District(k % 2 == 0 ? "330102" : "330106"), $"hr-{i}-{k}", at));
                entries.Add(new LedgerEntry(LedgerKinds.PickupRevenue("commission"), LedgerScopes.Station($"st-hz-0{(k % 2) + 1}"), $"po-{i}-{k}", at, 100 + k));
            }

            i++;
        }

        await writer.WriteAsync(entries);
    }

    private static IEnumerable<DateOnly> Dates(int count) => Enumerable.Range(0, count).Select(d => new DateOnly(2026, 11, 20).AddDays(d));
}
