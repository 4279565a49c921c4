using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger.Integrity;

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
    public const string AcknowledgedWithin24h = "report.ack-within-24h";
    public const string AcknowledgedWithin24hShare = "report.ack-within-24h-share-bp";
    public const string MedianFirstResponseMinutes = "report.first-response-median-minutes";

    /// <summary>Money and points are summed; every other kind counts its entries.</summary>
    public static bool IsSum(string kind) =>
        kind.StartsWith("pickup.revenue.", StringComparison.Ordinal)
        || kind.StartsWith("pickup.fund.", StringComparison.Ordinal)
        || kind.StartsWith("points.", StringComparison.Ordinal);

    /// <summary>The figures of each scope and the totals.</summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> Figures(IEnumerable<LedgerEntryEntity> entries, long outstandingBefore)
    {
        var list = entries.ToList();
        var scopes = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var group in list.GroupBy(e => e.Scope))
        {
            scopes[group.Key] = Summarise(group);
        }

        var totals = Summarise(list);
        totals[OutstandingPoints] = outstandingBefore
            + list.Where(e => e.Kind.StartsWith("points.issued.", StringComparison.Ordinal)).Sum(e => e.Amount)
            - list.Where(e => e.Kind == LedgerKinds.PointsReversed).Sum(e => e.Amount)
            - list.Where(e => e.Kind.StartsWith("points.redeemed.", StringComparison.Ordinal)).Sum(e => e.Amount);
        scopes[TotalScope] = totals;
        return scopes;
    }

    /// <summary>The day's summary, without its hash: what <see cref="DayHash"/> hashes.</summary>
    public static JsonObject Summary(DateOnly date, string timeZone, string prevHash, bool sealedDay, SortedDictionary<string, SortedDictionary<string, long>> figures)
    {
        var leaves = LedgerLeaf.Leaves(figures.SelectMany(s => s.Value.Select(f => (s.Key, f.Key, f.Value))));
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

        return new JsonObject
        {
            ["date"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["timeZone"] = timeZone,
            ["sealed"] = sealedDay,
            ["prevHash"] = prevHash,
            ["figures"] = scopes,
            ["leafCount"] = leaves.Count,
            ["merkleRoot"] = Convert.ToHexStringLower(MerkleTree.Root(leaves)),
        };
    }

    /// <summary>Reads the figures back out of a published day (for proofs and the verifier).</summary>
    public static IEnumerable<(string Scope, string Kind, long Value)> FiguresOf(JsonElement day)
    {
        foreach (var scope in day.GetProperty("figures").EnumerateObject())
        {
            foreach (var figure in scope.Value.EnumerateObject())
            {
                yield return (scope.Name, figure.Name, figure.Value.GetInt64());
            }
        }
    }

    private static SortedDictionary<string, long> Summarise(IEnumerable<LedgerEntryEntity> entries)
    {
        var list = entries.ToList();
        var figures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in list.GroupBy(e => e.Kind))
        {
            figures[group.Key] = IsSum(group.Key) ? group.Sum(e => e.Amount) : group.Count();
        }

        var responses = list.Where(e => e.Kind == LedgerKinds.ReportFirstResponse && e.Hours is not null).Select(e => e.Hours!.Value).Order().ToList();
        if (responses.Count > 0)
        {
            var within = responses.Count(h => h <= 24);
            figures[AcknowledgedWithin24h] = within;
            figures[AcknowledgedWithin24hShare] = within * 10_000L / responses.Count;
            var middle = responses.Count / 2;
            var median = responses.Count % 2 == 1 ? responses[middle] : (responses[middle - 1] + responses[middle]) / 2;
            figures[MedianFirstResponseMinutes] = (long)Math.Round(median * 60, MidpointRounding.AwayFromZero);
        }

        GigWork.GigWorkFigures.Add(figures, list);
        return figures;
    }
}
