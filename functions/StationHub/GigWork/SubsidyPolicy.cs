using System.Globalization;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.GigWork;

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

/// <summary>Gig work's section of the registry (<c>subsidyPolicies</c>): finding a district's policy, and the section's checks.</summary>
public static class SubsidyPolicies
{
    /// <summary>The registry's <c>subsidyPolicies</c> section.</summary>
    public static RegistrySection<IReadOnlyList<SubsidyPolicy>> Section { get; } =
        new("subsidyPolicies", HubJsonContext.Default.IReadOnlyListSubsidyPolicy, []);

    /// <summary>Every subsidy policy the registry holds.</summary>
    public static IReadOnlyList<SubsidyPolicy> AllSubsidyPolicies(this HubRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return Section.In(registry.Document);
    }

    /// <summary>The gig-work subsidy policy of the district, if it has one.</summary>
    public static SubsidyPolicy? FindSubsidyPolicy(this HubRegistry registry, string districtCode) =>
        registry.AllSubsidyPolicies().FirstOrDefault(policy => policy.Districts.Contains(districtCode, StringComparer.Ordinal));

    /// <summary>What is wrong with the registry's subsidy policies: ids and districts once each, known districts, a readable year start, sound tiers.</summary>
    public static IEnumerable<string> Problems(RegistryDocument document)
    {
        if (Section.Problems(document).ToList() is [_, ..] unreadable)
        {
            return unreadable;
        }

        var policies = Section.In(document);
        var districtCodes = document.Cities.SelectMany(c => c.Districts).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        RegistryLoader.Unique(policies.Select(p => p.Id), "subsidy policy", problems);
        RegistryLoader.Unique(policies.SelectMany(p => p.Districts), "district with a subsidy policy", problems);
        foreach (var policy in policies)
        {
            problems.AddRange(policy.Districts.Where(d => !districtCodes.Contains(d)).Select(d => $"subsidy policy '{policy.Id}' names unknown district '{d}'"));
            if (!DateOnly.TryParseExact(policy.YearStart, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) || start is { Month: 2, Day: 29 })
            {
                problems.Add($"subsidy policy '{policy.Id}' must give yearStart as yyyy-MM-dd (not 29 February)");
            }

            if (policy.CapFen < 0 || policy.Tiers.Count == 0 || policy.Tiers.Any(t => t.MinWorkersWanted < 0 || t.MinMatches < 0 || t.EarnsFen <= 0 || t.EveryMatches is <= 0))
            {
                problems.Add($"subsidy policy '{policy.Id}' needs a cap of 0 or more and tiers with minimums of 0 or more, a positive earnsFen and a positive everyMatches");
            }

            if (policy.Version < 1 || !SubsidyBases.All.Contains(policy.Basis, StringComparer.Ordinal)
                || policy.Bounds is { } b && new int?[] { b.MaxMatchesPerWorkerPerDay, b.MaxTopWorkersShareBp, b.MaxMatchedOfWantedBp, b.MinCompletedShareBp, b.MinPaidShareBp, b.MinPaidWithin2hShareBp }.Any(v => v is < 0))
            {
                problems.Add($"subsidy policy '{policy.Id}' needs a version of 1 or more, a basis of made, completed or paid, and bounds of 0 or more");
            }
        }

        return problems;
    }
}
