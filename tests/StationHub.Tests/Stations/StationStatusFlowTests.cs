using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Stations;

/// <summary>
/// Live station status over real HTTP: a station's PUT and its platform's signed webhook go in, the
/// GeoJSON map shows them, the subscribed platform hears of openings, closings, chargers running out
/// and stations going stale, and every bad form of the input is refused with its field named.
/// </summary>
[RunsLong(19)]
public sealed class StationStatusFlowTests
{
    private const string StatusEvent = "station.status_changed";

    [Fact]
    public async Task A_report_shows_on_the_map_and_the_subscribed_platform_is_told_once()
    {
        await using var world = await HubScenario.StartAsync();
        var observedAt = world.Clock.GetUtcNow().AddSeconds(-5);

        using var response = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(open: true, free: 3, total: 8, observedAt, seats: (5, 12)));
        using var again = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(open: true, free: 3, total: 8, observedAt, seats: (5, 12)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("applied").GetBoolean());
        Assert.True(answer.GetProperty("openNow").GetBoolean());
        Assert.Equal(3, answer.GetProperty("chargers").GetProperty("free").GetInt32());
        Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").GetBoolean());

        var feature = await FeatureAsync(world, TestRegistry.Station);
        var properties = feature.GetProperty("properties");
        Assert.Equal("Point", feature.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(120.164, feature.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), 3);
        Assert.Equal("open", properties.GetProperty("status").GetString());
        Assert.True(properties.GetProperty("openNow").GetBoolean());
        Assert.False(properties.GetProperty("stale").GetBoolean());
        Assert.Equal(3, properties.GetProperty("chargers").GetProperty("free").GetInt32());
        Assert.Equal(8, properties.GetProperty("chargers").GetProperty("total").GetInt32());
        Assert.Equal(5, properties.GetProperty("seats").GetProperty("free").GetInt32());
        Assert.Equal("Mo-Su 07:00-23:00", properties.GetProperty("openingHours").GetString());
        Assert.Contains(properties.GetProperty("services").EnumerateArray(), s => s.GetProperty("code").GetString() == "legal_advice" && s.GetProperty("kind").GetString() == "extra");

