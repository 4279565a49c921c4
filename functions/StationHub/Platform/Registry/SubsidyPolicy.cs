using System.Globalization;

namespace StationHub.Platform.Registry;

/// <summary>
/// A district's subsidy for gig-work stations, as data: the tiers a station's year-to-date counts
/// earn, the cap per station per policy year, and the date the policy year starts (each year on
/// the same month and day, in the ledger's time zone). The sample holds Chaoyang's 2024 rules for
/// gig markets. Amounts are fen; every computation is exact integer arithmetic. <see cref="Basis"/>
/// names which matches the tiers count (<see cref="SubsidyBases"/>); <see cref="Version"/> is raised
/// with every change, and each day's ledger names the version it was computed under;
/// <see cref="Bounds"/> are the signals' limits the ledger page marks a station beyond.
/// </summary>
public sealed record SubsidyPolicy(
    string Id,
    string Name,
    IReadOnlyList<string> Districts,
    string YearStart,
    long CapFen,
    IReadOnlyList<SubsidyTier> Tiers,
    int Version = 1,
    string Basis = SubsidyBases.Paid,
    SubsidyBounds? Bounds = null)
{
    /// <summary>The first day of the policy year that holds <paramref name="day"/>, or null before the policy's first year.</summary>
    public DateOnly? YearStartFor(DateOnly day)
    {
        var first = FirstYearStart;
        if (day < first)
        {
            return null;
        }

        var start = new DateOnly(day.Year, first.Month, first.Day);
        return start <= day ? start : start.AddYears(-1);
    }

    /// <summary><see cref="YearStart"/> as a date (checked by the registry loader).</summary>
    public DateOnly FirstYearStart => DateOnly.ParseExact(YearStart, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>What the counts of one station's policy year earn, capped at <see cref="CapFen"/>.</summary>
    public long SubsidyFen(long workersWanted, long matches)
    {
        var total = 0L;
        foreach (var tier in Tiers)
        {
            total = checked(total + tier.EarnedFen(workersWanted, matches));
        }

        return Math.Min(total, CapFen);
    }
}

/// <summary>
/// One tier: reached when the year's workers wanted and matches are at least the minimums. A tier
/// without <see cref="EveryMatches"/> earns <see cref="EarnsFen"/> once; a tier with it earns
/// <see cref="EarnsFen"/> for each full <see cref="EveryMatches"/> matches beyond <see cref="MinMatches"/>.
/// </summary>
public sealed record SubsidyTier(long MinWorkersWanted, long MinMatches, long EarnsFen, long? EveryMatches = null)
{
    public long EarnedFen(long workersWanted, long matches)
    {
        if (workersWanted < MinWorkersWanted || matches < MinMatches)
        {
            return 0;
        }

        return EveryMatches is { } every ? checked(EarnsFen * ((matches - MinMatches) / every)) : EarnsFen;
    }
}

/// <summary>What a policy's tiers count as a match, year to date.</summary>
public static class SubsidyBases
{
    /// <summary>Matches made, less those cancelled: the rule as written.</summary>
    public const string Made = "made";

    /// <summary>Matches whose work was completed.</summary>
    public const string Completed = "completed";

    /// <summary>Matches completed and then paid, more than 0 fen, no earlier than the completion.</summary>
    public const string Paid = "paid";

    public static IReadOnlyList<string> All { get; } = [Made, Completed, Paid];
}

/// <summary>
/// The limits of a station's signals under a policy (each optional): beyond one, the ledger page marks
/// the station and the day counts it in <c>gig.signals-out-of-bounds</c>. The hub decides nothing from
/// them; it shows them.
/// </summary>
public sealed record SubsidyBounds(
    int? MaxMatchesPerWorkerPerDay = null,
    int? MaxTopWorkersShareBp = null,
    int? MaxMatchedOfWantedBp = null,
    int? MinCompletedShareBp = null,
    int? MinPaidShareBp = null,
    int? MinPaidWithin2hShareBp = null);
