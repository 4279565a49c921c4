using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Platform.Registry;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.HazardReports;

/// <summary>Issue 14 over real HTTP: duplicates linked, reports reopened, responsible bodies.</summary>
[RunsLong(17)]
public sealed class ReportLoopTests
{
    // About 20 m north of the default test location (30.25, 120.18).
    private const double NearLat = 30.25018;

    [Fact]
    public async Task A_report_near_an_open_one_is_linked_not_sent_again_and_hears_the_originals_updates()
    {
        await using var world = await HubScenario.StartAsync();
        var original = await world.AcceptReportAsync("r-first", lat: 30.25, lon: 120.18);
        await world.City.WaitForAsync(r => r.Count >= 1);
        await world.WaitForStatusAsync(original, "routed");

        using var second = await world.PostReportAsync(Webhooks.HazardReport("r-second", courierId: "courier-7", lat: NearLat, lon: 120.18));
        PlatformRetries.AssertAccepted(second);
        var answer = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(answer.TryGetProperty("duplicateOf", out _));
        var linked = answer.GetProperty("hubId").GetString()!;

        // Another category at the same place is its own report.
        using var otherPosted = await world.PostReportAsync(Webhooks.HazardReport("r-other-cat", category: "broken_railing", lat: NearLat, lon: 120.18));
        PlatformRetries.AssertAccepted(otherPosted);
        var other = (await otherPosted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;

        // Decided behind the queue: the status resource names the original, and the platform hears hazard_report.linked.
        var linkedStatus = await world.WaitForStatusAsync(linked, "routed");
        Assert.Equal(original, linkedStatus.GetProperty("duplicateOf").GetString());
        var linkedNotice = (await world.Platform.WaitForAsync(r => r.Any(x => x.Text.Contains("hazard_report.linked", StringComparison.Ordinal))))
            .Single(x => x.Text.Contains("hazard_report.linked", StringComparison.Ordinal));
        Assert.True(world.PlatformSigner.Verify(linkedNotice.WebhookId, linkedNotice.Header("webhook-timestamp"), linkedNotice.Header("webhook-signature"), linkedNotice.Body, TimeProvider.System.GetUtcNow()).IsValid);
        using (var notice = JsonDocument.Parse(linkedNotice.Body))
        {
            var data = notice.RootElement.GetProperty("data");
            Assert.Equal(linked, data.GetProperty("hubId").GetString());
            Assert.Equal("r-second", data.GetProperty("reportId").GetString());
            Assert.Equal(original, data.GetProperty("duplicateOf").GetString());
        }

        Assert.False((await world.WaitForStatusAsync(other, "routed")).TryGetProperty("duplicateOf", out _));
        await world.City.WaitForAsync(r => r.Count >= 2);
        await world.QuietAsync();
        Assert.DoesNotContain(world.City.All, r => r.Text.Contains(linked, StringComparison.Ordinal));

        // The city's view of the original counts the linked report; the linked one is not in its view.
        var view = await ReadRequestAsync(world, original, TestRegistry.WebhookCityKey);
        Assert.Equal(1, view.GetProperty("linked_reports").GetInt32());
        using (var hidden = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{linked}.json?api_key={TestRegistry.WebhookCityKey}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        // A repeat of the linked report gets the same answer.
        using (var repeat = await world.PostReportAsync(Webhooks.HazardReport("r-second", courierId: "courier-7", lat: NearLat, lon: 120.18)))
        {
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
            Assert.Equal(linked, (await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString());
        }

        using (var resolved = await world.PostCityUpdateAsync(original, "u-res", "resolved", note: "Cleared"))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        var updates = await world.Platform.WaitForAsync(r => ReportIdsUpdated(r).Count >= 2);
        Assert.Equal(["r-first", "r-second"], [.. ReportIdsUpdated(updates).Order(StringComparer.Ordinal)]);
        await world.WaitForStatusAsync(linked, "resolved");

        // The first reporter earns snapshot_report; the linked one the catalog's snapshot_confirmation.
        var notices = await world.Platform.WaitForAsync(r => r.Count(x => x.Text.Contains("points.balance_changed", StringComparison.Ordinal)) >= 2);
        Assert.Contains(notices, r => r.Text.Contains("snapshot_confirmation", StringComparison.Ordinal) && r.Text.Contains("r-second", StringComparison.Ordinal));
        Assert.Contains(notices, r => r.Text.Contains("snapshot_report", StringComparison.Ordinal) && r.Text.Contains("r-first", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_city_can_link_a_report_to_another_of_its_own()
    {
        await using var world = await HubScenario.StartAsync();
        var original = await world.AcceptReportAsync("r-city-a");
        var other = await world.AcceptReportAsync("r-city-b", lat: 30.26, lon: 120.19);
        await world.WaitForStatusAsync(original, "routed");
        await world.WaitForStatusAsync(other, "routed");

        using var link = await PostDuplicateAsync(world, other, original);
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        await WaitForAsync(async () => (await ReadRequestAsync(world, original, TestRegistry.WebhookCityKey)).GetProperty("linked_reports").GetInt32() == 1);

        using (var ack = await world.PostCityUpdateAsync(original, "u-ack", "acknowledged"))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        var received = await world.Platform.WaitForAsync(r => r.Any(x => x.Text.Contains("\"u-ack\"", StringComparison.Ordinal) && x.Text.Contains("r-city-b", StringComparison.Ordinal)));
        Assert.Contains(received, r => r.Text.Contains("\"duplicate\"", StringComparison.Ordinal) && r.Text.Contains(original, StringComparison.Ordinal));
    }

    [Fact]
    public Task Two_reports_of_one_place_at_one_instant_on_two_hosts_end_as_one_original() =>
        RaceAsync(i => (30.23 + (i * 0.004), 120.18, 30.23 + (i * 0.004) + 0.00005, 120.18));

    [Fact]
    public Task Two_reports_either_side_of_a_cell_edge_at_one_instant_on_two_hosts_end_as_one_original()
    {
        // Two metres apart, in two cells of the duplicate grid (a row edge, or a column edge): each claim reads only
        // its own cell, and holds the other's in its block.
        const double Radius = HazardCategory.DefaultDuplicateRadiusMeters;
        const double LatStep = 2 * Radius / 110_000;
        const double LonStep = 2 * LatStep;
        return RaceAsync(i =>
        {
            var lat = Math.Ceiling((30.231 + (i * 0.004)) / LatStep) * LatStep;
            var lon = Math.Ceiling(120.17 / LonStep) * LonStep;
            var pair = i % 2 == 0
                ? (lat - 0.00001, 120.1705, lat + 0.00001, 120.1705)
                : (30.2305 + (i * 0.004), lon - 0.00001, 30.2305 + (i * 0.004), lon + 0.00001);
            var (a, b) = (DuplicateClaims.BlockOf(pair.Item1, pair.Item2, (int)Radius), DuplicateClaims.BlockOf(pair.Item3, pair.Item4, (int)Radius));
            Assert.NotEqual((a.Y, a.X), (b.Y, b.X));
            return pair;
        });
    }

    [Fact]
    public Task Two_reports_either_side_of_a_tile_edge_at_one_instant_on_two_hosts_end_as_one_original()
    {
        // Two metres apart across the edge of a tile (a partition of the grid of its own): a row edge, a column edge,
        // or a corner of four tiles. Each report's own cell lies in another tile than the other's, so the claims meet
        // only through their locks.
        const int Radius = HazardCategory.DefaultDuplicateRadiusMeters;
        const double TileHeight = DuplicateClaims.TileCells * 2.0 * Radius / 110_000;
        const double TileWidth = 2 * TileHeight;
        var (rowEdge, rowEdge2) = (Math.Ceiling(30.25 / TileHeight) * TileHeight, Math.Ceiling(30.275 / TileHeight) * TileHeight);
        var columnEdge = Math.Ceiling(120.2 / TileWidth) * TileWidth;
        (double, double, double, double)[] pairs =
        [
            (rowEdge - 0.00001, 120.17, rowEdge + 0.00001, 120.17),
            (rowEdge - 0.00001, 120.18, rowEdge + 0.00001, 120.18),
            (30.24, columnEdge - 0.00001, 30.24, columnEdge + 0.00001),
            (30.245, columnEdge - 0.00001, 30.245, columnEdge + 0.00001),
            (rowEdge - 0.00001, columnEdge - 0.00001, rowEdge + 0.00001, columnEdge + 0.00001),
            (rowEdge2 + 0.00001, columnEdge - 0.00001, rowEdge2 - 0.00001, columnEdge + 0.00001),
        ];
        foreach (var (latA, lonA, latB, lonB) in pairs)
        {
            var (a, b) = (DuplicateClaims.BlockOf(latA, lonA, Radius), DuplicateClaims.BlockOf(latB, lonB, Radius));
            Assert.NotEqual(DuplicateClaims.TileOf(a.Y, a.X), DuplicateClaims.TileOf(b.Y, b.X));
        }

        return RaceAsync(i => pairs[i]);
    }

    /// <summary>Pairs of reports (each pair within the radius), the two of a pair posted at once to two hosts: each pair ends as one original and one linked.</summary>
    private static async Task RaceAsync(Func<int, (double LatA, double LonA, double LatB, double LonB)> places)
    {
        await using var world = await HubScenario.StartAsync();
        var second = await world.StartHubAsync();
        const int Pairs = 6;
        var tasks = new List<Task<JsonElement>>();
        for (var i = 0; i < Pairs; i++)
        {
            var (latA, lonA, latB, lonB) = places(i);
            tasks.Add(PostAsync(world.Hub.Client, $"race-{i}-a", latA, lonA));
            tasks.Add(PostAsync(second.Client, $"race-{i}-b", latB, lonB));
        }

        var answers = await Task.WhenAll(tasks);

        // Each host's router judges the report it took: the two of each pair still end as one original and one linked.
        for (var i = 0; i < Pairs; i++)
        {
            var a = await world.WaitForStatusAsync(answers[2 * i].GetProperty("hubId").GetString()!, "routed");
            var b = await world.WaitForStatusAsync(answers[(2 * i) + 1].GetProperty("hubId").GetString()!, "routed");
            var links = new[] { a, b }.Count(x => x.TryGetProperty("duplicateOf", out _));
            Assert.Equal(1, links);
            var (linked, first) = a.TryGetProperty("duplicateOf", out _) ? (a, b) : (b, a);
            Assert.Equal(first.GetProperty("hubId").GetString(), linked.GetProperty("duplicateOf").GetString());
        }

        // One delivery to the city per original, each sent once a try (a try timed out on may have arrived: at least once).
        await world.City.WaitForAsync(r => r.DistinctBy(x => x.WebhookId).Count() >= Pairs);
        await world.QuietAsync();
        var deliveries = world.City.All.Select(r => r.WebhookId).Distinct().ToList();
        Assert.Equal(Pairs, deliveries.Count);
        foreach (var deliveryId in deliveries)
        {
            await world.AssertCitySentOncePerTryAsync(deliveryId);
        }

        async Task<JsonElement> PostAsync(HttpClient client, string reportId, double lat, double lon)
        {
            using var response = await client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport(reportId, lat: lat, lon: lon), world.PlatformSigner));
            PlatformRetries.AssertAccepted(response);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
    }

    [Fact]
    public async Task A_resolved_report_reopened_by_the_platform_goes_back_to_the_city_and_is_counted()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await world.AcceptReportAsync("r-reopen");
        await world.WaitForStatusAsync(hubId, "routed");

        using (var early = await PostReopenAsync(world, "r-reopen", "msg_reopen_early"))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        using (var resolved = await world.PostCityUpdateAsync(hubId, "u-r1", "resolved", note: "Cleared"))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        using var reopened = await PostReopenAsync(world, "r-reopen", "msg_reopen");
        PlatformRetries.AssertAccepted(reopened);
        using var again = await PostReopenAsync(world, "r-reopen", "msg_reopen");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var atCity = await world.City.WaitForAsync(r => r.Any(x => x.Text.Contains("hazard_report.reopened", StringComparison.Ordinal)));
        var reopen = atCity.Single(x => x.Text.Contains("hazard_report.reopened", StringComparison.Ordinal));
        using var body = JsonDocument.Parse(reopen.Body);
        Assert.Equal(hubId, body.RootElement.GetProperty("data").GetProperty("service_request_id").GetString());
        Assert.Equal("Still blocked after the city closed it", body.RootElement.GetProperty("data").GetProperty("description").GetString());

        var status = await world.WaitForStatusAsync(hubId, "routed");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("closedAt").ValueKind);
        Assert.Contains(status.GetProperty("updates").EnumerateArray(), u => u.GetProperty("status").GetString() == "reopened");
        Assert.Equal("open", (await ReadRequestAsync(world, hubId, TestRegistry.WebhookCityKey)).GetProperty("status").GetString());

        await WaitForAsync(async () => (await world.Storage.LedgerEntriesAsync()).Any(e => e.Kind == LedgerKinds.ReportReopened && e.Scope == LedgerScopes.District("330102")));

        // The city can answer it again, and resolve it again.
        using (var ack = await world.PostCityUpdateAsync(hubId, "u-r2", "acknowledged"))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }
    }

    [Fact]
    public async Task Reopening_a_report_linked_to_another_is_a_409_that_names_the_original_and_tells_the_city_nothing()
    {
        await using var world = await HubScenario.StartAsync();
        var original = await world.AcceptReportAsync("r-orig-reopen", lat: 30.25, lon: 120.18);
        await world.City.WaitForAsync(r => r.Count >= 1);
        await world.WaitForStatusAsync(original, "routed");
        var linked = await world.AcceptReportAsync("r-dup-reopen", lat: NearLat, lon: 120.18);
        await world.WaitForStatusAsync(linked, "routed");
        using (var resolved = await world.PostCityUpdateAsync(original, "u-orig-res", "resolved", note: "Cleared"))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        // The linked report hears the original's resolution, so it is resolved too.
        await world.WaitForStatusAsync(linked, "resolved");

        using var refused = await PostReopenAsync(world, "r-dup-reopen", "msg_reopen_linked");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(original, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("resolved", (await world.GetStatusAsync(linked)).GetProperty("status").GetString());

        // The original, which the city knows, can be reopened; the city hears of it and of nothing else.
        using (var reopened = await PostReopenAsync(world, "r-orig-reopen", "msg_reopen_original"))
        {
            PlatformRetries.AssertAccepted(reopened);
        }

        await world.City.WaitForAsync(r => r.Any(x => x.Text.Contains("hazard_report.reopened", StringComparison.Ordinal)));
        await world.WaitForStatusAsync(original, "routed");
        var reopenings = world.City.All.Where(x => x.Text.Contains("hazard_report.reopened", StringComparison.Ordinal)).ToList();
        Assert.Contains(original, Assert.Single(reopenings).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(world.City.All, r => r.Text.Contains(linked, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_reads_and_answers_only_its_own_reports()
    {
        await using var world = await HubScenario.StartAsync();
        using var flood = await world.PostReportAsync(Webhooks.HazardReport("r-flood", category: "flooding"));
        var flooding = (await flood.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        var fire = await world.AcceptReportAsync("r-fire", lat: 30.27, lon: 120.2);

        var atBody = await world.City.WaitForAsync(r => r.Any(x => x.Path.Contains(TestRegistry.BodyPath(TestRegistry.WaterBody), StringComparison.Ordinal)));
        var routed = atBody.Single(x => x.Path.Contains(TestRegistry.BodyPath(TestRegistry.WaterBody), StringComparison.Ordinal));
        Assert.True(new StationHub.Platform.Webhooks.StandardWebhook(world.Registry.BodySecret).Verify(
            routed.WebhookId, routed.Header("webhook-timestamp"), routed.Header("webhook-signature"), routed.Body, TimeProvider.System.GetUtcNow()).IsValid);
        using (var data = JsonDocument.Parse(routed.Body))
        {
            Assert.Equal("Hangzhou Water Authority", data.RootElement.GetProperty("data").GetProperty("agency_responsible").GetString());
        }

        await world.WaitForStatusAsync(flooding, "routed");
        await world.WaitForStatusAsync(fire, "routed");

        Assert.Equal("Hangzhou Water Authority", (await ReadRequestAsync(world, flooding, TestRegistry.WaterBodyKey)).GetProperty("agency_responsible").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfReadAsync(world, flooding, TestRegistry.HrBodyKey));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfReadAsync(world, flooding, TestRegistry.WebhookCityKey));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfReadAsync(world, fire, TestRegistry.WaterBodyKey));

        using (var wrongBody = await world.PostCityUpdateAsync(flooding, "u-hr", "acknowledged", cityKey: TestRegistry.HrBodyKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, wrongBody.StatusCode);
        }

        using (var own = await world.PostCityUpdateAsync(flooding, "u-water", "acknowledged", cityKey: TestRegistry.WaterBodyKey))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        await world.WaitForStatusAsync(flooding, "acknowledged");
    }

    [Fact]
    public async Task A_reopening_after_the_categorys_window_is_a_409_and_leaves_the_report_resolved()
    {
        await using var world = await HubScenario.StartAsync(startHub: false);
        world.Registry.Edit(json => json.Replace("\"code\": \"blocked_fire_exit\"", "\"code\": \"blocked_fire_exit\", \"reopenWindowDays\": 0", StringComparison.Ordinal));
        await world.StartHubAsync();
        var hubId = await world.AcceptReportAsync("r-late-reopen");
        await world.WaitForStatusAsync(hubId, "routed");
        using (var resolved = await world.PostCityUpdateAsync(hubId, "u-late", "resolved", note: "Cleared"))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        await Task.Delay(50);
        using var late = await PostReopenAsync(world, "r-late-reopen", "msg_reopen_late");

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        Assert.Contains("within 0 days", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var status = await world.GetStatusAsync(hubId);
        Assert.Equal("resolved", status.GetProperty("status").GetString());
        await world.QuietAsync();
        Assert.DoesNotContain(world.City.All, r => r.Text.Contains("hazard_report.reopened", StringComparison.Ordinal));
        Assert.DoesNotContain(await world.Storage.LedgerEntriesAsync(), e => e.Kind == LedgerKinds.ReportReopened);
    }

    [Fact]
    public async Task A_body_that_takes_Open311_gets_a_GeoReport_form_with_its_own_key_and_its_name()
    {
        await using var world = await HubScenario.StartAsync(startHub: false);
        world.Registry.SendBodyByOpen311(TestRegistry.WaterBody, world.Open311City.Url("water/open311/requests.json"));
        world.Settings[$"Secrets:Bodies:{TestRegistry.WaterBody}:Open311ApiKey"] = TestRegistry.BodyOpen311Key;
        await world.StartHubAsync();

        using var flood = await world.PostReportAsync(Webhooks.HazardReport("r-flood-311", category: "flooding"));
        PlatformRetries.AssertAccepted(flood);
        var hubId = (await flood.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;

        var atBody = (await world.Open311City.WaitForAsync(r => r.Count >= 1)).Single();
        Assert.EndsWith("water/open311/requests.json", atBody.Path, StringComparison.Ordinal);
        Assert.StartsWith("application/x-www-form-urlencoded", atBody.Header("content-type"), StringComparison.Ordinal);
        var form = System.Web.HttpUtility.ParseQueryString(atBody.Text);
        Assert.Equal(TestRegistry.BodyOpen311Key, form["api_key"]);
        Assert.Equal("flooding", form["service_code"]);
        Assert.Equal("Hangzhou Water Authority", form["attribute[agency_responsible]"]);
        Assert.False(string.IsNullOrEmpty(form["attribute[expected_datetime]"]));
        Assert.DoesNotContain(world.City.All, r => r.Text.Contains(hubId, StringComparison.Ordinal));

        // It answers over the same routes as a webhook body, with its own key.
        await world.WaitForStatusAsync(hubId, "routed");
        using (var own = await world.PostCityUpdateAsync(hubId, "u-water-311", "acknowledged", cityKey: TestRegistry.WaterBodyKey))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        await world.WaitForStatusAsync(hubId, "acknowledged");
    }

    [Fact]
    public async Task Requests_xml_keeps_GeoReport_v2_elements_in_order_with_the_new_fields()
    {
        await using var world = await HubScenario.StartAsync();
        var hubId = await world.AcceptReportAsync("r-xml");
        await world.WaitForStatusAsync(hubId, "routed");

        var xml = await world.Hub.Client.GetStringAsync($"api/v1/open311/requests.xml?api_key={TestRegistry.WebhookCityKey}");

        var root = XDocument.Parse(xml).Root!;
        Assert.Equal("service_requests", root.Name.LocalName);
        var request = Assert.Single(root.Elements("request"));
        string[] geoReport =
        [
            "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
            "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
            "lat", "long", "media_url",
        ];
        var names = request.Elements().Select(e => e.Name.LocalName).ToList();
        var standard = names.Where(geoReport.Contains).ToList();
        Assert.Equal(geoReport.Where(standard.Contains), standard);
        Assert.Equal(names.Take(standard.Count), standard);
        Assert.Equal("Hangzhou", request.Element("agency_responsible")!.Value);
        Assert.True(DateTimeOffset.TryParse(request.Element("expected_datetime")!.Value, System.Globalization.CultureInfo.InvariantCulture, out var expected));
        Assert.True(expected > DateTimeOffset.Parse(request.Element("requested_datetime")!.Value, System.Globalization.CultureInfo.InvariantCulture).AddHours(23));
        Assert.Equal("0", request.Element("linked_reports")!.Value);
    }

    private static List<string> ReportIdsUpdated(IReadOnlyList<Received> received) =>
        [.. received.Where(r => r.Text.Contains("hazard_report.updated", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("reportId").GetString()!)];

    private static async Task<JsonElement> ReadRequestAsync(HubScenario world, string hubId, string key)
    {
        using var response = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{hubId}.json?api_key={key}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single();
    }

    private static async Task<HttpStatusCode> StatusOfReadAsync(HubScenario world, string hubId, string key)
    {
        using var response = await world.Hub.Client.GetAsync($"api/v1/open311/requests/{hubId}.json?api_key={key}");
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> PostReopenAsync(HubScenario world, string reportId, string webhookId) =>
        world.PostReportAsync(
            "{\"type\":\"hazard_report.reopened\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
            $"\"reportId\":\"{reportId}\",\"note\":\"Still blocked after the city closed it\",\"observedAt\":\"{StationHub.Platform.Json.IsoTimestamp.Format(TimeProvider.System.GetUtcNow())}\"}}}}",
            webhookId);

    private static async Task<HttpResponseMessage> PostDuplicateAsync(HubScenario world, string hubId, string original)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates")
        {
            Content = JsonContent.Create(new { updateId = "u-dup", status = "duplicate", duplicateOf = original, updatedAt = StationHub.Platform.Json.IsoTimestamp.Format(TimeProvider.System.GetUtcNow()) }),
        };
        request.Headers.Add("x-api-key", TestRegistry.WebhookCityKey);
        return await world.Hub.Client.SendAsync(request);
    }

    private static Task WaitForAsync(Func<Task<bool>> done) => Eventually.UntilAsync(done, "the condition did not hold");
}
