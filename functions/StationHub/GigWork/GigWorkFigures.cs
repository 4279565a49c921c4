using StationHub.Ledger;

namespace StationHub.GigWork;

/// <summary>The ledger entries the gig-work flow writes (scope: the station).</summary>
public static class GigWorkKinds
{
    /// <summary>A job recorded; <see cref="LedgerEntry.Amount"/> is the workers it wants.</summary>
    public const string JobPosted = "gig.job.posted";

    public const string MatchMade = "gig.match.made";

    /// <summary>A match made whose worker had been matched at the same station in the 30 days before (repeat use).</summary>
    public const string MatchReturning = "gig.match.returning";
    public const string MatchCompleted = "gig.match.completed";

    /// <summary>A match paid; Amount is the wage in fen, Hours the time from completion to pay when the completion is known.</summary>
    public const string MatchPaid = "gig.match.paid";
    public const string MatchCancelled = "gig.match.cancelled";

    /// <summary>One figure's total over the policy year's sealed days before the entry's day (written by <see cref="GigWorkYear"/>).</summary>
    public const string YearBasePrefix = "gig.ytd-base.";
}

/// <summary>
/// The gig-work figures of a ledger day, per scope, added to what <see cref="LedgerDay"/> counts:
/// the day's counts, the share paid within 2 hours of completion (basis points, with its sample)
/// and the median minutes to pay, the share of matches whose worker came back within 30 days
/// (basis points, with its sample), and each figure year to date (the policy year's sealed days
/// before this one, plus this day). Integers only, no personal data.
/// </summary>
public static class GigWorkFigures
{
    public const string WorkersWanted = "gig.workers-wanted";
    public const string MatchesReturning = GigWorkKinds.MatchReturning;
    public const string RepeatShare = "gig.repeat-share-bp";
    public const string WagesPaidFen = "gig.wages-paid-fen";
    public const string PaySample = "gig.pay-sample";
    public const string PaidWithin2h = "gig.paid-within-2h";
    public const string PaidWithin2hShare = "gig.paid-within-2h-share-bp";
    public const string MedianMinutesToPay = "gig.pay-median-minutes";

    /// <summary>The year-to-date figure of a day figure: <c>gig.match.made</c> → <c>gig.ytd.match.made</c>.</summary>
    public static string YearToDate(string figure) => "gig.ytd." + figure["gig.".Length..];

    /// <summary>Year to date: matches made less those cancelled, as the policy counts them.</summary>
    public static readonly string YearMatches = "gig.ytd.matches";

    /// <summary>The day figures that add up over the policy year.</summary>
    public static IReadOnlyList<string> Cumulative { get; } =
    [
        GigWorkKinds.JobPosted, WorkersWanted, GigWorkKinds.MatchMade, MatchesReturning, GigWorkKinds.MatchCompleted,
        GigWorkKinds.MatchPaid, GigWorkKinds.MatchCancelled, WagesPaidFen, PaySample, PaidWithin2h,
    ];

    /// <summary>Adds the gig-work figures of <paramref name="entries"/> (one scope's, or all) to <paramref name="figures"/>.</summary>
    public static void Add(SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries)
    {
        var gig = entries.Where(e => e.Kind.StartsWith("gig.", StringComparison.Ordinal)).ToList();
        if (gig.Count == 0)
        {
            return;
        }

        var bases = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in gig.Where(e => e.Kind.StartsWith(GigWorkKinds.YearBasePrefix, StringComparison.Ordinal)))
        {
            var figure = "gig." + entry.Kind[GigWorkKinds.YearBasePrefix.Length..];
            bases[figure] = bases.GetValueOrDefault(figure) + entry.Amount;
            figures.Remove(entry.Kind);
        }

        var day = gig.Where(e => !e.Kind.StartsWith(GigWorkKinds.YearBasePrefix, StringComparison.Ordinal)).ToList();
        var posted = day.Where(e => e.Kind == GigWorkKinds.JobPosted).ToList();
        var made = day.Where(e => e.Kind == GigWorkKinds.MatchMade).ToList();
        var paid = day.Where(e => e.Kind == GigWorkKinds.MatchPaid).ToList();
        if (posted.Count > 0)
        {
            figures[WorkersWanted] = posted.Sum(e => e.Amount);
        }

        if (made.Count > 0)
        {
            var returning = day.Count(e => e.Kind == GigWorkKinds.MatchReturning);
            figures[MatchesReturning] = returning;
            figures[RepeatShare] = returning * 10_000L / made.Count;
        }

        if (paid.Count > 0)
        {
            figures[WagesPaidFen] = paid.Sum(e => e.Amount);
            var minutes = paid.Where(e => e.Hours is not null).Select(e => (long)Math.Round(e.Hours!.Value * 60, MidpointRounding.AwayFromZero)).Order().ToList();
            if (minutes.Count > 0)
            {
                var within = minutes.Count(m => m <= (long)GigWorkRules.PayWithin.TotalMinutes);
                figures[PaySample] = minutes.Count;
                figures[PaidWithin2h] = within;
                figures[PaidWithin2hShare] = within * 10_000L / minutes.Count;
                figures[MedianMinutesToPay] = Median(minutes);
            }
        }

        if (bases.Count == 0 && day.Count == 0)
        {
            return;
        }

        foreach (var figure in Cumulative)
        {
            figures[YearToDate(figure)] = bases.GetValueOrDefault(figure) + figures.GetValueOrDefault(figure);
        }

        figures[YearMatches] = figures[YearToDate(GigWorkKinds.MatchMade)] - figures[YearToDate(GigWorkKinds.MatchCancelled)];
        if (figures[YearToDate(GigWorkKinds.MatchMade)] is > 0 and var yearMade)
        {
            figures[YearToDate(RepeatShare)] = figures[YearToDate(MatchesReturning)] * 10_000L / yearMade;
        }

        if (figures[YearToDate(PaySample)] is > 0 and var yearSample)
        {
            figures[YearToDate(PaidWithin2hShare)] = figures[YearToDate(PaidWithin2h)] * 10_000L / yearSample;
        }
    }

    /// <summary>The median of sorted whole minutes (the lower middle's mean with the upper, rounded down).</summary>
    private static long Median(List<long> sorted)
    {
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
