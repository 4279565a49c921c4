using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.Ledger;
using StationHub.Platform.Http;
using StationHub.Tenants;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Tenants;

/// <summary>
/// <c>POST /api/v1/admin/stations/import</c> end to end over HTTP: 2,000 stations in a GeoJSON
/// FeatureCollection are checked, stored as one change and served on the warm map (the time is the
/// benchmark's to measure, <c>--parts import</c>); a bad feature is a 400 naming its index and field
/// and nothing is stored; a failure part-way leaves nothing visible to any host; the route takes more
/// than 64 KiB (its own limit, 8 MiB) and only the admin key.
/// </summary>
[RunsLong(13)]
public sealed class StationImportTests
{
    private const string Route = "api/v1/admin/stations/import";

    [Fact]
    public async Task Two_thousand_stations_are_imported_over_http_and_served_on_the_map()
    {
        await using var world = await HubScenario.StartAsync();
        await AddCityAsync(world);
        var body = StationCollections.Build("imp", 2_000);
        Assert.True(Encoding.UTF8.GetByteCount(body) > RequestBody.MaxBytes, "the import must be over the 64 KiB other routes take");

        using var imported = await PostAsync(world.Hub.Client, body, "application/geo+json");
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var answer = await imported.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2_000, answer.GetProperty("stations").GetInt32());
        Assert.Equal(2_000, answer.GetProperty("created").GetInt32());

        // One of them, found on the warm map by where it stands; its fields are the feature's.
        var (lat, lon) = StationCollections.Position(1_234);
        var near = await world.Hub.Client.GetFromJsonAsync<JsonElement>(string.Create(CultureInfo.InvariantCulture, $"api/v1/stations?near={lat},{lon}&limit=1"));
        var feature = Assert.Single(near.GetProperty("features").EnumerateArray());
        Assert.Equal(StationCollections.Id("imp", 1_234), feature.GetProperty("id").GetString());
        Assert.Equal("Rider Station 1234", feature.GetProperty("properties").GetProperty("name").GetString());
        var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");
        Assert.Equal(lon, coordinates[0].GetDouble(), 6);
        Assert.Equal(lat, coordinates[1].GetDouble(), 6);
        var all = await world.Hub.Client.GetFromJsonAsync<JsonElement>("api/v1/stations?limit=10000");
        Assert.Equal(2_000, all.GetProperty("features").EnumerateArray().Count(f => f.GetProperty("id").GetString()!.StartsWith("imp-", StringComparison.Ordinal)));

        // Imported again with one name changed: every station replaced, none created; the map shows the new name.
        using var again = await PostAsync(world.Hub.Client, body.Replace("\"Rider Station 7\"", "\"Renamed Station 7\"", StringComparison.Ordinal), "application/json");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2_000, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replaced").GetInt32());
        using var seven = await GetAsync(world.Hub.Client, "api/v1/admin/stations/" + StationCollections.Id("imp", 7));
        Assert.Contains("Renamed Station 7", await seven.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Each import is one registry.changed fact per station whose entry changed (2,000, then 1).
        await world.Hub.Get<LedgerSealer>().CompileTodayAsync();
        var day = LedgerStore.Key(world.Hub.Get<LedgerSealer>().Today);
        var draft = await world.Hub.Client.GetFromJsonAsync<JsonElement>($"api/v1/ledger/{day}");
        var figures = draft.GetProperty("figures");
        Assert.Equal(2_001, figures.GetProperty(LedgerDay.TotalScope).GetProperty(LedgerKinds.RegistryChanged).GetInt64());
        var stations = figures.GetProperty(LedgerScopes.Registry("station"));
        Assert.Equal(2_000 + 2, stations.EnumerateObject().Count());
        Assert.True(stations.GetProperty(RegistryLedgerSection.EntryVersion(StationCollections.Id("imp", 7))).GetInt64() > stations.GetProperty(RegistryLedgerSection.EntryVersion(StationCollections.Id("imp", 8))).GetInt64());
    }

