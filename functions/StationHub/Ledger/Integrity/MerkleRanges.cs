namespace StationHub.Ledger.Integrity;

/// <summary>
/// RFC 9162 proofs described as leaf ranges, so that a tree kept in storage (where only the
/// hashes of perfect subtrees are stored) and a tree held in memory produce the same proofs.
/// </summary>
/// <remarks>
/// <para>
/// Every hash in an inclusion proof (<c>PATH</c>, §2.1.3.1) or a consistency proof
/// (<c>SUBPROOF</c>, §2.1.4.1) is <c>MTH(D[start:end])</c> of a range that the RFC's recursion
/// reaches. <see cref="InclusionRanges"/> and <see cref="ConsistencyRanges"/> follow the recursion
/// and return those ranges, leaf end first as the RFC orders the proof.
/// </para>
/// <para>
/// Each such range starts at a multiple of the largest power of two not above its length, so it
/// splits (<see cref="PerfectNodes"/>) into perfect subtrees of decreasing size, and its MTH is
/// their right fold: <c>H(0x01 || P1 || H(0x01 || P2 || … ))</c> (<see cref="Fold"/>). A perfect
/// subtree is named by its level (0 = a leaf hash) and its index on that level: node (l, i) covers
/// the leaves [i·2^l, (i+1)·2^l).
/// </para>
/// </remarks>
public static class MerkleRanges
{
    /// <summary>The ranges whose MTH make up <c>PATH(index, D[size])</c>, leaf end first.</summary>
    public static IReadOnlyList<(long Start, long End)> InclusionRanges(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var ranges = new List<(long, long)>();
        Path(index, 0, size, ranges);
        return ranges;
    }

    /// <summary>
    /// The ranges whose MTH make up <c>PROOF(m, D[n])</c> (RFC 9162 §2.1.4.1), leaf end first;
    /// empty when <paramref name="m"/> is 0 or equals <paramref name="n"/>.
    /// </summary>
    public static IReadOnlyList<(long Start, long End)> ConsistencyRanges(long m, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(m, n);
        var ranges = new List<(long, long)>();
        if (m > 0 && m < n)
        {
            SubProof(m, 0, n, true, ranges);
        }

        return ranges;
    }

    /// <summary>
    /// The perfect subtrees that make up the range [<paramref name="start"/>, <paramref name="end"/>),
    /// largest (leftmost) first. For [0, n) these are the tree's frontier: one per bit set in n.
    /// </summary>
    public static IReadOnlyList<(int Level, long Index)> PerfectNodes(long start, long end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        var nodes = new List<(int, long)>();
        while (start < end)
        {
            var level = 0;
            while (level < 62 && start % (2L << level) == 0 && start + (2L << level) <= end)
            {
                level++;
            }

            nodes.Add((level, start >> level));
            start += 1L << level;
        }

        return nodes;
    }

    /// <summary>MTH of the range, from the hashes of its <see cref="PerfectNodes"/> (largest first).</summary>
    public static byte[] Fold(IReadOnlyList<byte[]> perfectNodes)
    {
        ArgumentNullException.ThrowIfNull(perfectNodes);
        if (perfectNodes.Count == 0)
        {
            throw new ArgumentException("An empty range has no subtree hash.", nameof(perfectNodes));
        }

        var hash = perfectNodes[^1];
        for (var i = perfectNodes.Count - 2; i >= 0; i--)
        {
            hash = MerkleTree.NodeHash(perfectNodes[i], hash);
        }

        return hash;
    }

    /// <summary>Every perfect node the ranges need, without repeats.</summary>
    public static IReadOnlyList<(int Level, long Index)> NodesOf(IEnumerable<(long Start, long End)> ranges) =>
        [.. ranges.SelectMany(r => PerfectNodes(r.Start, r.End)).Distinct()];

    /// <summary>The proof hashes of <paramref name="ranges"/>, each folded from the nodes <paramref name="node"/> gives.</summary>
    public static IReadOnlyList<byte[]> Resolve(IEnumerable<(long Start, long End)> ranges, Func<int, long, byte[]> node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return [.. ranges.Select(r => Fold([.. PerfectNodes(r.Start, r.End).Select(p => node(p.Level, p.Index))]))];
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n ≥ 2).</summary>
    public static long Split(long n)
    {
        var k = 1L;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    // PATH(m, D[start:end]) of §2.1.3.1.
    private static void Path(long m, long start, long end, List<(long, long)> ranges)
    {
        var n = end - start;
        if (n <= 1)
        {
            return;
        }

        var k = Split(n);
        if (m < k)
        {
            Path(m, start, start + k, ranges);
            ranges.Add((start + k, end));
        }
        else
        {
            Path(m - k, start + k, end, ranges);
            ranges.Add((start, start + k));
        }
    }

    // SUBPROOF(m, D[start:end], b) of §2.1.4.1.
    private static void SubProof(long m, long start, long end, bool b, List<(long, long)> ranges)
    {
        var n = end - start;
        if (m == n)
        {
            if (!b)
            {
                ranges.Add((start, end));
            }

            return;
        }

        var k = Split(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, b, ranges);
            ranges.Add((start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, ranges);
            ranges.Add((start, start + k));
        }
    }
}
