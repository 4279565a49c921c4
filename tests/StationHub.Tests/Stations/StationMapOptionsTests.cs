using Microsoft.Extensions.Options;
using StationHub.Stations;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Stations;

/// <summary>The map page's settings: the schematic by default, a tile template checked and named at start-up, its CSP origins, and the page's language.</summary>
public sealed class StationMapOptionsTests
{
    [Fact]
    public void By_default_there_is_no_street_map_and_the_page_refreshes_every_thirty_seconds()
    {
        var options = Options(new Dictionary<string, string?>()).Value;

        Assert.False(options.HasTiles);
        Assert.Empty(options.TileOrigins());
        Assert.Equal(TimeSpan.FromSeconds(30), options.RefreshInterval);
        Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'", StationMapPage.ContentSecurityPolicy(options));
    }

    [Fact]
    public void The_CSP_names_each_tile_host_the_template_can_reach()
    {
        var options = Options(new Dictionary<string, string?>
        {
            ["Map:TileUrl"] = "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png?style=day",
            ["Map:TileAttribution"] = "© OpenStreetMap contributors",
            ["Map:TileSubdomains"] = "ab",
        }).Value;

        Assert.Equal(["https://a.tiles.example.org:8443", "https://b.tiles.example.org:8443"], options.TileOrigins());
        Assert.Contains("img-src 'self' data: https://a.tiles.example.org:8443 https://b.tiles.example.org:8443;", StationMapPage.ContentSecurityPolicy(options), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Map:TileUrl", "ftp://tiles.example.org/{z}/{x}/{y}.png")]
    [InlineData("Map:TileUrl", "https://tiles.example.org/{z}/{x}.png")]
    [InlineData("Map:TileUrl", "tiles/{z}/{x}/{y}.png")]
    [InlineData("Map:TileUrl", "https://tiles.example.org/{z}/{x}/{y}.png'; script-src *")]
    [InlineData("Map:TileAttribution", "")]
    [InlineData("Map:TileAttributionUrl", "javascript:alert(1)")]
    [InlineData("Map:TileSubdomains", "a.b")]
    [InlineData("Map:RefreshInterval", "00:00:00")]
    [InlineData("Map:RefreshInterval", "01:00:00")]
    public void A_bad_map_setting_stops_start_up_and_is_named(string setting, string value)
    {
        var settings = new Dictionary<string, string?> { ["Map:TileUrl"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["Map:TileAttribution"] = "© OpenStreetMap contributors" };
        settings[setting] = value;

        var error = Assert.Throws<OptionsValidationException>(() => Options(settings).Value);

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "en")]
    [InlineData(null, "zh-CN,zh;q=0.9,en;q=0.8", "zh")]
    [InlineData(null, "en-GB,en;q=0.9,zh-CN;q=0.8", "en")]
    [InlineData(null, "fr-FR,zh-TW;q=0.5,en;q=0.4", "zh")]
    [InlineData(null, "zh;q=0.2,en;q=0.7", "en")]
    [InlineData(null, "de", "en")]
    [InlineData("zh", "en", "zh")]
    [InlineData("en", "zh-CN", "en")]
    public void The_page_speaks_Chinese_or_English_as_asked(string? lang, string? acceptLanguage, string expected) =>
        Assert.Equal(expected, StationMapText.Choose(lang, acceptLanguage).Language);

    [Fact]
    public void Both_languages_have_every_word() =>
        Assert.Equal(StationMapText.English.Words.Keys.Order(StringComparer.Ordinal), StationMapText.Chinese.Words.Keys.Order(StringComparer.Ordinal));

    private static IOptions<StationMapOptions> Options(Dictionary<string, string?> settings) => OfflineServices.Options<StationMapOptions>(settings);
}
