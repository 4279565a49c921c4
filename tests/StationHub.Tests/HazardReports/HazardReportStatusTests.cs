using StationHub.HazardReports;

namespace StationHub.Tests.HazardReports;

public sealed class HazardReportStatusTests
{
    [Theory]
    [InlineData(HazardReportStatus.Routed, HazardReportStatus.Acknowledged, true)]
    [InlineData(HazardReportStatus.Routed, HazardReportStatus.Resolved, true)]
    [InlineData(HazardReportStatus.Acknowledged, HazardReportStatus.Acknowledged, true)]
    [InlineData(HazardReportStatus.Acknowledged, HazardReportStatus.InProgress, true)]
    [InlineData(HazardReportStatus.InProgress, HazardReportStatus.Rejected, true)]
    [InlineData(HazardReportStatus.InProgress, HazardReportStatus.Acknowledged, false)]
    [InlineData(HazardReportStatus.Resolved, HazardReportStatus.Acknowledged, false)]
    [InlineData(HazardReportStatus.Resolved, HazardReportStatus.Resolved, false)]
    [InlineData(HazardReportStatus.Resolved, HazardReportStatus.Rejected, false)]
    [InlineData(HazardReportStatus.Rejected, HazardReportStatus.Resolved, false)]
    [InlineData(HazardReportStatus.Received, HazardReportStatus.Acknowledged, false)]
    [InlineData(HazardReportStatus.Routed, HazardReportStatus.Routed, false)]
    public void A_city_moves_a_report_forward_only(HazardReportStatus from, HazardReportStatus to, bool allowed)
    {
        Assert.Equal(allowed, HazardReportStatuses.CityMayMove(from, to));
    }

    [Fact]
    public void The_same_platform_report_always_gets_the_same_hub_id()
    {
        var first = HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", "r-1");

        Assert.Equal(first, HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", "r-1"));
        Assert.NotEqual(first, HazardReport.HubIdFor(TestRegistry.HubIds, "neighborbuy", "r-1"));
        Assert.NotEqual(first, HazardReport.HubIdFor(TestRegistry.HubIds, "swiftride", "r-2"));
        Assert.Matches("^hr-[a-z2-7]{24}$", first);

        // Keyed: without the hub's key the id cannot be computed from (platform, reportId).
        Assert.NotEqual(first, HazardReport.HubIdFor(new StationHub.Platform.Security.HubIdKey(new byte[32]), "swiftride", "r-1"));
        Assert.NotEqual(first, HazardReport.LegacyHubIdFor("swiftride", "r-1"));
        Assert.Matches("^hr-[a-z2-7]{24}$", HazardReport.LegacyHubIdFor("swiftride", "r-1"));
    }

    [Theory]
    [InlineData("hr-abc")]
    [InlineData("hr-ABCDEFGHIJKLMNOPQRSTUVWX")]
    [InlineData("hr-abcdefghijklmnopqrstuv#x")]
    [InlineData("hr-abcdefghijklmnopqrstu/../")]
    [InlineData("xx-abcdefghijklmnopqrstuvwx")]
    [InlineData("")]
    public void A_string_of_another_form_is_no_hub_id(string value)
    {
        Assert.False(HazardReport.IsHubId(value));
    }

    [Fact]
    public void Every_hub_id_the_hub_makes_is_a_hub_id()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.True(HazardReport.IsHubId(HazardReport.HubIdFor(TestRegistry.HubIds, "p", "r-" + i)));
        }
    }
}
