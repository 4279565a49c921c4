using Microsoft.Extensions.Time.Testing;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Checkpoints;

/// <summary>The witness of C2SP tlog-witness: what it cosigns, what it refuses and with which status.</summary>
public sealed class CheckpointWitnessTests : IDisposable
{
    private readonly string statePath = Path.Combine(Path.GetTempPath(), $"witness-test-{Guid.NewGuid():N}.json");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
    private readonly NoteSigner log = NoteSigner.Parse(TestRegistry.LedgerSigningKey);
    private readonly NoteSigner witnessKey;
    private readonly string witnessVerifierKey;
    private readonly byte[][] leaves = [.. Enumerable.Range(0, 40).Select(i => BitConverter.GetBytes(i * 7919))];

    public CheckpointWitnessTests()
    {
        var (privateKey, verifierKey) = NoteSigner.Generate("witness.test/w1", NoteKeys.CosignatureV1);
        witnessKey = NoteSigner.Parse(privateKey);
        witnessVerifierKey = verifierKey;
    }

    public void Dispose()
    {
        log.Dispose();
        witnessKey.Dispose();
        File.Delete(statePath);
    }

    [Fact]
    public async Task It_cosigns_a_first_checkpoint_then_each_consistent_extension_and_keeps_them_in_its_file()
    {
        var witness = Witness();

        var first = await witness.AddCheckpointAsync(Request(0, 10));
        var second = await witness.AddCheckpointAsync(Request(10, 25));
        var again = await Witness().AddCheckpointAsync(Request(25, 25));

        Assert.Equal(200, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal(200, again.Status);
        var verifier = NoteVerifier.Parse(witnessVerifierKey);
        var cosignature = SignedNote.ParseLine(second.Body.TrimEnd('\n'));
        Assert.True(verifier.Check(CheckpointText(25), cosignature, out var time));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), time);
        Assert.Equal(25, (await new WitnessStateFile(statePath).GetAsync("stationhub.test/ledger"))!.Size);
    }

    [Fact]
    public async Task A_stale_old_size_is_a_409_with_the_witness_size()
    {
        var witness = Witness();
        await witness.AddCheckpointAsync(Request(0, 10));

        var stale = await witness.AddCheckpointAsync(Request(0, 20));
        var ahead = await witness.AddCheckpointAsync(Request(15, 20));

        Assert.Equal(409, stale.Status);
        Assert.Equal(AddCheckpointRequest.SizeContentType, stale.ContentType);
        Assert.Equal("10\n", stale.Body);
        Assert.Equal(409, ahead.Status);
    }

    [Fact]
    public async Task It_refuses_a_smaller_tree_a_conflicting_root_and_a_bad_proof()
    {
        var witness = Witness();
        await witness.AddCheckpointAsync(Request(0, 20));

        var smaller = await witness.AddCheckpointAsync(Request(20, 15));
        var otherRoot = await witness.AddCheckpointAsync(new AddCheckpointRequest(20, [], Sign(20, root: new byte[32])).ToString());
        var badProof = new MerkleTree(leaves[..30]).ConsistencyProof(20).Select(h => (byte[])h.Clone()).ToArray();
        badProof[0][3] ^= 1;
        var inconsistent = await witness.AddCheckpointAsync(new AddCheckpointRequest(20, badProof, Sign(30)).ToString());
        var after = await witness.AddCheckpointAsync(Request(20, 30));

        Assert.Equal(400, smaller.Status);
        Assert.Equal(409, otherRoot.Status);
        Assert.Equal(422, inconsistent.Status);
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task Unknown_logs_foreign_signatures_and_malformed_bodies_are_refused()
    {
        var witness = Witness();
        var (otherKey, _) = NoteSigner.Generate("stationhub.test/ledger");
        using var impostor = NoteSigner.Parse(otherKey);
        var (strangerKey, _) = NoteSigner.Generate("elsewhere.example/log");
        using var stranger = NoteSigner.Parse(strangerKey);
        var text = CheckpointText(10);

        var foreign = await witness.AddCheckpointAsync(new AddCheckpointRequest(0, [], impostor.SignNote(text).ToString()).ToString());
        var unknown = await witness.AddCheckpointAsync(new AddCheckpointRequest(0, [], stranger.SignNote(text.Replace("stationhub.test/ledger", "elsewhere.example/log", StringComparison.Ordinal)).ToString()).ToString());
        var malformed = await witness.AddCheckpointAsync("old ten\n\n" + log.SignNote(text));
        var proofFromZero = await witness.AddCheckpointAsync(new AddCheckpointRequest(0, [new byte[32]], Sign(10)).ToString());

        Assert.Equal(403, foreign.Status);
        Assert.Equal(404, unknown.Status);
        Assert.Equal(400, malformed.Status);
        Assert.Equal(400, proofFromZero.Status);
        Assert.False(File.Exists(statePath));
    }

    private CheckpointWitness Witness() => new(witnessKey, [log.Verifier], new WitnessStateFile(statePath), clock);

    private string Request(long oldSize, long size) =>
        new AddCheckpointRequest(oldSize, oldSize == 0 || oldSize >= size ? [] : new MerkleTree(leaves[..(int)size]).ConsistencyProof(oldSize), Sign(size)).ToString();

    private string Sign(long size, byte[]? root = null) => log.SignNote(CheckpointText(size, root)).ToString();

    private string CheckpointText(long size, byte[]? root = null) =>
        new Checkpoint("stationhub.test/ledger", size, root ?? new MerkleTree(leaves[..(int)size]).RootHash, []).Text;
}
