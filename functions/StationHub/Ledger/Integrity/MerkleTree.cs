using System.Security.Cryptography;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// The Merkle Tree Hash of RFC 9162 §2.1.1 (the same as RFC 6962 §2.1, Certificate Transparency)
/// with SHA-256, its inclusion proofs (RFC 9162 §2.1.3.1, <c>PATH</c>) and their verification
/// (RFC 9162 §2.1.3.2), and its consistency proofs (§2.1.4.1, <c>PROOF</c>) and their verification
/// (§2.1.4.2).
/// </summary>
/// <remarks>
/// <para>
/// MTH({}) = SHA-256(""); MTH({d0}) = SHA-256(0x00 || d0); for n &gt; 1, with k the largest power
/// of two smaller than n, MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])). The 0x00 and
/// 0x01 prefixes keep a leaf from ever passing for an inner node.
/// </para>
/// <para>
/// A tree is built once in O(n) and keeps every level, so <see cref="InclusionProof(int)"/> reads
/// its O(log n) hashes without hashing anything. Levels are built bottom-up: pairs are hashed,
/// and the last node of a level with an odd count moves up unchanged, which yields exactly the
/// tree of the recursive definition above.
/// </para>
/// </remarks>
public sealed class MerkleTree
{
    /// <summary>The size in bytes of every hash in the tree (SHA-256).</summary>
    public const int HashSize = 32;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    // levels[0] are the leaf hashes; each next level is half (rounded up) of the one below;
    // the last level holds the root alone. Empty for the empty tree.
    private readonly byte[][][] levels;
    private readonly byte[] root;

    /// <summary>Builds the tree of <paramref name="leaves"/>, in their order.</summary>
    public MerkleTree(IReadOnlyList<byte[]> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        Size = leaves.Count;
        if (Size == 0)
        {
            levels = [];
            root = SHA256.HashData(ReadOnlySpan<byte>.Empty);
            return;
        }

        var built = new List<byte[][]>();
        var level = new byte[Size][];
        var input = new byte[256];
        for (var i = 0; i < Size; i++)
        {
            var leaf = leaves[i] ?? throw new ArgumentException("Leaf " + i + " is null.", nameof(leaves));
            if (input.Length < leaf.Length + 1)
            {
                input = new byte[leaf.Length + 1];
            }

            input[0] = LeafPrefix;
            leaf.CopyTo(input, 1);
            level[i] = SHA256.HashData(input.AsSpan(0, leaf.Length + 1));
        }

        built.Add(level);
        while (level.Length > 1)
        {
            var above = new byte[(level.Length + 1) / 2][];
            for (var i = 0; i + 1 < level.Length; i += 2)
            {
                above[i / 2] = NodeHash(level[i], level[i + 1]);
            }

            if (level.Length % 2 == 1)
            {
                above[^1] = level[^1];
            }

            built.Add(above);
            level = above;
        }

        levels = [.. built];
        root = level[0];
    }

    /// <summary>The number of leaves.</summary>
    public int Size { get; }

    /// <summary>MTH of the leaves (a copy).</summary>
    public byte[] RootHash => (byte[])root.Clone();

    /// <summary>MTH (RFC 9162 §2.1.1) of <paramref name="leaves"/>.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves) => new MerkleTree(leaves).root;

