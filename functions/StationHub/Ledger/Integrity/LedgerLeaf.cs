using System.Text.Json.Nodes;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// How a day's aggregated figures become the leaves of its <see cref="MerkleTree"/> (RFC 9162),
/// so that one figure can be proven to belong to a published day without the rest.
/// </summary>
/// <remarks>
/// <para>
/// A leaf is the RFC 8785 canonical JSON (<see cref="CanonicalJson"/>) of the object
/// <c>{"kind": …, "scope": …, "value": …}</c> for one figure, for example
/// <c>{"kind":"pickup.collected","scope":"station~st-hz-01","value":37}</c> (members in JCS
/// order: kind, scope, value).
/// </para>
/// <para>
/// Order: the leaves are sorted ascending by their bytes, compared as unsigned bytes one by one,
/// a leaf that is a prefix of another coming first (ordinal byte order). So the order depends on
/// nothing but the leaves themselves, never on the order the figures were summed in, and anyone
/// holding the leaves can rebuild it. As every leaf starts with <c>{"kind":"</c>, leaves of
/// ordinary names run by kind, then scope, then value as text.
/// </para>
/// <para>
/// A day has one figure per scope and kind: a second figure for the same pair is refused.
/// Values are integers a double holds exactly (at most 2^53 − 1 in magnitude), as JCS writes
/// every number as an IEEE-754 double (RFC 8785 Appendix B, note 1).
/// </para>
/// </remarks>
public static class LedgerLeaf
{
    /// <summary>The largest magnitude of a value: 2^53 − 1, up to which every integer is exactly a double.</summary>
    public const long MaxValue = (1L << 53) - 1;

    /// <summary>The leaf of one figure: the canonical JSON of <c>{kind, scope, value}</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is beyond ±<see cref="MaxValue"/>.</exception>
    /// <exception cref="CanonicalJsonException">The scope or kind is not Unicode text.</exception>
    public static byte[] Leaf(string scope, string kind, long value)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(value, -MaxValue);
        return CanonicalJson.Canonicalize(new JsonObject
        {
            ["scope"] = scope,
            ["kind"] = kind,
            ["value"] = value,
        });
    }

    /// <summary>
    /// The leaves of a day's figures, one per figure, in ordinal byte order of the leaves (see
    /// the remarks of <see cref="LedgerLeaf"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Two figures have the same scope and kind.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is beyond ±<see cref="MaxValue"/>.</exception>
    public static IReadOnlyList<byte[]> Leaves(IEnumerable<(string Scope, string Kind, long Value)> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var seen = new HashSet<(string Scope, string Kind)>();
        var leaves = new List<byte[]>();
        foreach (var (scope, kind, value) in figures)
        {
            if (!seen.Add((scope, kind)))
            {
                throw new ArgumentException("Two figures for kind \"" + kind + "\" in scope \"" + scope + "\".", nameof(figures));
            }

            leaves.Add(Leaf(scope, kind, value));
        }

        leaves.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        return leaves;
    }
}
