using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using StationHub.Ledger.Integrity;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>
/// RFC 6962 / RFC 9162 Merkle trees against the Certificate Transparency reference tree
/// (rfc6962-merkle-vectors.json) and, for random trees, against the RFC's recursive definition.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[] SomeHash = Convert.FromHexString("abacaba000000000000000000000000000000000000000000060061e00123456");

    public static TheoryData<int> TreeSizes()
    {
        var data = new TheoryData<int>();
        for (var size = 0; size <= 8; size++)
        {
            data.Add(size);
        }

        return data;
    }

    public static TheoryData<int, int> ReferenceProofs()
    {
        var data = new TheoryData<int, int>();
        foreach (var proof in Vectors().GetProperty("inclusionProofs").EnumerateArray())
        {
            data.Add(proof.GetProperty("index").GetInt32(), proof.GetProperty("size").GetInt32());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TreeSizes))]
    public void The_root_of_the_reference_tree_matches_for_every_size(int size)
    {
        var expected = size == 0 ? Hex(Vectors().GetProperty("emptyRoot")) : Hex(Vectors().GetProperty("roots")[size - 1]);

        var root = MerkleTree.Root(ReferenceLeaves().Take(size).ToArray());

        Assert.Equal(expected, root);
        Assert.Equal(expected, new MerkleTree(ReferenceLeaves().Take(size).ToArray()).RootHash);
    }

    [Fact]
    public void Leaf_and_node_hashes_match_the_reference_subtrees()
    {
        var nodes = Vectors().GetProperty("nodeHashes");
        var leaves = ReferenceLeaves();

        for (var i = 0; i < leaves.Length; i++)
        {
            Assert.Equal(Hex(nodes[0][i]), MerkleTree.LeafHash(leaves[i]));
        }

        for (var level = 1; level < nodes.GetArrayLength(); level++)
        {
            for (var i = 0; i < nodes[level].GetArrayLength(); i++)
            {
                Assert.Equal(Hex(nodes[level][i]), MerkleTree.NodeHash(Hex(nodes[level - 1][2 * i]), Hex(nodes[level - 1][(2 * i) + 1])));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceProofs))]
    public void The_inclusion_proofs_of_the_reference_tree_match(int index, int size)
    {
        var leaves = ReferenceLeaves().Take(size).ToArray();

        Assert.Equal(ReferenceProof(index, size), MerkleTree.InclusionProof(leaves, index));
        Assert.Equal(ReferenceProof(index, size), new MerkleTree(leaves).InclusionProof(index));
    }

    [Theory]
    [MemberData(nameof(ReferenceProofs))]
    public void A_reference_proof_verifies_and_every_corruption_of_it_fails(int index, int size)
    {
        var leaf = ReferenceLeaves()[index];
        var proof = ReferenceProof(index, size);
        var root = Hex(Vectors().GetProperty("roots")[size - 1]);

        Assert.True(MerkleTree.VerifyInclusion(leaf, index, size, proof, root));

        // The probes of the CT verifier tests (merkle_tree_test.cc VerifierCheck, verify_test.go).
        Assert.False(MerkleTree.VerifyInclusion(leaf, index - 1, size, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index + 1, size, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index ^ 2, size, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size * 2, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size / 2, proof, root));
        Assert.False(MerkleTree.VerifyInclusion("WrongLeaf"u8.ToArray(), index, size, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, proof, Hex(Vectors().GetProperty("emptyRoot"))));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, proof, SomeHash));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, [.. proof, []], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, [.. proof, root], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, [[], .. proof], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, [root, .. proof], root));
        for (var i = 0; i < proof.Length; i++)
        {
            var flipped = proof.Select(p => (byte[])p.Clone()).ToArray();
            flipped[i][0] ^= 8;
            Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, flipped, root));
        }

        if (proof.Length > 0)
        {
            Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, proof[..^1], root));
        }

        if (proof.Length > 1)
        {
            Assert.False(MerkleTree.VerifyInclusion(leaf, index, size, [proof[0], SomeHash, .. proof[1..]], root));
        }
    }

    [Fact]
    public void Every_leaf_of_every_reference_tree_size_verifies_against_the_reference_root()
    {
        var leaves = ReferenceLeaves();
        for (var size = 1; size <= leaves.Length; size++)
        {
            var tree = new MerkleTree(leaves[..size]);
            var root = Hex(Vectors().GetProperty("roots")[size - 1]);
            for (var index = 0; index < size; index++)
            {
                Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, size, tree.InclusionProof(index), root));
            }
        }
    }

    [Fact]
    public void Random_trees_of_1_to_300_leaves_prove_every_leaf_and_refuse_every_tampering()
    {
        var random = new Random(20261122);
        for (var size = 1; size <= 300; size++)
        {
            var leaves = RandomLeaves(random, size);
            var tree = new MerkleTree(leaves);
            var root = tree.RootHash;
            Assert.Equal(DefinitionRoot(leaves), root);

            for (var index = 0; index < size; index++)
            {
                var proof = tree.InclusionProof(index);
                Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, size, proof, root), $"leaf {index} of {size}");

                var changed = (byte[])leaves[index].Clone();
                changed[random.Next(changed.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(MerkleTree.VerifyInclusion(changed, index, size, proof, root), $"changed leaf {index} of {size}");
                Assert.False(MerkleTree.VerifyInclusion(leaves[index], (index + 1) % size == index ? size : (index + 1) % size, size, proof, root), $"wrong index for {index} of {size}");
                var wrongRoot = (byte[])root.Clone();
                wrongRoot[random.Next(wrongRoot.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, size, proof, wrongRoot), $"wrong root for {index} of {size}");
            }
        }
    }

    [Fact]
    public void Proofs_of_random_trees_are_the_path_of_the_rfc_definition()
    {
        var random = new Random(6962);
        for (var size = 1; size <= 70; size++)
        {
            var leaves = RandomLeaves(random, size);
            var tree = new MerkleTree(leaves);
            for (var index = 0; index < size; index++)
            {
                Assert.Equal(DefinitionPath(index, leaves), tree.InclusionProof(index));
            }
        }
    }

    [Fact]
    public void A_tree_of_100000_leaves_is_built_in_well_under_a_second()
    {
        var leaves = Enumerable.Range(0, 100_000).Select(i => BitConverter.GetBytes(i)).ToArray();

        var clock = Stopwatch.StartNew();
        var tree = new MerkleTree(leaves);
        var built = clock.Elapsed;

        Assert.Equal(DefinitionRoot(leaves), tree.RootHash);
        foreach (var index in new[] { 0, 1, 65_535, 65_536, 99_998, 99_999 })
        {
            var proof = tree.InclusionProof(index);
            Assert.InRange(proof.Count, 1, 17);
            Assert.Equal(DefinitionPath(index, leaves), proof);
            Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, leaves.Length, proof, tree.RootHash));
        }

        // Generous for a busy test machine; a quadratic build would take minutes.
        Assert.True(built < TimeSpan.FromSeconds(2), $"built in {built.TotalMilliseconds} ms");
    }

    [Fact]
    public void The_empty_tree_has_the_hash_of_nothing_and_no_leaf_to_prove()
    {
        var empty = new MerkleTree([]);

        Assert.Equal(SHA256.HashData([]), empty.RootHash);
        Assert.Equal(0, empty.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => empty.InclusionProof(0));
        Assert.False(MerkleTree.VerifyInclusion([], 0, 0, [], SHA256.HashData([])));
    }

    [Fact]
    public void A_one_leaf_tree_proves_its_leaf_with_an_empty_path()
    {
        var leaf = "data"u8.ToArray();
        var tree = new MerkleTree([leaf]);

        Assert.Empty(tree.InclusionProof(0));
        Assert.Equal(MerkleTree.LeafHash(leaf), tree.RootHash);
        Assert.True(MerkleTree.VerifyInclusion(leaf, 0, 1, [], tree.RootHash));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 0, 1, [], []));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 1, 1, [], tree.RootHash));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 0, 2, [], tree.RootHash));
    }

    [Fact]
    public void Indexes_outside_the_tree_are_refused()
    {
        var leaves = ReferenceLeaves();
        var tree = new MerkleTree(leaves);

        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(8));
        Assert.False(MerkleTree.VerifyInclusion(leaves[0], -1, 8, tree.InclusionProof(0), tree.RootHash));
        Assert.False(MerkleTree.VerifyInclusion(leaves[0], 8, 8, tree.InclusionProof(0), tree.RootHash));
    }

    [Fact]
    public void A_proof_with_a_missing_hash_fails_instead_of_throwing()
    {
        var leaves = ReferenceLeaves();
        var tree = new MerkleTree(leaves);
        var proof = tree.InclusionProof(3).ToArray();
        proof[1] = null!;

        Assert.False(MerkleTree.VerifyInclusion(leaves[3], 3, 8, proof, tree.RootHash));
    }

    [Fact]
    public void The_tree_hands_out_copies_of_its_hashes()
    {
        var tree = new MerkleTree(ReferenceLeaves());
        var root = tree.RootHash;

        tree.RootHash[0] ^= 1;
        tree.InclusionProof(0)[0][0] ^= 1;

        Assert.Equal(root, tree.RootHash);
        Assert.True(MerkleTree.VerifyInclusion(ReferenceLeaves()[0], 0, 8, tree.InclusionProof(0), root));
    }

    // MTH of RFC 9162 §2.1.1, written straight from its recursive definition.
    private static byte[] DefinitionRoot(ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length == 0)
        {
            return SHA256.HashData([]);
        }

        if (leaves.Length == 1)
        {
            return SHA256.HashData([0x00, .. leaves[0]]);
        }

        var k = LargestPowerOfTwoBelow(leaves.Length);
        return SHA256.HashData([0x01, .. DefinitionRoot(leaves[..k]), .. DefinitionRoot(leaves[k..])]);
    }

    // PATH(m, D[n]) of RFC 9162 §2.1.3.1, written straight from its recursive definition.
    private static List<byte[]> DefinitionPath(int m, ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length <= 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(leaves.Length);
        if (m < k)
        {
            var path = DefinitionPath(m, leaves[..k]);
            path.Add(DefinitionRoot(leaves[k..]));
            return path;
        }
        else
        {
            var path = DefinitionPath(m - k, leaves[k..]);
            path.Add(DefinitionRoot(leaves[..k]));
            return path;
        }
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    // Distinct leaves (each starts with its index): two equal leaves side by side could rightly
    // prove each other's position.
    private static byte[][] RandomLeaves(Random random, int count)
    {
        var leaves = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            leaves[i] = new byte[random.Next(4, 41)];
            random.NextBytes(leaves[i]);
            BinaryPrimitives.WriteInt32LittleEndian(leaves[i], i);
        }

        return leaves;
    }

    private static byte[][] ReferenceProof(int index, int size)
    {
        var vector = Vectors().GetProperty("inclusionProofs").EnumerateArray()
            .Single(p => p.GetProperty("index").GetInt32() == index && p.GetProperty("size").GetInt32() == size);
        return vector.GetProperty("proof").EnumerateArray().Select(Hex).ToArray();
    }

    private static byte[][] ReferenceLeaves() => Vectors().GetProperty("leaves").EnumerateArray().Select(Hex).ToArray();

    private static byte[] Hex(JsonElement value) => Convert.FromHexString(value.GetString()!);

    private static JsonElement Vectors()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("rfc6962-merkle-vectors.json")));
        return document.RootElement.Clone();
    }
}
