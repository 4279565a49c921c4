using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger.Integrity;
using StationHub.Triggers;

namespace StationHub.Ledger;

/// <summary>
/// A day of the public ledger, built from that day's entries: per scope (each district, each
/// station, the hub) and in total, every figure an integer (counts, fen, points, minutes, basis
/// points), so its canonical JSON and hash are exact. No personal data: only counts and sums.
/// </summary>
public static class LedgerDay
{
    public const string TotalScope = "total";
    public const string OutstandingPoints = "points.outstanding";
    /// <summary>A share whose sample is smaller than this (reports, matches) is shown as too few to judge.</summary>
    public const int MinimumSample = 10;

    /// <summary>What a flow's ledger section says it sums (money, points, minutes); every other kind counts its entries.</summary>
    public static bool IsSum(string kind) => Sections.Any(section => section.IsSum(kind));

    /// <summary>The flows' parts of the ledger (<see cref="FlowModule.LedgerSection"/>).</summary>
    public static IEnumerable<LedgerSection> Sections => HubFlows.All.Select(flow => flow.LedgerSection).OfType<LedgerSection>();

    /// <summary>The figures of each scope and the totals.</summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> Figures(IEnumerable<LedgerEntryEntity> entries, long outstandingBefore)
    {
        var list = entries.ToList();
        var scopes = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var group in list.GroupBy(e => e.Scope))
        {
            scopes[group.Key] = Summarise(group.Key, group);
        }

