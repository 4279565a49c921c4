using System.Net;
using StationHub.Tests.Infrastructure;
using static StationHub.Tests.Stations.StationStatusFlowTests;

namespace StationHub.Tests.Stations;

/// <summary>
/// The warm map page in a real browser (Debian's Chromium over the DevTools protocol) at a phone's
/// 412 × 900: the street map from a local tile stub, the station cards and their navigation links,
/// the nearest open station first, a live status change without a reload, the schematic and the list
/// without a tile URL (and without script), Chinese by Accept-Language, and a CSP that allows nothing else.
/// </summary>
[RunsLong(28)]
public sealed class StationMapPageTests
{
    private const string Stations = "li.station[data-station]";

    [Fact]
    public async Task With_a_tile_url_the_stations_lie_on_the_street_map_from_that_url_and_the_CSP_allows_nothing_else()
    {
        await using var tiles = await TileStub.StartAsync();
        await using var world = await HubScenario.StartAsync(configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Map:TileUrl"] = tiles.Template;
            s["Map:TileAttribution"] = "© Tile stub contributors";
        });
        var now = TimeProvider.System.GetUtcNow();
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 3, 8, now.AddSeconds(-5)))).Dispose();
        (await PutStatusAsync(world, TestRegistry.OtherStation, TestRegistry.OtherStationKey, Status(false, 0, 4, now.AddSeconds(-5)))).Dispose();
        await using var browser = await BrowserPage.OpenAsync();

        var response = await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map"));
        await browser.WaitForAsync("document.querySelectorAll('.leaflet-marker-icon[data-station]').length === 8 && document.querySelectorAll('img.leaflet-tile-loaded').length > 0");

        // The tiles come from the configured URL, and the hub served Leaflet itself.
        Assert.NotEmpty(tiles.Paths);
        Assert.All(tiles.Paths, path => Assert.Matches(@"^/tiles/\d+/\d+/\d+\.png$", path));
        Assert.Contains(browser.Requests, url => url.StartsWith(new Uri(world.Hub.BaseAddress, "map/assets/leaflet.js").AbsoluteUri, StringComparison.Ordinal));
        Assert.Equal("© Tile stub contributors", await browser.EvalAsync<string>("document.querySelector('.leaflet-control-attribution').textContent"));

        // The CSP: the hub's own files and JSON, and images from the tile host; nothing else was asked for or blocked.
        var hub = world.Hub.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Equal(
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles.Origin}; connect-src 'self'; base-uri 'none'; form-action 'none'",
            response.Headers["content-security-policy"]);
        Assert.All(browser.Requests, url => Assert.True(url.StartsWith(hub + "/", StringComparison.Ordinal) || url.StartsWith(tiles.Origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        Assert.Empty(await browser.ViolationsAsync());

        // Open a station (by keyboard: markers overlap at the zoom that shows both cities): its card,
        // with hours, chargers, freshness and the three ways there.
        await browser.Page.FocusAsync(".leaflet-marker-icon[data-station='st-hz-01']");
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.WaitForAsync("document.querySelector('.leaflet-popup-content .station-card') !== null");
        var popup = await browser.EvalAsync<string>("document.querySelector('.leaflet-popup-content').innerText");
        Assert.Contains("Hubin Rider Station", popup, StringComparison.Ordinal);
        Assert.Contains("✓ Open", popup, StringComparison.Ordinal);
        Assert.Contains("Free chargers: 3 of 8", popup, StringComparison.Ordinal);
        Assert.Contains("Hours: Mo-Su 07:00-23:00", popup, StringComparison.Ordinal);
        Assert.Contains("E-bike battery charging", popup, StringComparison.Ordinal);
        Assert.Contains("Last report", popup, StringComparison.Ordinal);
        Assert.Equal(
            ["geo:30.2573,120.164?q=30.2573,120.164(Hubin%20Rider%20Station)",
             "https://uri.amap.com/navigation?to=120.164,30.2573,Hubin%20Rider%20Station&mode=ride&coordinate=wgs84&callnative=1&src=stationhub",
             "https://www.openstreetmap.org/directions?engine=fossgis_osrm_bike&route=%3B30.2573%2C120.164"],
            await browser.EvalAsync<string[]>("[...document.querySelectorAll('.leaflet-popup-content .nav a')].map(a => a.getAttribute('href'))"));

        // Where a rider stands (as "Locate me" or a platform's link opens it): the street map around them, the nearest open first.
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map?near=30.2600,120.1700"));
        await browser.WaitForAsync("document.querySelectorAll('img.leaflet-tile-loaded').length > 0 && document.querySelectorAll('.leaflet-marker-icon[data-station]').length === 8");
        await browser.Page.FocusAsync(".leaflet-marker-icon[data-station='st-hz-03']");
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.WaitForAsync("document.querySelector('.leaflet-popup') !== null && getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'");
        Assert.Empty(await browser.ViolationsAsync());
        await browser.ScreenshotAsync("map-phone.png", fullPage: false);
        await browser.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 1280, Height = 900 });
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map"));
        await browser.WaitForAsync("document.querySelectorAll('img.leaflet-tile-loaded').length > 0 && document.querySelectorAll('.leaflet-marker-icon[data-station]').length === 8");
        await browser.ScreenshotAsync("map-desktop.png", fullPage: false);
    }

    [Fact]
    public async Task Without_a_tile_url_the_schematic_and_the_list_work_every_station_has_three_ways_there_and_near_puts_the_nearest_open_first()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var now = TimeProvider.System.GetUtcNow();
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(false, 0, 8, now.AddSeconds(-5)))).Dispose();
        await using var browser = await BrowserPage.OpenAsync();

        var response = await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map"));
        await browser.WaitForAsync("document.querySelector('.live-note') && !document.querySelector('.live-note').hidden");

        Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'", response.Headers["content-security-policy"]);
        Assert.Equal(2, await browser.EvalAsync<int>("document.querySelectorAll('figure.schematic svg').length"));
        Assert.Equal(8, await browser.EvalAsync<int>("document.querySelectorAll('g.station circle').length"));
        Assert.Equal(0, await browser.EvalAsync<int>("document.querySelectorAll('.leaflet-container').length"));
        Assert.Equal(8, await browser.EvalAsync<int>($"document.querySelectorAll('{Stations}').length"));
        Assert.Equal(8, await browser.EvalAsync<int>($"[...document.querySelectorAll('{Stations}')].filter(li => li.querySelector('.nav a.geo[href^=\"geo:\"]') && li.querySelector('.nav a.amap[href^=\"https://uri.amap.com/navigation?to=\"]') && li.querySelector('.nav a.osm[href^=\"https://www.openstreetmap.org/directions?\"]')).length"));
        Assert.Equal("closed", await browser.EvalAsync<string>("document.querySelector(\"li.station[data-station='st-hz-01']\").dataset.status"));
        Assert.Contains("✕ Closed", await browser.EvalAsync<string>("document.querySelector(\"li.station[data-station='st-hz-01'] .state\").innerText"), StringComparison.Ordinal);
        Assert.All(browser.Requests, url => Assert.StartsWith(world.Hub.BaseAddress.GetLeftPart(UriPartial.Authority) + "/", url, StringComparison.Ordinal));
        Assert.Empty(await browser.ViolationsAsync());
        await browser.ScreenshotAsync("map-schematic-phone.png", fullPage: false);

        // Nearest first, from st-hz-01's own door: it is closed, so the nearest open one leads.
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map?near=30.2573,120.1640"));
        var nearest = await browser.EvalAsync<string[]>($"[...document.querySelectorAll('ol {Stations}')].map(li => li.dataset.station)");
        var meters = await browser.EvalAsync<double[]>("[...document.querySelectorAll('ol li.station .distance')].map(p => Number(p.dataset.meters))");
        Assert.Equal("st-hz-03", nearest[0]);
        Assert.DoesNotContain(TestRegistry.Station, nearest);
        Assert.Equal(meters.Order(), meters);
        Assert.All(await browser.EvalAsync<string[]>($"[...document.querySelectorAll('ol {Stations}')].map(li => li.dataset.status)"), status => Assert.NotEqual("closed", status));
        Assert.Equal(
            "https://www.openstreetmap.org/directions?engine=fossgis_osrm_bike&route=30.2573%2C120.164%3B30.244%2C120.1825",
            await browser.EvalAsync<string>("document.querySelector(\"ol li.station[data-station='st-hz-03'] .nav a.osm\").getAttribute('href')"));

        // The service filter, as the API's.
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map?near=30.2573,120.1640&service=night_beds,shower"));
        Assert.Equal(["st-hz-03"], await browser.EvalAsync<string[]>($"[...document.querySelectorAll('ol {Stations}')].map(li => li.dataset.station)"));
    }

    [Fact]
    public async Task A_status_change_shows_without_a_reload_through_the_ETag_and_the_list_works_with_no_script()
    {
        await using var world = await HubScenario.StartAsync(configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Map:RefreshInterval"] = "00:00:01";
        });
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 3, 8, TimeProvider.System.GetUtcNow().AddSeconds(-5)))).Dispose();
        await using var browser = await BrowserPage.OpenAsync();
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map"));
        await browser.EvalAsync<bool>("window.__sameDocument = true");
        Assert.Equal("open", await browser.EvalAsync<string>("document.querySelector(\"li.station[data-station='st-hz-01']\").dataset.status"));
        // Nothing changed yet: the refresh is answered 304 (If-None-Match with the first answer's ETag).
        await browser.Page.WaitForResponseAsync(r => r.Url.Contains("/api/v1/stations", StringComparison.Ordinal) && r.Status == HttpStatusCode.NotModified, new PuppeteerSharp.WaitForOptions { Timeout = 35_000 });

        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(false, 0, 8, TimeProvider.System.GetUtcNow()))).Dispose();

        await browser.WaitForAsync("document.querySelector(\"li.station[data-station='st-hz-01']\").dataset.status === 'closed'", TimeSpan.FromSeconds(35));
        Assert.True(await browser.EvalAsync<bool>("window.__sameDocument === true"), "the page reloaded");
        Assert.Contains("✕ Closed", await browser.EvalAsync<string>("document.querySelector(\"li.station[data-station='st-hz-01'] .state\").innerText"), StringComparison.Ordinal);
        Assert.Equal("closed", await browser.EvalAsync<string>("document.querySelector(\"g.station[data-station='st-hz-01']\").dataset.status"));
        Assert.Contains("Hubin Rider Station", await browser.EvalAsync<string>("document.getElementById('live').textContent"), StringComparison.Ordinal);

        // With no script at all, in Chinese: the server-rendered list is the whole page.
        await browser.Page.SetJavaScriptEnabledAsync(false);
        await browser.Page.SetExtraHttpHeadersAsync(new Dictionary<string, string> { ["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.5" });
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map?near=30.2573,120.1640&openNow=false"));
        Assert.Equal("zh-CN", await browser.EvalAsync<string>("document.documentElement.lang"));
        Assert.Equal(TestRegistry.Station, await browser.EvalAsync<string>($"document.querySelector('ol {Stations}').dataset.station"));
        var first = await browser.EvalAsync<string>($"document.querySelector('ol {Stations}').innerText");
        Assert.Contains("Hubin Rider Station", first, StringComparison.Ordinal);
        Assert.Contains("已关闭", first, StringComparison.Ordinal);
        Assert.Contains("高德地图", first, StringComparison.Ordinal);
        Assert.True(await browser.EvalAsync<bool>("document.getElementById('locate').hidden"));
    }

    [Fact]
    public async Task Locate_me_uses_the_browsers_position_and_lists_the_nearest_open_station_first()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 2, 6, TimeProvider.System.GetUtcNow().AddSeconds(-5)))).Dispose();
        await using var browser = await BrowserPage.OpenAsync();
        await browser.Page.BrowserContext.OverridePermissionsAsync(world.Hub.BaseAddress.GetLeftPart(UriPartial.Authority), [PuppeteerSharp.OverridePermission.Geolocation]);
        await browser.Page.SetGeolocationAsync(new PuppeteerSharp.GeolocationOption { Latitude = 29.8700m, Longitude = 121.5470m });
        await browser.GoAsync(new Uri(world.Hub.BaseAddress, "map?service=ebike_charging"));

        var navigation = browser.Page.WaitForNavigationAsync();
        await browser.Page.ClickAsync("#locate");
        await navigation;

        Assert.Equal("/map?near=29.87,121.547&service=ebike_charging", new Uri(browser.Page.Url).PathAndQuery);
        Assert.Equal("st-nb-01", await browser.EvalAsync<string>($"document.querySelector('ol {Stations}').dataset.station"));
    }

    [Fact]
    public async Task The_map_files_are_served_by_the_hub_with_their_version_and_an_unknown_one_is_a_404()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var page = await world.Hub.Client.GetStringAsync("map");
        var leaflet = System.Text.RegularExpressions.Regex.Match(page, "/map/assets/map\\.js\\?v=([0-9a-f]{12})");

        using var versioned = await world.Hub.Client.GetAsync(leaflet.Value.TrimStart('/'));
        using var css = await world.Hub.Client.GetAsync("map/assets/leaflet.css");
        using var missing = await world.Hub.Client.GetAsync("map/assets/nothing.js");

        Assert.True(leaflet.Success, page);
        Assert.Equal(HttpStatusCode.OK, versioned.StatusCode);
        Assert.Equal("text/javascript", versioned.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", versioned.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".leaflet-container", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
