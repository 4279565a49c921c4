using System.Security.Cryptography;
using System.Text.Json;
using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>
/// RFC 9162 §2.1.4 consistency proofs over the Certificate Transparency reference tree
/// (rfc6962-merkle-vectors.json) and over random trees, against the RFC's recursive definition.
/// </summary>
public sealed class ConsistencyProofTests
{
    private static readonly byte[] SomeHash = Convert.FromHexString("abacaba000000000000000000000000000000000000000000060061e00123456");

    // The consistency vectors of transparency-dev/merkle proof/verify_test.go (consistencyProofs),
    // over the same eight-leaf CT tree as the inclusion vectors.
    public static TheoryData<int, int, string[]> ReferenceProofs() => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
    };

    [Theory]
    [MemberData(nameof(ReferenceProofs))]
    public void The_reference_consistency_proofs_are_generated_and_verify(int oldSize, int newSize, string[] expected)
    {
        var leaves = ReferenceLeaves();
        var proof = new MerkleTree(leaves[..newSize]).ConsistencyProof(oldSize);

        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize, proof, Root(oldSize), Root(newSize)));
    }

    [Theory]
    [MemberData(nameof(ReferenceProofs))]
    public void Every_corruption_of_a_reference_proof_fails(int oldSize, int newSize, string[] hex)
    {
        var proof = hex.Select(Convert.FromHexString).ToArray();
        var oldRoot = Root(oldSize);
        var newRoot = Root(newSize);
        if (oldSize == newSize)
        {
            Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof, oldRoot, SomeHash));
            Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [SomeHash], oldRoot, newRoot));
            return;
        }

        // The probes of transparency-dev/merkle verify_test.go (verifierConsistencyCheck).
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof, newRoot, oldRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof, oldRoot, SomeHash));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof, SomeHash, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof, SHA256.HashData([]), newRoot));
        Assert.False(MerkleTree.VerifyConsistency(newSize, oldSize, proof, newRoot, oldRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize - 1, newSize, proof, oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize + 1, newSize, proof, oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize ^ 2, newSize, proof, oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize * 2, proof, oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize / 2, proof, oldRoot, newRoot));

        // (A new size one off can verify: the proof binds the new root, and a root of the wrong
        // size then fails every inclusion proof. verify_test.go probes only size2 * 2 and / 2.)
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof[..^1], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, proof[1..], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [.. proof, SomeHash], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [.. proof, newRoot], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [SomeHash, .. proof], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [.. proof, []], oldRoot, newRoot));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, [.. proof[..^1], null!], oldRoot, newRoot));
        for (var i = 0; i < proof.Length; i++)
        {
            for (var bit = 0; bit < 8; bit += 3)
            {
                var flipped = proof.Select(p => (byte[])p.Clone()).ToArray();
                flipped[i][i % 32] ^= (byte)(1 << bit);
                Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, flipped, oldRoot, newRoot), $"bit {bit} of hash {i}");
            }
        }
    }

    [Fact]
    public void Trivial_sizes_need_an_empty_proof()
    {
        var root = Root(5);

        Assert.Empty(new MerkleTree(ReferenceLeaves()[..5]).ConsistencyProof(0));
        Assert.Empty(new MerkleTree(ReferenceLeaves()[..5]).ConsistencyProof(5));
        Assert.True(MerkleTree.VerifyConsistency(0, 5, [], SHA256.HashData([]), root));
        Assert.True(MerkleTree.VerifyConsistency(5, 5, [], root, root));
        Assert.False(MerkleTree.VerifyConsistency(0, 5, [root], SHA256.HashData([]), root));
        Assert.False(MerkleTree.VerifyConsistency(5, 5, [], root, Root(4)));
        Assert.False(MerkleTree.VerifyConsistency(-1, 5, [], root, root));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MerkleTree(ReferenceLeaves()[..5]).ConsistencyProof(6));
    }

    [Fact]
    public void Random_trees_prove_every_pair_of_sizes_as_the_rfc_defines_it_and_refuse_tampering()
    {
        var random = new Random(9162);
        for (var n = 1; n <= 70; n++)
        {
            var leaves = RandomLeaves(random, n);
            var tree = new MerkleTree(leaves);
            for (var m = 1; m < n; m++)
            {
                var oldRoot = new MerkleTree(leaves[..m]).RootHash;
                var proof = tree.ConsistencyProof(m);
                Assert.Equal(DefinitionProof(m, leaves), proof);
                Assert.True(MerkleTree.VerifyConsistency(m, n, proof, oldRoot, tree.RootHash), $"{m} -> {n}");

                var flipped = proof.Select(p => (byte[])p.Clone()).ToArray();
                flipped[random.Next(flipped.Length)][random.Next(32)] ^= (byte)(1 << random.Next(8));
                Assert.False(MerkleTree.VerifyConsistency(m, n, flipped, oldRoot, tree.RootHash), $"flipped {m} -> {n}");
                Assert.False(MerkleTree.VerifyConsistency(m, n, proof, tree.RootHash, oldRoot), $"swapped {m} -> {n}");
                if (m > 1)
                {
                    Assert.False(MerkleTree.VerifyConsistency(m - 1, n, proof, oldRoot, tree.RootHash), $"size {m - 1} -> {n}");
                }
            }
        }
    }

    [Fact]
    public void The_ranges_of_a_proof_fold_from_perfect_subtrees_to_the_same_hashes()
    {
        var random = new Random(62);
        var leaves = RandomLeaves(random, 300);
        var tree = new MerkleTree(leaves);
        foreach (var (m, n) in new[] { (1, 300), (17, 300), (128, 300), (255, 256), (299, 300), (100, 257) })
        {
            var expected = new MerkleTree(leaves[..n]).ConsistencyProof(m);
            var proof = MerkleRanges.Resolve(MerkleRanges.ConsistencyRanges(m, n), tree.Node);
            Assert.Equal(expected, proof);
        }

        for (var n = 1; n <= 300; n += 37)
        {
            var frontier = MerkleRanges.PerfectNodes(0, n);
            Assert.Equal(System.Numerics.BitOperations.PopCount((ulong)n), frontier.Count);
            Assert.Equal(new MerkleTree(leaves[..n]).RootHash, MerkleRanges.Fold([.. frontier.Select(p => tree.Node(p.Level, p.Index))]));
        }
    }

    // PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, written from its definition.
    private static List<byte[]> DefinitionProof(int m, byte[][] leaves) => SubProof(m, leaves, true);

    private static List<byte[]> SubProof(int m, byte[][] leaves, bool b)
    {
        var n = leaves.Length;
        if (m == n)
        {
            return b ? [] : [new MerkleTree(leaves).RootHash];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        if (m <= k)
        {
            var proof = SubProof(m, leaves[..k], b);
            proof.Add(new MerkleTree(leaves[k..]).RootHash);
            return proof;
        }
        else
        {
            var proof = SubProof(m - k, leaves[k..], false);
            proof.Add(new MerkleTree(leaves[..k]).RootHash);
            return proof;
        }
    }

    private static byte[][] RandomLeaves(Random random, int count)
    {
        var leaves = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            leaves[i] = new byte[random.Next(4, 41)];
            random.NextBytes(leaves[i]);
            BitConverter.TryWriteBytes(leaves[i], i);
        }

        return leaves;
    }

    private static byte[] Root(int size) => Convert.FromHexString(Vectors().GetProperty("roots")[size - 1].GetString()!);

    private static byte[][] ReferenceLeaves() => Vectors().GetProperty("leaves").EnumerateArray().Select(l => Convert.FromHexString(l.GetString()!)).ToArray();

    private static JsonElement Vectors()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("rfc6962-merkle-vectors.json")));
        return document.RootElement.Clone();
    }
}
