using System.Text.Json;
using StationHub.Ledger;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

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

    /// <summary>
    /// The station's subsidy policy on the entry's day: source the policy's id, Amount its version,
    /// Label the policy itself (JSON), so the day's subsidy is computed from the day's entries alone
    /// and a change of policy is a fact of the day it took effect. Written beside every gig entry of
    /// the station and by each year tally; the row is rewritten, the last version of the day wins.
    /// </summary>
    public const string Policy = "gig.policy";
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

    /// <summary>Distinct workers matched at the station that day (the sample of the per-worker figures).</summary>
    public const string Workers = "gig.workers";

    /// <summary>The most matches one worker had at the station that day (year to date: the most on any day).</summary>
    public const string MatchesPerWorkerMax = "gig.matches-per-worker-max";

    /// <summary>The 99th percentile (nearest rank) of matches per worker that day.</summary>
    public const string MatchesPerWorkerP99 = "gig.matches-per-worker-p99";

    /// <summary>The share of the day's matches made by its top 1 % of workers (at least one worker), basis points of <c>gig.match.made</c>.</summary>
    public const string TopWorkersShare = "gig.top-workers-share-bp";

    /// <summary>Matches made against workers wanted, basis points of <see cref="WorkersWanted"/>.</summary>
    public const string MatchedOfWantedShare = "gig.matched-of-wanted-bp";

    /// <summary>Matches completed against matches made, basis points of <c>gig.match.made</c>.</summary>
    public const string CompletedShare = "gig.completed-share-bp";

    /// <summary>Matches paid (completed, more than 0 fen) against matches made, basis points of <c>gig.match.made</c>.</summary>
    public const string PaidShare = "gig.paid-share-bp";

    /// <summary>Year to date: the subsidy on the policy's basis, in fen (<see cref="SubsidyOn"/> for each basis beside it).</summary>
    public const string Subsidy = "gig.subsidy-fen";

    /// <summary>How many of the policy's bounds the station's signals are beyond (the ledger page names them).</summary>
    public const string OutOfBounds = "gig.signals-out-of-bounds";

    /// <summary>The year-to-date subsidy the same tiers give on a basis: <c>gig.subsidy-fen.paid</c>.</summary>
    public static string SubsidyOn(string basis) => Subsidy + "." + basis;

    /// <summary>The version of the policy a station's figures were computed under: <c>gig.policy.chaoyang-2024</c> = 2.</summary>
    public static string PolicyVersion(string policyId) => GigWorkKinds.Policy + "." + policyId;

    /// <summary>Year to date, the year's counts on a basis (<see cref="SubsidyBases"/>).</summary>
    public static string YearCountOn(string basis) => basis switch
    {
        SubsidyBases.Made => YearMatches,
        SubsidyBases.Completed => YearToDate(GigWorkKinds.MatchCompleted),
        _ => YearToDate(GigWorkKinds.MatchPaid),
    };

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

    /// <summary>The day figures whose year to date is the largest of the days (written as bases by <see cref="GigWorkYear"/>).</summary>
    public static IReadOnlyList<string> Maxima { get; } = [MatchesPerWorkerMax];

    /// <summary>Whether a gig figure adds up across entries (so a late entry's part may be carried as a correction): not the subsidy, the policy version, maxima or percentiles.</summary>
    public static bool IsAdditive(string kind) =>
        !kind.StartsWith(Subsidy, StringComparison.Ordinal)
        && !kind.StartsWith(GigWorkKinds.Policy, StringComparison.Ordinal)
        && !kind.Contains("matches-per-worker-", StringComparison.Ordinal)
        && kind != OutOfBounds;

    /// <summary>The figure a gig share is a share of (null for another kind).</summary>
    public static string? SampleOf(string shareKind) => shareKind switch
    {
        RepeatShare or TopWorkersShare or CompletedShare or PaidShare => GigWorkKinds.MatchMade,
        PaidWithin2hShare => PaySample,
        MatchedOfWantedShare => WorkersWanted,
        _ when shareKind.StartsWith("gig.ytd.", StringComparison.Ordinal)
            && SampleOf("gig." + shareKind["gig.ytd.".Length..]) is { } daily => YearToDate(daily),
        _ => null,
    };

    /// <summary>
    /// The bounds of the policy a station's figures are beyond, by name. Shares are judged year to date,
    /// and only on a sample of at least <see cref="LedgerDay.MinimumSample"/>; the day's top-1 % share on the day.
    /// </summary>
    public static List<string> BeyondBounds(SubsidyBounds? bounds, IReadOnlyDictionary<string, long> figures)
    {
        var beyond = new List<string>();
        if (bounds is null)
        {
            return beyond;
        }

        long? Judged(string share) => figures.TryGetValue(share, out var value) && SampleOf(share) is { } sample && figures.GetValueOrDefault(sample) >= LedgerDay.MinimumSample ? value : null;
        void Check(string name, int? bound, long? value, bool isMax)
        {
            if (bound is { } limit && value is { } v && (isMax ? v > limit : v < limit))
            {
                beyond.Add(name);
            }
        }

        Check("maxMatchesPerWorkerPerDay", bounds.MaxMatchesPerWorkerPerDay, figures.TryGetValue(YearToDate(MatchesPerWorkerMax), out var max) ? max : null, isMax: true);
        Check("maxTopWorkersShareBp", bounds.MaxTopWorkersShareBp, Judged(TopWorkersShare), isMax: true);
        Check("maxMatchedOfWantedBp", bounds.MaxMatchedOfWantedBp, Judged(YearToDate(MatchedOfWantedShare)), isMax: true);
        Check("minCompletedShareBp", bounds.MinCompletedShareBp, Judged(YearToDate(CompletedShare)), isMax: false);
        Check("minPaidShareBp", bounds.MinPaidShareBp, Judged(YearToDate(PaidShare)), isMax: false);
        Check("minPaidWithin2hShareBp", bounds.MinPaidWithin2hShareBp, Judged(YearToDate(PaidWithin2hShare)), isMax: false);
        return beyond;
    }

    /// <summary>The worker's token on a <c>gig.match.made</c> entry (its Label): a digest of the pseudonym, so a day's matches per worker can be counted; never published.</summary>
    public static string WorkerToken(string pseudonym) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("gig-ledger\n" + pseudonym)))[..16];

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

        var policies = gig.Where(e => e.Kind == GigWorkKinds.Policy).ToList();
        figures.Remove(GigWorkKinds.Policy);
        var day = gig.Where(e => !e.Kind.StartsWith(GigWorkKinds.YearBasePrefix, StringComparison.Ordinal) && e.Kind != GigWorkKinds.Policy).ToList();
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
            figures[CompletedShare] = figures.GetValueOrDefault(GigWorkKinds.MatchCompleted) * 10_000L / made.Count;
            figures[PaidShare] = figures.GetValueOrDefault(GigWorkKinds.MatchPaid) * 10_000L / made.Count;
            PerWorker(figures, made);
        }

        if (figures.GetValueOrDefault(WorkersWanted) is > 0 and var wantedToday)
        {
            figures[MatchedOfWantedShare] = made.Count * 10_000L / wantedToday;
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

        if (figures[YearToDate(GigWorkKinds.MatchMade)] is > 0 and var yearMatches)
        {
            figures[YearToDate(CompletedShare)] = figures[YearToDate(GigWorkKinds.MatchCompleted)] * 10_000L / yearMatches;
            figures[YearToDate(PaidShare)] = figures[YearToDate(GigWorkKinds.MatchPaid)] * 10_000L / yearMatches;
        }

        if (figures[YearToDate(WorkersWanted)] is > 0 and var yearWanted)
        {
            figures[YearToDate(MatchedOfWantedShare)] = figures[YearToDate(GigWorkKinds.MatchMade)] * 10_000L / yearWanted;
        }

        foreach (var figure in Maxima)
        {
            if (bases.ContainsKey(figure) || figures.ContainsKey(figure))
            {
                figures[YearToDate(figure)] = Math.Max(bases.GetValueOrDefault(figure), figures.GetValueOrDefault(figure));
            }
        }

        // The subsidy, in one station's scope only (the totals add stations' counts, which no tier counts).
        if (policies.Count > 0 && gig.Select(e => e.Scope).Distinct(StringComparer.Ordinal).Count() == 1
            && policies.MaxBy(e => e.At)!.Label is { } label
            && JsonSerializer.Deserialize(label, HubJsonContext.Default.SubsidyPolicy) is { } policy)
        {
            AddSubsidy(figures, policy);
        }
    }

    /// <summary>Year to date under the policy: the subsidy on its basis, on each basis beside it, its version, and the bounds crossed.</summary>
    public static void AddSubsidy(SortedDictionary<string, long> figures, SubsidyPolicy policy)
    {
        var wanted = figures.GetValueOrDefault(YearToDate(WorkersWanted));
        foreach (var basis in SubsidyBases.All)
        {
            figures[SubsidyOn(basis)] = policy.SubsidyFen(wanted, figures.GetValueOrDefault(YearCountOn(basis)));
        }

        figures[Subsidy] = figures[SubsidyOn(policy.Basis)];
        figures[PolicyVersion(policy.Id)] = policy.Version;
        if (policy.Bounds is not null)
        {
            figures[OutOfBounds] = BeyondBounds(policy.Bounds, figures).Count;
        }
    }

    /// <summary>Matches per worker (by the token on each <c>gig.match.made</c> entry): distinct workers, the most, the 99th percentile, and the top 1 %'s share.</summary>
    private static void PerWorker(SortedDictionary<string, long> figures, List<LedgerEntryEntity> made)
    {
        var perWorker = made.Where(e => e.Label is not null).GroupBy(e => e.Label, StringComparer.Ordinal).Select(g => (long)g.Count()).OrderDescending().ToList();
        if (perWorker.Count == 0)
        {
            return;
        }

        figures[Workers] = perWorker.Count;
        figures[MatchesPerWorkerMax] = perWorker[0];
        var ascending = perWorker.AsEnumerable().Reverse().ToList();
        figures[MatchesPerWorkerP99] = ascending[(int)Math.Ceiling(0.99 * ascending.Count) - 1];
        var top = (int)Math.Ceiling(perWorker.Count / 100.0);
        figures[TopWorkersShare] = perWorker.Take(top).Sum() * 10_000L / made.Count;
    }

    /// <summary>The median of sorted whole minutes (the lower middle's mean with the upper, rounded down).</summary>
    private static long Median(List<long> sorted)
    {
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