        await world.Platform.WaitForAsync(r => r.Count(IsStatusNotice) >= 1);
        await world.QuietAsync();
        var notice = Assert.Single(world.Platform.All, IsStatusNotice);
        Assert.True(world.PlatformSigner.Verify(notice.WebhookId, notice.Header("webhook-timestamp"), notice.Header("webhook-signature"), notice.Body, world.Clock.GetUtcNow()).IsValid);
        var data = JsonDocument.Parse(notice.Body).RootElement.GetProperty("data");
        Assert.Equal("open", data.GetProperty("status").GetString());
        Assert.Equal("opened", data.GetProperty("reason").GetString());
        Assert.Equal(TestRegistry.Station, data.GetProperty("stationId").GetString());
        Assert.Empty(world.OtherPlatform.All);
    }

    [Fact]
    public async Task Platforms_hear_of_chargers_running_out_and_closing_but_not_of_three_becoming_four()
    {
        // No coalescing window, and each report waits for what it should be told: every change is its own notice.
        await using var world = await HubScenario.StartAsync(configure: s => s["Stations:NoticeWindow"] = "00:00:00");
        var at = world.Clock.GetUtcNow().AddMinutes(-4);

        foreach (var (open, free, seconds, told) in new[] { (true, 3, 0, 1), (true, 4, 10, 1), (true, 0, 20, 2), (true, 0, 30, 2), (true, 2, 40, 3), (false, 2, 50, 4) })
        {
            using var response = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(open, free, 8, at.AddSeconds(seconds)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await world.Platform.WaitForAsync(r => r.Count(IsStatusNotice) >= told);
        }

        // An older observation than the stored one changes nothing and gets the current state back.
        using var late = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 7, 8, at.AddSeconds(45)));
        var current = await late.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(current.GetProperty("applied").GetBoolean());
        Assert.False(current.GetProperty("open").GetBoolean());
        Assert.Equal(2, current.GetProperty("chargers").GetProperty("free").GetInt32());

        await world.Platform.WaitForAsync(r => r.Count(IsStatusNotice) >= 4);
        await world.QuietAsync();
        var reasons = world.Platform.All.Where(IsStatusNotice)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data"))
            .OrderBy(d => d.GetProperty("observedAt").GetString(), StringComparer.Ordinal)
            .Select(d => d.GetProperty("reason").GetString())
            .ToList();
        Assert.Equal(["opened", "chargers_full", "chargers_available", "closed"], reasons);
    }

    [Fact]
    public async Task A_station_without_reports_goes_stale_its_free_counts_unknown_and_its_platform_is_told()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["Stations:StaleAfter"] = "00:01:00");
        using var response = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, Status(true, 3, 8, world.Clock.GetUtcNow().AddSeconds(-5)));
        Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stale").GetBoolean());
        await world.Platform.WaitForAsync(r => r.Count(IsStatusNotice) >= 1);

        // A minute and more without a report, on the hub's clock.
        world.AdvanceClock(TimeSpan.FromMinutes(2));
        using var run = await world.Hub.RunNowAsync(FunctionNames.MarkStaleStations);
        PlatformRetries.AssertAccepted(run);

        var notices = await world.Platform.WaitForAsync(r => r.Count(IsStatusNotice) >= 2);
        var stale = JsonDocument.Parse(notices.Where(IsStatusNotice).Last().Body).RootElement.GetProperty("data");
        Assert.Equal("stale", stale.GetProperty("status").GetString());
        Assert.Equal("went_stale", stale.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, stale.GetProperty("chargers").GetProperty("free").ValueKind);
        var properties = (await FeatureAsync(world, TestRegistry.Station)).GetProperty("properties");
        Assert.True(properties.GetProperty("stale").GetBoolean());
        Assert.Equal("stale", properties.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, properties.GetProperty("chargers").GetProperty("free").ValueKind);
        Assert.Equal(8, properties.GetProperty("chargers").GetProperty("total").GetInt32());
        Assert.Equal(properties.GetProperty("scheduledOpen").GetBoolean(), properties.GetProperty("openNow").GetBoolean());
    }

    [Fact]
    public async Task The_platform_that_runs_a_station_reports_by_signed_webhook_and_no_other_may()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var at = world.Clock.GetUtcNow().AddSeconds(-2);

        using var accepted = await PostWebhookAsync(world, Envelope("st-hz-03", Status(true, 6, 10, at)));
        using var notItsStation = await PostWebhookAsync(world, Envelope(TestRegistry.OtherStation, Status(true, 6, 10, at)));
        using var unknownStation = await PostWebhookAsync(world, Envelope("st-nowhere", Status(true, 6, 10, at)));
        using var wrongType = await PostWebhookAsync(world, Envelope("st-hz-03", Status(true, 6, 10, at)).Replace("station.status", "station.opened", StringComparison.Ordinal));
        using var unknownPlatform = await world.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/nobody/station-status", Envelope("st-hz-03", Status(true, 6, 10, at)), world.PlatformSigner));
        using var badSignature = await world.Hub.Client.SendAsync(Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/station-status", Envelope("st-hz-03", Status(true, 6, 10, at)), new StationHub.Platform.Webhooks.StandardWebhook(world.Registry.OtherPlatformSecret)));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.True((await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, notItsStation.StatusCode);
        await AssertFieldErrorAsync(unknownStation, "data.stationId");
        await AssertFieldErrorAsync(wrongType, "type");
        Assert.Equal(HttpStatusCode.NotFound, unknownPlatform.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badSignature.StatusCode);
        var properties = (await FeatureAsync(world, "st-hz-03")).GetProperty("properties");
        Assert.Equal(6, properties.GetProperty("chargers").GetProperty("free").GetInt32());
        Assert.Equal("24/7", properties.GetProperty("openingHours").GetString());
    }

    [Theory]
    [InlineData("""{"chargers":{"free":1,"total":2},"observedAt":"{now}"}""", "open")]
    [InlineData("""{"open":"yes","chargers":{"free":1,"total":2},"observedAt":"{now}"}""", "open")]
    [InlineData("""{"open":true,"observedAt":"{now}"}""", "chargers")]
    [InlineData("""{"open":true,"chargers":[1,2],"observedAt":"{now}"}""", "chargers")]
    [InlineData("""{"open":true,"chargers":{"total":2},"observedAt":"{now}"}""", "chargers.free")]
    [InlineData("""{"open":true,"chargers":{"free":1.5,"total":2},"observedAt":"{now}"}""", "chargers.free")]
    [InlineData("""{"open":true,"chargers":{"free":-1,"total":2},"observedAt":"{now}"}""", "chargers.free")]
    [InlineData("""{"open":true,"chargers":{"free":3,"total":2},"observedAt":"{now}"}""", "chargers.free")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":100000},"observedAt":"{now}"}""", "chargers.total")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"seats":{"free":9,"total":4},"observedAt":"{now}"}""", "seats.free")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"seats":"many","observedAt":"{now}"}""", "seats")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2}}""", "observedAt")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"observedAt":"2026-11-22 08:00"}""", "observedAt")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"observedAt":"2026-11-22T08:00:00"}""", "observedAt")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"observedAt":"{future}"}""", "observedAt")]
    [InlineData("""{"open":true,"chargers":{"free":1,"total":2},"observedAt":"{old}"}""", "observedAt")]
    public async Task A_bad_status_is_a_400_naming_the_field(string body, string field)
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var now = world.Clock.GetUtcNow();
        var text = body.Replace("{now}", Iso(now), StringComparison.Ordinal)
            .Replace("{future}", Iso(now.AddMinutes(30)), StringComparison.Ordinal)
            .Replace("{old}", Iso(now.AddDays(-2)), StringComparison.Ordinal);

        using var put = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, text);
        using var webhook = await PostWebhookAsync(world, "{\"type\":\"station.status\",\"timestamp\":\"" + Iso(now) + "\",\"data\":" + text.Insert(1, "\"stationId\":\"st-hz-01\",") + "}");

        await AssertFieldErrorAsync(put, field);
        await AssertFieldErrorAsync(webhook, "data." + field);
        var properties = (await FeatureAsync(world, TestRegistry.Station)).GetProperty("properties");
        Assert.Equal(JsonValueKind.Null, properties.GetProperty("lastUpdated").ValueKind);
    }

    [Fact]
    public async Task The_status_route_refuses_bad_keys_bodies_and_stations_as_the_other_station_routes_do()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        var body = Status(true, 1, 2, world.Clock.GetUtcNow());

        using var noKey = await PutStatusAsync(world, TestRegistry.Station, null, body);
        using var wrongKey = await PutStatusAsync(world, TestRegistry.Station, "not-a-key", body);
        using var platformKey = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.PlatformKey, body);
        using var otherStation = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.OtherStationKey, body);
        using var notJson = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, body, "text/plain");
        using var badJson = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, "{\"open\":");
        using var notObject = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, "[1,2]");
        using var tooLarge = await PutStatusAsync(world, TestRegistry.Station, TestRegistry.StationKey, "{\"pad\":\"" + new string('x', 70_000) + "\"}");
        using var post = await world.Hub.Client.PostAsync($"api/v1/stations/{TestRegistry.Station}/status", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, platformKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherStation.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        foreach (var answer in new[] { noKey, otherStation, notJson, badJson, tooLarge, post })
        {
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_chunked_status_without_Content_Length_is_read()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/stations/{TestRegistry.Station}/status")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Status(true, 1, 2, world.Clock.GetUtcNow())))),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("x-api-key", TestRegistry.StationKey);

        using var response = await world.Hub.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applied").GetBoolean());
    }

    internal static string Status(bool open, int free, int total, DateTimeOffset observedAt, (int Free, int Total)? seats = null) =>
        "{\"open\":" + (open ? "true" : "false") + ",\"chargers\":{\"free\":" + free.ToString(CultureInfo.InvariantCulture) + ",\"total\":" + total.ToString(CultureInfo.InvariantCulture) + "}"
        + (seats is { } s ? ",\"seats\":{\"free\":" + s.Free.ToString(CultureInfo.InvariantCulture) + ",\"total\":" + s.Total.ToString(CultureInfo.InvariantCulture) + "}" : string.Empty)
        + ",\"observedAt\":\"" + Iso(observedAt) + "\"}";

    internal static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    internal static async Task<HttpResponseMessage> PutStatusAsync(HubScenario world, string stationId, string? key, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/stations/{stationId}/status") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return await world.Hub.Client.SendAsync(request);
    }

    internal static async Task<JsonElement> FeatureAsync(HubScenario world, string stationId)
    {
        var map = await world.Hub.Client.GetFromJsonAsync<JsonElement>("api/v1/stations?limit=10000");
        return map.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == stationId);
    }

    private static Task<HttpResponseMessage> PostWebhookAsync(HubScenario world, string body) =>
        world.Hub.Client.SendAsync(Webhooks.Signed($"api/v1/platforms/{TestRegistry.Platform}/station-status", body, world.PlatformSigner));

    private static string Envelope(string stationId, string status) =>
        "{\"type\":\"station.status\",\"timestamp\":\"" + Iso(TimeProvider.System.GetUtcNow()) + "\",\"data\":" + status.Insert(1, "\"stationId\":\"" + stationId + "\",") + "}";

    private static bool IsStatusNotice(Received received) => received.Text.Contains(StatusEvent, StringComparison.Ordinal);

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }
}
