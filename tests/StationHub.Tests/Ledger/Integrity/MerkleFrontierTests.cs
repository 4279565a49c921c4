using StationHub.Ledger.Integrity;

namespace StationHub.Tests.Ledger.Integrity;

/// <summary>Appending to a tree from its frontier alone, in batches of any size, against the tree built at once.</summary>
public sealed class MerkleFrontierTests
{
    [Fact]
    public void Appending_in_random_batches_gives_every_root_and_every_perfect_node_of_the_whole_tree()
    {
        var random = new Random(15);
        var leaves = Enumerable.Range(0, 700).Select(i => BitConverter.GetBytes(i * 31337)).ToArray();
        var whole = new MerkleTree(leaves);
        var frontier = (IReadOnlyList<byte[]>)[];
        var nodes = new Dictionary<(int, long), byte[]>();
        long size = 0;
        while (size < leaves.Length)
        {
            var count = Math.Min(random.Next(0, 60), leaves.Length - (int)size);
            var (after, added) = MerkleFrontier.Append(size, frontier, leaves[(int)size..((int)size + count)]);
            foreach (var node in added)
            {
                Assert.True(nodes.TryAdd((node.Level, node.Index), node.Hash), $"node {node.Level}/{node.Index} made twice");
            }

            size += count;
            frontier = after;
            Assert.Equal(new MerkleTree(leaves[..(int)size]).RootHash, MerkleFrontier.Root(frontier));
            Assert.Equal(frontier.Count, MerkleRanges.PerfectNodes(0, size).Count);
        }

        // Every perfect subtree of the 700-leaf tree was made exactly once, with the right hash.
        var expected = 0;
        for (var level = 0; (1 << level) <= leaves.Length; level++)
        {
            for (long index = 0; (index + 1) << level <= leaves.Length; index++)
            {
                Assert.Equal(whole.Node(level, index), nodes[(level, index)]);
                expected++;
            }
        }

        Assert.Equal(expected, nodes.Count);
    }

    [Fact]
    public void A_frontier_round_trips_and_one_of_the_wrong_shape_is_refused()
    {
        var (frontier, _) = MerkleFrontier.Append(0, [], [.. Enumerable.Range(0, 13).Select(i => new[] { (byte)i })]);

        Assert.Equal(3, frontier.Count);
        Assert.Equal(frontier, MerkleFrontier.Decode(MerkleFrontier.Encode(frontier)));
        Assert.Throws<ArgumentException>(() => MerkleFrontier.Append(12, frontier, []));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([]), MerkleFrontier.Root([]));
    }
}