    /// <summary>
    /// The inclusion proof <c>PATH(index, leaves)</c> of RFC 9162 §2.1.3.1: the sibling hashes
    /// from the leaf up to the root. Builds the tree; to prove many leaves, build a
    /// <see cref="MerkleTree"/> once and call <see cref="InclusionProof(int)"/>.
    /// </summary>
    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leaves, int index) =>
        new MerkleTree(leaves).InclusionProof(index);

    /// <summary>The inclusion proof <c>PATH(index, D[n])</c> of RFC 9162 §2.1.3.1, leaf end first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a leaf of the tree.</exception>
    public IReadOnlyList<byte[]> InclusionProof(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        var proof = new List<byte[]>();
        var node = index;
        for (var depth = 0; depth < levels.Length - 1; depth++)
        {
            var sibling = node ^ 1;
            if (sibling < levels[depth].Length)
            {
                proof.Add((byte[])levels[depth][sibling].Clone());
            }

            node >>= 1;
        }

        return proof;
    }

    /// <summary>
    /// The hash of the perfect subtree at <paramref name="level"/> (0 = leaf hashes) and
    /// <paramref name="index"/>, covering the leaves [index·2^level, (index+1)·2^level) (a copy).
    /// </summary>
    public byte[] Node(int level, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (level >= levels.Length || ((index + 1) << level) > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "No perfect subtree of the tree is there.");
        }

        return (byte[])levels[level][index].Clone();
    }

    /// <summary>
    /// The consistency proof <c>PROOF(m, D[n])</c> of RFC 9162 §2.1.4.1 between the first
    /// <paramref name="oldSize"/> leaves and the whole tree; empty when
    /// <paramref name="oldSize"/> is 0 or the tree's size.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="oldSize"/> is negative or beyond the tree.</exception>
    public IReadOnlyList<byte[]> ConsistencyProof(long oldSize) =>
        MerkleRanges.Resolve(MerkleRanges.ConsistencyRanges(oldSize, Size), Node);

    /// <summary>
    /// Verifies that the tree of <paramref name="newSize"/> leaves with root
    /// <paramref name="newRoot"/> extends the tree of <paramref name="oldSize"/> leaves with root
    /// <paramref name="oldRoot"/>, by the algorithm of RFC 9162 §2.1.4.2. Equal sizes need an empty
    /// proof and equal roots; an old size of 0 needs an empty proof (every tree extends the empty
    /// one). Malformed input (sizes out of order, hashes that are not 32 bytes, a proof too short or
    /// too long) verifies as <see langword="false"/>.
    /// </summary>
    public static bool VerifyConsistency(long oldSize, long newSize, IReadOnlyList<byte[]> proof, byte[] oldRoot, byte[] newRoot)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(oldRoot);
        ArgumentNullException.ThrowIfNull(newRoot);
        if (oldSize < 0 || newSize < oldSize || oldRoot.Length != HashSize || newRoot.Length != HashSize)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }

        if (oldSize == 0)
        {
            return proof.Count == 0;
        }

        // 1. An empty proof fails.
        if (proof.Count == 0 || proof.Any(p => p is null || p.Length != HashSize))
        {
            return false;
        }

        // 2. When the old tree is perfect, its root is the first node of the path.
        var path = (oldSize & (oldSize - 1)) == 0 ? [oldRoot, .. proof] : proof.ToList();

        // 3., 4. fn and sn, shifted right past the trailing ones of fn.
        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // 5.
        var fr = path[0];
        var sr = path[0];

        // 6.
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // 7.
        return sn == 0
            && CryptographicOperations.FixedTimeEquals(fr, oldRoot)
            && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }

    /// <summary>
    /// Verifies that <paramref name="leafData"/> is leaf <paramref name="index"/> of the tree of
    /// <paramref name="treeSize"/> leaves whose MTH is <paramref name="root"/>, by the algorithm
    /// of RFC 9162 §2.1.3.2. Any malformed input (index outside the tree, a proof hash that is not
    /// 32 bytes, a proof too short or too long) verifies as <see langword="false"/>.
    /// </summary>
    public static bool VerifyInclusion(byte[] leafData, int index, int treeSize, IReadOnlyList<byte[]> proof, byte[] root)
    {
        ArgumentNullException.ThrowIfNull(leafData);
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(root);
        if (index < 0 || index >= treeSize || root.Length != HashSize)
        {
            return false;
        }

        // 2. fn = leaf_index, sn = tree_size - 1; 3. r = the leaf hash.
        long fn = index;
        long sn = treeSize - 1L;
        var r = LeafHash(leafData);
        foreach (var p in proof)
        {
            // 4a. A proof longer than the path fails.
            if (sn == 0 || p is null || p.Length != HashSize)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                // 4b. p is the left sibling. When fn is the last node of its level and has no
                // sibling, it moves up unchanged until it is a right child (or the left edge).
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            // 4c.
            fn >>= 1;
            sn >>= 1;
        }

        // 5. The proof must have reached the top, and at the root given.
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>The leaf hash SHA-256(0x00 || <paramref name="leafData"/>).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> leafData)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([LeafPrefix]);
        hash.AppendData(leafData);
        return hash.GetHashAndReset();
    }

    /// <summary>The inner node hash SHA-256(0x01 || <paramref name="left"/> || <paramref name="right"/>).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != HashSize || right.Length != HashSize)
        {
            throw new ArgumentException("Inner nodes join two 32-byte hashes.");
        }

        Span<byte> input = stackalloc byte[1 + (2 * HashSize)];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }
}
