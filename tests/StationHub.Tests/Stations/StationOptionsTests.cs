using Microsoft.Extensions.Options;
using StationHub.Stations;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Stations;

/// <summary>The warm map's settings: documented defaults, and a bad value named when the hub starts.</summary>
public sealed class StationOptionsTests
{
    [Fact]
    public void The_defaults_are_ten_minutes_to_stale_and_a_fifteen_second_index()
    {
        var options = Options(new Dictionary<string, string?>()).Value;

        Assert.Equal(TimeSpan.FromMinutes(10), options.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(15), options.IndexRefresh);
    }

    [Theory]
    [InlineData("Stations:StaleAfter", "00:00:10")]
    [InlineData("Stations:StaleAfter", "2.00:00:00")]
    [InlineData("Stations:IndexRefresh", "00:00:00")]
    [InlineData("Stations:IndexRefresh", "01:00:00")]
    public void A_setting_out_of_range_stops_start_up_and_is_named(string setting, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new Dictionary<string, string?> { [setting] = value }).Value);

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    private static IOptions<StationOptions> Options(Dictionary<string, string?> settings) => OfflineServices.Options<StationOptions>(settings);
}
