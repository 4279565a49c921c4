using System.Security.Cryptography;

namespace StationHub.Ledger.Integrity;

/// <summary>A perfect subtree's hash: level 0 is a leaf hash; node (l, i) covers leaves [i·2^l, (i+1)·2^l).</summary>
public sealed record MerkleNode(int Level, long Index, byte[] Hash);

/// <summary>
/// Appending to an RFC 9162 tree that is not held in memory. A tree of size n is summed up by its
/// frontier: the hashes of the perfect subtrees of [0, n) (<see cref="MerkleRanges.PerfectNodes"/>),
/// one per bit set in n, largest first. Its root is their right fold; appending k leaves needs the
/// frontier and the k leaves alone, never the earlier leaves, and yields every perfect node the
/// new leaves complete (about 2k) and the new frontier.
/// </summary>
public static class MerkleFrontier
{
    /// <summary>MTH of the tree with this frontier (SHA-256 of nothing for the empty tree).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> frontier)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        return frontier.Count == 0 ? SHA256.HashData([]) : MerkleRanges.Fold(frontier);
    }

    /// <summary>Appends leaves (their data, not yet hashed) to the tree of <paramref name="size"/> leaves with <paramref name="frontier"/>.</summary>
    /// <returns>The new frontier, and every perfect node the new leaves complete, leaves first.</returns>
    public static (IReadOnlyList<byte[]> Frontier, IReadOnlyList<MerkleNode> Nodes) Append(long size, IReadOnlyList<byte[]> frontier, IEnumerable<byte[]> leaves)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        ArgumentNullException.ThrowIfNull(leaves);
        var shape = MerkleRanges.PerfectNodes(0, size);
        if (shape.Count != frontier.Count || frontier.Any(h => h is not { Length: MerkleTree.HashSize }))
        {
            throw new ArgumentException("The frontier does not fit the tree's size.", nameof(frontier));
        }

        var stack = new List<MerkleNode>(shape.Select((p, i) => new MerkleNode(p.Level, p.Index, frontier[i])));
        var nodes = new List<MerkleNode>();
        foreach (var leaf in leaves)
        {
            var node = new MerkleNode(0, size++, MerkleTree.LeafHash(leaf));
            nodes.Add(node);
            while (stack.Count > 0 && stack[^1].Level == node.Level)
            {
                var left = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                node = new MerkleNode(node.Level + 1, left.Index >> 1, MerkleTree.NodeHash(left.Hash, node.Hash));
                nodes.Add(node);
            }

            stack.Add(node);
        }

        return ([.. stack.Select(n => n.Hash)], nodes);
    }

    /// <summary>The frontier as one base64 string (32 bytes per hash).</summary>
    public static string Encode(IReadOnlyList<byte[]> frontier) => Convert.ToBase64String([.. frontier.SelectMany(h => h)]);

    /// <summary>Reads a frontier written by <see cref="Encode"/>.</summary>
    public static IReadOnlyList<byte[]> Decode(string encoded)
    {
        var bytes = Convert.FromBase64String(encoded);
        if (bytes.Length % MerkleTree.HashSize != 0)
        {
            throw new FormatException("A frontier is a whole number of 32-byte hashes.");
        }

        return [.. bytes.Chunk(MerkleTree.HashSize)];
    }
}