    [Fact]
    public async Task A_bad_feature_is_a_400_naming_its_index_and_field_and_nothing_is_stored()
    {
        await using var world = await HubScenario.StartAsync();
        await AddCityAsync(world);
        var good = StationCollections.Build("bad", 300);

        // Feature 5 stands outside its district (the whole registry's check), feature 9 has no id, feature 12 no name.
        var outside = good.Replace(Coordinates(5), "[121.5,29.9]", StringComparison.Ordinal);
        using (var refused = await PostAsync(world.Hub.Client, outside, "application/geo+json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal(["features[5].geometry"], errors.EnumerateObject().Select(e => e.Name).ToArray());
        }

        var broken = good
            .Replace("\"properties\":{\"id\":\"bad-00009\",", "\"properties\":{", StringComparison.Ordinal)
            .Replace("\"name\":\"Rider Station 12\",", string.Empty, StringComparison.Ordinal)
            .Replace(Coordinates(20), "[\"east\",28.0]", StringComparison.Ordinal)
            .Replace("\"id\":\"bad-00030\"", "\"id\":\"bad-00028\"", StringComparison.Ordinal);
        using (var refused = await PostAsync(world.Hub.Client, broken, "application/geo+json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal(
                ["features[12].properties.name", "features[20].geometry.coordinates", "features[30].id", "features[9].id"],
                errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal).ToArray());
        }

        using (var notCollection = await PostAsync(world.Hub.Client, """{ "type": "Feature", "features": [] }""", "application/geo+json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notCollection.StatusCode);
            Assert.True((await notCollection.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("type", out _));
        }

        foreach (var i in new[] { 0, 5, 299 })
        {
            using var absent = await GetAsync(world.Hub.Client, "api/v1/admin/stations/" + StationCollections.Id("bad", i));
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }
    }

    [Fact]
    public async Task Only_the_admin_key_json_and_8_MiB_are_taken()
    {
        await using var world = await HubScenario.StartAsync();
        var body = StationCollections.Build("auth", 3);
        using (var platformKey = await PostAsync(world.Hub.Client, body, "application/geo+json", TestRegistry.PlatformKey))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, platformKey.StatusCode);
        }

        using (var none = await PostAsync(world.Hub.Client, body, "application/geo+json", key: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }

        using (var text = await PostAsync(world.Hub.Client, body, "text/plain"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        }

        // Over the route's 8 MiB, chunked (no Content-Length to refuse it by): 413 naming the limit.
        var huge = "{\"type\":\"FeatureCollection\",\"features\":[],\"pad\":\"" + new string('x', StationImport.MaxBodyBytes) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = new ChunkedContent(Encoding.UTF8.GetBytes(huge)) };
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        using var tooLarge = await world.Hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains(StationImport.MaxBodyBytes.ToString(CultureInfo.InvariantCulture), await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_that_fails_part_way_leaves_nothing_any_host_can_see()
    {
        await using var azurite = await Azurite.GatedAsync();
        // Only this test's requests reach the tables: no queue or timer function, no registry poll after the first.
        await using var world = await HubScenario.StartBehindGatesAsync(azurite, triggers: false);
        world.PlatformRetries = false;
        await Eventually.UntilAsync(() => Task.FromResult(world.Hub.Get<RegistryStore>().Version > 0), "the hub has not read the registry");
        await AddCityAsync(world);

        // The table service goes away after the version read and ten transactions' worth of the 2,000 stations' 20
        // (the gate counts a batch and each of its 100 operations). Four are sent at once, and the gate cuts
        // every open connection when it closes, so at least six reached storage whole.
        azurite.TableGate.CloseAfterRequests(1 + (10 * 101));
        using (var failed = await PostAsync(world.Hub.Client, StationCollections.Build("cut", 2_000), "application/geo+json"))
        {
            Assert.NotEqual(HttpStatusCode.OK, failed.StatusCode);
        }

        azurite.TableGate.Reopen();

        // Part of it reached storage, staged; none of it is an entry.
        var registry = world.Storage.Hub.Table(Tables.Registry);
        var rows = new List<TableEntity>();
        await foreach (var row in registry.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RegistryStore.Partition}")))
        {
            rows.Add(row);
        }

        Assert.DoesNotContain(rows, row => row.RowKey.StartsWith("station:cut-", StringComparison.Ordinal));
        Assert.True(rows.Any(row => row.RowKey.StartsWith(RegistryStore.StagePrefix, StringComparison.Ordinal)), world.Log.ToString());

        // A host that reads the registry from storage now, and after another change, serves none of it.
        await using var child = await world.StartChildHostAsync(s => s["Registry:PollInterval"] = "00:00:01");
        using var other = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using (var station = await SendAsync(world.Hub.Client, HttpMethod.Put, "api/v1/admin/stations/after-cut", """{ "name": "After", "district": "330302", "location": { "lat": 28.05, "lon": 120.71 } }"""))
        {
            Assert.Equal(HttpStatusCode.Created, station.StatusCode);
        }

        await Eventually.UntilAsync(async () => (await other.GetStringAsync("api/v1/stations?limit=10000")).Contains("\"after-cut\"", StringComparison.Ordinal), "the next change is not served", TimeSpan.FromSeconds(10));
        foreach (var host in new[] { world.Hub.Client, other })
        {
            var map = await host.GetStringAsync("api/v1/stations?limit=10000");
            Assert.DoesNotContain("\"cut-", map, StringComparison.Ordinal);
            using var absent = await GetAsync(host, "api/v1/admin/stations/" + StationCollections.Id("cut", 0));
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }
    }

    private static string Coordinates(int i)
    {
        var (lat, lon) = StationCollections.Position(i);
        return string.Create(CultureInfo.InvariantCulture, $"[{lon:0.000000},{lat:0.000000}]");
    }

    private static async Task AddCityAsync(HubScenario world)
    {
        using var city = await SendAsync(world.Hub.Client, HttpMethod.Put, "api/v1/admin/cities/wenzhou", StationCollections.City(world.City.Url("city/webhooks").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Created, city.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient host, string body, string contentType, string? key = TestRegistry.AdminKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return await host.SendAsync(request);
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient host, string path) => SendAsync(host, HttpMethod.Get, path);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient host, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        return await host.SendAsync(request);
    }

    /// <summary>A body sent chunked, without a Content-Length.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
