using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Tests.Infrastructure;
using static StationHub.Tests.Stations.StationStatusFlowTests;

namespace StationHub.Tests.Stations;

/// <summary>The warm map out: GeoJSON filters, caching, bad queries, and the page in headless Chromium.</summary>
public sealed class StationMapTests
{

    [Fact]
    public async Task The_map_is_an_RFC_7946_feature_collection_filtered_by_bbox_near_service_and_openNow()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var at = TimeProvider.System.GetUtcNow().AddSeconds(-3);
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 2, 6, at))).Dispose();
        (await PutStatusAsync(world, TestRegistry.OtherStation, TestRegistry.OtherStationKey, Status(false, 0, 4, at))).Dispose();

        using var all = await world.Hub.Client.GetAsync("api/v1/stations");
        Assert.Equal("application/geo+json", all.Content.Headers.ContentType?.MediaType);
        var collection = await all.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FeatureCollection", collection.GetProperty("type").GetString());
        Assert.Equal(8, collection.GetProperty("features").GetArrayLength());
        Assert.All(collection.GetProperty("features").EnumerateArray(), f =>
        {
            Assert.Equal("Feature", f.GetProperty("type").GetString());
            var coordinates = f.GetProperty("geometry").GetProperty("coordinates");
            Assert.InRange(coordinates[0].GetDouble(), 120, 122); // longitude first
            Assert.InRange(coordinates[1].GetDouble(), 29, 31);
        });

        var near = await IdsAsync(world, "near=30.2573,120.1640&limit=3");
        Assert.Equal(3, near.Count);
        Assert.Equal(TestRegistry.Station, near[0].Id);
        Assert.Equal(0.0, near[0].Distance!.Value);
        Assert.True(near[1].Distance < near[2].Distance && near[1].Distance > 1000, string.Join(", ", near));

        Assert.Equal(["st-nb-01", "st-nb-02", "st-nb-03"], (await IdsAsync(world, "bbox=121.4,29.7,121.7,30.0")).Select(f => f.Id));
        Assert.Equal(["st-hz-03", "st-hz-05"], (await IdsAsync(world, "service=night_beds")).Select(f => f.Id));
        Assert.Equal(["st-hz-03"], (await IdsAsync(world, "service=night_beds,shower")).Select(f => f.Id));
        var open = (await IdsAsync(world, "openNow=true")).Select(f => f.Id).ToList();
        Assert.Contains(TestRegistry.Station, open);
        Assert.Contains("st-hz-03", open);
        Assert.Contains("st-nb-03", open);
        Assert.DoesNotContain(TestRegistry.OtherStation, open);
        Assert.Contains(TestRegistry.OtherStation, (await IdsAsync(world, "openNow=false")).Select(f => f.Id));
        Assert.Equal(["st-nb-01", "st-nb-02"], (await IdsAsync(world, "near=29.8700,121.5470&bbox=121.4,29.7,121.7,30.0&limit=2")).Select(f => f.Id));
    }

    [Fact]
    public async Task The_map_carries_an_ETag_that_answers_304_and_changes_with_a_report()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var first = await world.Hub.Client.GetAsync("api/v1/stations?near=30.25,120.17");
        var etag = first.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "api/v1/stations?near=30.25,120.17");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await world.Hub.Client.SendAsync(conditional);
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 1, 2, TimeProvider.System.GetUtcNow()))).Dispose();
        using var changed = await world.Hub.Client.GetAsync("api/v1/stations?near=30.25,120.17");

        Assert.False(etag.IsWeak);
        Assert.Contains("max-age=30", first.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.NotEqual(etag, changed.Headers.ETag);
    }

    [Theory]
    [InlineData("bbox=1,2,3", "bbox")]
    [InlineData("bbox=10,0,5,1", "bbox")]
    [InlineData("bbox=-200,0,5,1", "bbox")]
    [InlineData("bbox=a,b,c,d", "bbox")]
    [InlineData("near=abc", "near")]
    [InlineData("near=95,120", "near")]
    [InlineData("near=30,NaN", "near")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    [InlineData("limit=-3", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("openNow=yes", "openNow")]
    [InlineData("service=teleport", "service")]
    [InlineData("service=", "service")]
    public async Task A_bad_map_query_is_a_400_naming_the_parameter(string query, string parameter)
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var response = await world.Hub.Client.GetAsync("api/v1/stations?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task The_map_page_shows_open_closed_and_stale_stations_with_free_chargers_in_headless_Chromium()
    {
        await using var world = await HubScenario.StartAsync(configure: s =>
        {
            s["LocalHost:TriggersDisabled"] = "true";
            s["Stations:StaleAfter"] = "00:01:00";
        });
        var now = TimeProvider.System.GetUtcNow();
        (await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 3, 8, now.AddSeconds(-2)))).Dispose();
        (await PutStatusAsync(world, TestRegistry.OtherStation, TestRegistry.OtherStationKey, Status(false, 0, 4, now.AddSeconds(-2)))).Dispose();
        using (var stale = Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/station-status",
            "{\"type\":\"station.status\",\"timestamp\":\"" + Iso(now) + "\",\"data\":" + Status(true, 5, 10, now.AddMinutes(-2)).Insert(1, "\"stationId\":\"st-hz-03\",") + "}", world.PlatformSigner))
        {
            (await world.Hub.Client.SendAsync(stale)).Dispose();
        }

        var dom = await BrowserPage.RenderAsync(new Uri(world.Hub.BaseAddress, "map"), "map-page.png", 412, 1600);

        Assert.Contains("Warm map", dom, StringComparison.Ordinal);
        Assert.Contains("data-station=\"st-hz-01\" data-status=\"open\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-station=\"st-hz-02\" data-status=\"closed\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-station=\"st-hz-03\" data-status=\"stale\"", dom, StringComparison.Ordinal);
        Assert.Contains("⚡3/8", dom, StringComparison.Ordinal);
        Assert.Contains("⚡?/10", dom, StringComparison.Ordinal);
        Assert.Equal(2, dom.Split("<svg", StringSplitOptions.None).Length - 1);
        Assert.Equal(8, dom.Split("<circle", StringSplitOptions.None).Length - 1);
        Assert.All(System.Text.RegularExpressions.Regex.Matches(dom, "<script[^>]*>").Select(m => m.Value), tag => Assert.Matches("^<script (src=\"/map/assets/map\\.js\\?v=[0-9a-f]+\" defer(=\"\")?|type=\"application/json\" id=\"map-config\")>$", tag));
    }

    private static async Task<List<(string Id, double? Distance)>> IdsAsync(HubScenario world, string query)
    {
        using var response = await world.Hub.Client.GetAsync("api/v1/stations?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var collection = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. collection.GetProperty("features").EnumerateArray().Select(f => (
            f.GetProperty("id").GetString()!,
            f.GetProperty("properties").TryGetProperty("distanceMeters", out var d) ? d.GetDouble() : (double?)null))];
    }
}
