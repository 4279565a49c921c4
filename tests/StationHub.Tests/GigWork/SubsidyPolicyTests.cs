using StationHub.GigWork;
using StationHub.Platform.Registry;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.GigWork;

/// <summary>The sample registry's subsidy policy (Chaoyang's 2024 figures) at every tier boundary, in fen.</summary>
public sealed class SubsidyPolicyTests
{
    private static readonly HubRegistry Sample = RegistryLoader.Load(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json"));

    private static SubsidyPolicy Policy => Sample.FindSubsidyPolicy("330102")!;

    [Theory]
    [InlineData(5_000, 999, 0)]
    [InlineData(5_000, 1_000, 20_000_000)]
    [InlineData(4_999, 1_000, 0)]
    [InlineData(4_999, 50_000, 0)]
    [InlineData(5_000, 5_000, 20_000_000)]
    [InlineData(5_000, 9_999, 20_000_000)]
    [InlineData(5_000, 10_000, 30_000_000)]
    [InlineData(5_000, 14_999, 30_000_000)]
    [InlineData(5_000, 15_000, 40_000_000)]
    [InlineData(5_000, 19_999, 40_000_000)]
    [InlineData(5_000, 20_000, 50_000_000)]
    [InlineData(5_000, 25_000, 50_000_000)]
    [InlineData(80_000, 1_000_000, 50_000_000)]
    [InlineData(0, 0, 0)]
    public void The_sample_policy_pays_each_tier_exactly_and_stops_at_the_cap(long workersWanted, long matches, long subsidyFen)
    {
        Assert.Equal(subsidyFen, Policy.SubsidyFen(workersWanted, matches));
    }

    [Fact]
    public void Every_sample_station_is_under_the_chaoyang_figures()
    {
        Assert.Equal(50_000_000, Policy.CapFen);
        Assert.All(Sample.Document.Stations, station => Assert.Equal("chaoyang-2024", Sample.FindSubsidyPolicy(station.District)?.Id));
    }

    [Theory]
    [InlineData("2024-01-01", "2026-11-27", "2026-01-01")]
    [InlineData("2024-01-01", "2026-01-01", "2026-01-01")]
    [InlineData("2024-01-01", "2025-12-31", "2025-01-01")]
    [InlineData("2024-07-01", "2026-06-30", "2025-07-01")]
    [InlineData("2024-07-01", "2026-07-01", "2026-07-01")]
    [InlineData("2024-07-01", "2024-06-30", null)]
    public void The_policy_year_starts_again_on_its_start_date_each_year(string yearStart, string day, string? expected)
    {
        var policy = Policy with { YearStart = yearStart };

        var start = policy.YearStartFor(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, start?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("\"districts\": [\"330102\"", "\"districts\": [\"999999\"", "names unknown district '999999'")]
    [InlineData("\"yearStart\": \"2024-01-01\"", "\"yearStart\": \"2024-02-29\"", "not 29 February")]
    [InlineData("\"everyMatches\": 5000", "\"everyMatches\": 0", "a positive everyMatches")]
    public void A_registry_with_a_broken_policy_is_refused_with_the_reason(string find, string replace, string reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stationhub-registry-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(RepoPaths.Root, "functions", "registry.sample.json")).Replace(find, replace, StringComparison.Ordinal));
        try
        {
            var exception = Assert.Throws<InvalidOperationException>(() => RegistryLoader.Load(path));
            Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_same_tiers_on_each_basis_show_how_far_counts_and_effect_part()
    {
        // 1,051 matches made of 5,000 workers wanted, none completed or paid: the rule as written pays, the sample's basis does not.
        var figures = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["gig.ytd.workers-wanted"] = 5_000,
            ["gig.ytd.matches"] = 1_051,
            ["gig.ytd.match.completed"] = 1_000,
            ["gig.ytd.match.paid"] = 999,
        };

        StationHub.GigWork.GigWorkFigures.AddSubsidy(figures, Policy);

        Assert.Equal("paid", Policy.Basis);
        Assert.Equal(20_000_000, figures["gig.subsidy-fen.made"]);
        Assert.Equal(20_000_000, figures["gig.subsidy-fen.completed"]);
        Assert.Equal(0, figures["gig.subsidy-fen.paid"]);
        Assert.Equal(0, figures["gig.subsidy-fen"]);
        Assert.Equal(Policy.Version, figures["gig.policy.chaoyang-2024"]);
    }
}