        // A body's view repeats facts its districts count already.
        var totals = Summarise(TotalScope, list.Where(e => !LedgerScopes.IsView(e.Scope)));
        totals[OutstandingPoints] = outstandingBefore + PointsMovement(list.Select(e => (e.Kind, e.Amount)));
        scopes[TotalScope] = totals;
        return scopes;
    }

    /// <summary>The member of a sealed day that carries corrections to earlier days (absent when there are none).</summary>
    public const string CorrectionsMember = "corrections";

    /// <summary>
    /// The day's summary, without its hash: what <see cref="DayHash"/> hashes. <paramref name="corrections"/>
    /// (original date → scope → kind → change) are late entries of earlier, sealed days carried into
    /// this one; they are published apart from the day's own figures and are leaves of its Merkle tree.
    /// </summary>
    public static JsonObject Summary(
        DateOnly date,
        string timeZone,
        string prevHash,
        bool sealedDay,
        SortedDictionary<string, SortedDictionary<string, long>> figures,
        SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, long>>>? corrections = null)
    {
        corrections ??= new(StringComparer.Ordinal);
        var leaves = LedgerLeaf.Leaves(Flatten(figures).Concat(corrections.SelectMany(c => Flatten(c.Value).Select(f => (CorrectionScope(c.Key, f.Scope), f.Kind, f.Value)))));
        var summary = new JsonObject
        {
            ["date"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["timeZone"] = timeZone,
            ["sealed"] = sealedDay,
            ["prevHash"] = prevHash,
            ["figures"] = ToJson(figures),
        };
        if (corrections.Count > 0)
        {
            var byDate = new JsonObject();
            foreach (var (original, scopes) in corrections)
            {
                byDate[original] = ToJson(scopes);
            }

            summary[CorrectionsMember] = byDate;
        }

        summary["leafCount"] = leaves.Count;
        summary["merkleRoot"] = Convert.ToHexStringLower(MerkleTree.Root(leaves));
        return summary;
    }

    /// <summary>
    /// The scope of a correction's leaf: <c>correction~{original date}~{scope}</c>, so a day's own
    /// figure and a correction of the same scope and kind are two leaves.
    /// </summary>
    public static string CorrectionScope(string originalDate, string scope) => "correction~" + originalDate + "~" + scope;

    /// <summary>Reads the day's own figures back out of a published day.</summary>
    public static IEnumerable<(string Scope, string Kind, long Value)> FiguresOf(JsonElement day) => Read(day.GetProperty("figures"));

    /// <summary>Reads the corrections back out of a published day: original date, scope, kind, change.</summary>
    public static IEnumerable<(string Date, string Scope, string Kind, long Value)> CorrectionsOf(JsonElement day)
    {
        if (!day.TryGetProperty(CorrectionsMember, out var corrections))
        {
            yield break;
        }

        foreach (var original in corrections.EnumerateObject())
        {
            foreach (var (scope, kind, value) in Read(original.Value))
            {
                yield return (original.Name, scope, kind, value);
            }
        }
    }

    /// <summary>Every leaf of a published day's Merkle tree: its own figures and its corrections (for proofs and the verifier).</summary>
    public static IEnumerable<(string Scope, string Kind, long Value)> LeavesOf(JsonElement day) =>
        FiguresOf(day).Concat(CorrectionsOf(day).Select(c => (CorrectionScope(c.Date, c.Scope), c.Kind, c.Value)));

    /// <summary>
    /// Whether a figure adds up across entries (counts, sums), so a late entry's part can be carried
    /// as a change. Shares, medians and the running points balance do not.
    /// </summary>
    public static bool IsAdditive(string kind) =>
        kind != OutstandingPoints
        && !IsShare(kind)
        && !kind.EndsWith("-median-minutes", StringComparison.Ordinal)
        && Sections.All(section => section.IsAdditive(kind));

    /// <summary>Whether a figure is a share (basis points); each one has its sample beside it (<see cref="SampleOf"/>).</summary>
    public static bool IsShare(string kind) => kind.EndsWith("-bp", StringComparison.Ordinal);

    /// <summary>
    /// The figure a share is a share of, published beside it in the same scope, as the flow's ledger
    /// section says (reports answered, matches made or paid, minutes of night). Null for a kind that is no share.
    /// </summary>
    public static string? SampleOf(string shareKind) =>
        Sections.Select(section => section.SampleOf(shareKind)).FirstOrDefault(sample => sample is not null);

    /// <summary>
    /// Whether a share rests on too few cases to judge (fewer than <see cref="MinimumSample"/>), so
    /// one quick answer cannot top the table. A share of minutes, not cases (a flow's section says which), is never too few.
    /// </summary>
    public static bool TooFewToJudge(string shareKind, long sample) =>
        !Sections.Any(section => section.JudgedOnAnySample(shareKind)) && sample < MinimumSample;

    /// <summary>
    /// What a sealed day is missing: <paramref name="current"/> (its figures recounted now) less what
    /// it published and what later days already carried, for the additive figures that differ.
    /// </summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> Missing(
        SortedDictionary<string, SortedDictionary<string, long>> current,
        IEnumerable<(string Scope, string Kind, long Value)> publishedAndCarried)
    {
        var missing = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        void Add(string scope, string kind, long value)
        {
            if (!IsAdditive(kind))
            {
                return;
            }

            if (!missing.TryGetValue(scope, out var kinds))
            {
                missing[scope] = kinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
            }

            kinds[kind] = kinds.GetValueOrDefault(kind) + value;
        }

        foreach (var (scope, kind, value) in Flatten(current))
        {
            Add(scope, kind, value);
        }

        foreach (var (scope, kind, value) in publishedAndCarried)
        {
            Add(scope, kind, -value);
        }

        foreach (var scope in missing.Keys.ToList())
        {
            foreach (var kind in missing[scope].Where(k => k.Value == 0).Select(k => k.Key).ToList())
            {
                missing[scope].Remove(kind);
            }

            if (missing[scope].Count == 0)
            {
                missing.Remove(scope);
            }
        }

        return missing;
    }

    /// <summary>How corrections move the points outstanding: issued, less reversed and redeemed.</summary>
    public static long PointsMovement(IEnumerable<SortedDictionary<string, SortedDictionary<string, long>>> corrections) =>
        corrections.Sum(c => c.TryGetValue(TotalScope, out var totals) ? PointsMovement(totals.Select(t => (t.Key, t.Value))) : 0);

    private static long PointsMovement(IEnumerable<(string Kind, long Amount)> amounts) =>
        amounts.Sum(a => a.Kind.StartsWith("points.issued.", StringComparison.Ordinal) ? a.Amount
            : a.Kind == LedgerKinds.PointsReversed || a.Kind.StartsWith("points.redeemed.", StringComparison.Ordinal) ? -a.Amount
            : 0);

    private static IEnumerable<(string Scope, string Kind, long Value)> Flatten(SortedDictionary<string, SortedDictionary<string, long>> figures) =>
        figures.SelectMany(s => s.Value.Select(f => (s.Key, f.Key, f.Value)));

    private static JsonObject ToJson(SortedDictionary<string, SortedDictionary<string, long>> figures)
    {
        var scopes = new JsonObject();
        foreach (var (scope, values) in figures)
        {
            var obj = new JsonObject();
            foreach (var (kind, value) in values)
            {
                obj[kind] = value;
            }

            scopes[scope] = obj;
        }

        return scopes;
    }

    private static IEnumerable<(string Scope, string Kind, long Value)> Read(JsonElement scopes)
    {
        foreach (var scope in scopes.EnumerateObject())
        {
            foreach (var figure in scope.Value.EnumerateObject())
            {
                yield return (scope.Name, figure.Name, figure.Value.GetInt64());
            }
        }
    }

    private static SortedDictionary<string, long> Summarise(string scope, IEnumerable<LedgerEntryEntity> entries)
    {
        var list = entries.ToList();
        var figures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in list.GroupBy(e => e.Kind))
        {
            figures[group.Key] = IsSum(group.Key) ? group.Sum(e => e.Amount) : group.Count();
        }

        // Each flow's own figures (reports' 24-hour share and median, the warm map's night coverage, gig work's shares and year to date).
        foreach (var section in Sections)
        {
            section.Summarise(scope, figures, list);
        }

        return figures;
    }
}
