using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.HazardReports;

/// <summary>
/// Every bad request gets its own 4xx as problem+json and leaves nothing behind: no report, no
/// queued message. One hub serves the whole corpus (the class fixture); each case checks storage.
/// </summary>
public sealed class HazardReportIntakeRejectionTests(HazardReportIntakeRejectionTests.World world) : IClassFixture<HazardReportIntakeRejectionTests.World>
{
    private const string Path = "api/v1/platforms/swiftride/hazard-reports";

    public sealed class World : IAsyncLifetime
    {
        public HubScenario Scenario { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Scenario = await HubScenario.StartAsync(configure: settings => settings["LocalHost:TriggersDisabled"] = "true");

        public async Task DisposeAsync() => await Scenario.DisposeAsync();
    }

    public static TheoryData<string, string, string> BadFields() => new()
    {
        // name, data (inside the envelope), the field the error must name
        { "missing reportId", Data(reportId: null), "data.reportId" },
        { "reportId with a slash", Data(reportId: "\"a/b\""), "data.reportId" },
        { "reportId of 65 characters", Data(reportId: "\"" + new string('a', 65) + "\""), "data.reportId" },
        { "reportId a number", Data(reportId: "42"), "data.reportId" },
        { "missing courierId", Data(courierId: null), "data.courierId" },
        { "unknown category", Data(category: "\"alien_landing\""), "data.category" },
        { "description of 2001 characters", Data(description: "\"" + new string('x', 2001) + "\""), "data.description" },
        { "description empty", Data(description: "\"\""), "data.description" },
        { "description with a NUL", Data(description: "\"a\\u0000b\""), "data.description" },
        { "latitude out of range", Data(location: "{\"lat\":91,\"lon\":120.18}"), "data.location.lat" },
        { "longitude a string", Data(location: "{\"lat\":30.25,\"lon\":\"120.18\"}"), "data.location.lon" },
        { "location missing", Data(location: null), "data.location" },
        { "location an array", Data(location: "[30.25,120.18]"), "data.location" },
        { "location outside every district", Data(location: "{\"lat\":39.9,\"lon\":116.4}"), "data.location" },
        { "district not six digits", Data(district: "\"3301\""), "data.district" },
        { "district not served", Data(district: "\"110101\""), "data.district" },
        { "six media URLs", Data(mediaUrls: "[" + string.Join(",", Enumerable.Repeat("\"https://m.example.com/a.jpg\"", 6)) + "]"), "data.mediaUrls" },
        { "a plain-http media URL", Data(mediaUrls: "[\"http://m.example.com/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a relative media URL", Data(mediaUrls: "[\"/a.jpg\"]"), "data.mediaUrls[0]" },
        { "observedAt without a zone", Data(observedAt: "\"2026-11-22T07:55:00\""), "data.observedAt" },
        { "observedAt not a date", Data(observedAt: "\"yesterday\""), "data.observedAt" },
        { "observedAt in the future", Data(observedAt: "\"2099-01-01T00:00:00Z\""), "data.observedAt" },
        { "observedAt in year 1", Data(observedAt: "\"0001-01-01T00:00:00Z\""), "data.observedAt" },
        { "observedAt years ago", Data(observedAt: "\"2020-01-01T00:00:00Z\""), "data.observedAt" },
        { "district of another city than the location", Data(district: "\"330203\""), "data.district" },
        { "district of the same city but not the location", Data(district: "\"330105\""), "data.district" },
        { "a media URL with user and password", Data(mediaUrls: "[\"https://user:secret@m.example.com/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL with a user name only", Data(mediaUrls: "[\"https://admin@m.example.com/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on loopback", Data(mediaUrls: "[\"https://127.0.0.1/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on loopback as one number", Data(mediaUrls: "[\"https://2130706433/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on IPv6 loopback", Data(mediaUrls: "[\"https://[::1]/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on localhost", Data(mediaUrls: "[\"https://localhost/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on the link-local metadata address", Data(mediaUrls: "[\"https://169.254.169.254/latest/meta-data\"]"), "data.mediaUrls[0]" },
        { "a media URL on IPv6 link-local", Data(mediaUrls: "[\"https://[fe80::1]/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on a private 10/8 address", Data(mediaUrls: "[\"https://10.1.2.3/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on a private 172.16/12 address", Data(mediaUrls: "[\"https://172.20.0.1/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on a private 192.168/16 address", Data(mediaUrls: "[\"https://192.168.1.1/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on an IPv6 unique-local address", Data(mediaUrls: "[\"https://[fd00::1]/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a media URL on IPv4-mapped loopback", Data(mediaUrls: "[\"https://[::ffff:127.0.0.1]/a.jpg\"]"), "data.mediaUrls[0]" },
        { "a duplicate member in data", Data(category: "\"blocked_fire_exit\",\"category\":\"flooding\""), "data.category" },
        { "a duplicate member in the location", Data(location: "{\"lat\":30.25,\"lon\":120.18,\"lat\":29.85}"), "data.location.lat" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task A_bad_field_is_a_400_naming_the_field_and_changes_nothing(string name, string data, string field)
    {
        var body = "{\"type\":\"hazard_report.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":" + data + "}";

        using var response = await Send(Webhooks.Signed(Path, body, world.Scenario.PlatformSigner));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{name}: errors should name {field}: {problem}");
        await AssertNothingStoredAsync();
    }

    public static TheoryData<string, string> BadEnvelopes() => new()
    {
        { "not JSON", "{\"type\": " },
        { "a JSON array", "[1,2,3]" },
        { "a JSON string", "\"hello\"" },
        { "wrong type", "{\"type\":\"pickup_order.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{}}" },
        { "no data", "{\"type\":\"hazard_report.created\",\"timestamp\":\"2026-11-22T08:00:00Z\"}" },
        { "data a string", "{\"type\":\"hazard_report.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":\"x\"}" },
        { "no timestamp", "{\"type\":\"hazard_report.created\",\"data\":{}}" },
        { "deeply nested", "{\"type\":\"hazard_report.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":" + new string('[', 40) + new string(']', 40) + "}" },
    };

    [Theory]
    [MemberData(nameof(BadEnvelopes))]
    public async Task A_bad_envelope_is_a_400_and_changes_nothing(string name, string body)
    {
        using var response = await Send(Webhooks.Signed(Path, body, world.Scenario.PlatformSigner));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), name);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_bad_signature_is_a_401()
    {
        var other = new StandardWebhook(StandardWebhook.NewSecret());
        using var response = await Send(Webhooks.Signed(Path, Webhooks.HazardReport("r-sig"), other));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Another_platforms_signature_is_a_401()
    {
        var theirs = new StandardWebhook(world.Scenario.Registry.OtherPlatformSecret);
        using var response = await Send(Webhooks.Signed(Path, Webhooks.HazardReport("r-theirs"), theirs));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public async Task A_stale_or_future_timestamp_is_a_401(int minutes)
    {
        using var response = await Send(Webhooks.Signed(Path, Webhooks.HazardReport("r-stale"), world.Scenario.PlatformSigner, timestamp: TimeProvider.System.GetUtcNow().AddMinutes(minutes)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_a_401()
    {
        var request = Webhooks.Signed(Path, Webhooks.HazardReport("r-tamper"), world.Scenario.PlatformSigner);
        var tampered = Encoding.UTF8.GetBytes(Webhooks.HazardReport("r-tamper", category: "flooding"));
        var headers = request.Content!.Headers.ContentType;
        request.Content = new ByteArrayContent(tampered);
        request.Content.Headers.ContentType = headers;

        using var response = await Send(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("webhook-id")]
    [InlineData("webhook-timestamp")]
    [InlineData("webhook-signature")]
    public async Task A_missing_signature_header_is_a_401(string header)
    {
        var request = Webhooks.Signed(Path, Webhooks.HazardReport("r-missing"), world.Scenario.PlatformSigner);
        request.Headers.Remove(header);

        using var response = await Send(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task An_unknown_platform_is_a_404()
    {
        using var response = await Send(Webhooks.Signed("api/v1/platforms/nobody/hazard-reports", Webhooks.HazardReport("r-x"), world.Scenario.PlatformSigner));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_a_413()
    {
        var body = Webhooks.HazardReport("r-big", extraData: ",\"padding\":\"" + new string('x', 64 * 1024) + "\"");

        using var response = await Send(Webhooks.Signed(Path, body, world.Scenario.PlatformSigner));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_JSON_is_a_415(string contentType)
    {
        using var response = await Send(Webhooks.Signed(Path, Webhooks.HazardReport("r-type"), world.Scenario.PlatformSigner, contentType: contentType));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_platform_over_its_rate_gets_a_429_with_Retry_After_and_others_are_not_held_up()
    {
        var theirs = new StandardWebhook(world.Scenario.Registry.OtherPlatformSecret);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4 * TestRegistry.OtherPlatformRatePerSecond; i++)
        {
            var response = await Send(Webhooks.Signed("api/v1/platforms/neighborbuy/hazard-reports", "{}", theirs, contentType: "text/plain"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        Assert.Contains(HttpStatusCode.UnsupportedMediaType, statuses);
        Assert.NotNull(limited);
        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal("1", limited.Headers.GetValues("Retry-After").Single());
        using var ours = await Send(Webhooks.Signed(Path, "{}", world.Scenario.PlatformSigner, contentType: "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, ours.StatusCode);
    }

    [Theory]
    [InlineData("api/v1/platforms/swiftride/hazard-reports/hr-abc%23def", "x-api-key", TestRegistry.PlatformKey)]
    [InlineData("api/v1/platforms/swiftride/hazard-reports/..%2F..%2Fetc", "x-api-key", TestRegistry.PlatformKey)]
    [InlineData("api/v1/platforms/swiftride/hazard-reports/hr-aaaaaaaaaaaaaaaaaaaaaaaa%3F", "x-api-key", TestRegistry.PlatformKey)]
    [InlineData("api/v1/open311/requests/%5C%5C.json?api_key=" + TestRegistry.WebhookCityKey, "x-none", "")]
    [InlineData("api/v1/open311/requests/hr-%27%20or%201%20eq%201.json?api_key=" + TestRegistry.WebhookCityKey, "x-none", "")]
    public async Task A_path_trick_in_an_id_is_a_404_not_a_failure(string path, string header, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation(header, key);

        using var response = await world.Scenario.Hub.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_city_update_for_a_malformed_id_is_a_404_and_writes_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/city/requests/hr-x%23y/updates")
        {
            Content = new StringContent("{\"updateId\":\"u1\",\"status\":\"acknowledged\",\"updatedAt\":\"2026-11-22T09:00:00Z\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", TestRegistry.WebhookCityKey);

        using var response = await Send(request);

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await world.Scenario.Storage.CountMessagesAsync(Queues.HazardReportUpdates));
    }

    [Fact]
    public async Task A_good_report_is_accepted_by_the_same_hub()
    {
        // The corpus above is refused for what it is, not because the hub refuses everything.
        using var response = await Send(Webhooks.Signed(Path, Webhooks.HazardReport("r-good-" + Guid.NewGuid().ToString("N")[..8]), world.Scenario.PlatformSigner));

        PlatformRetries.AssertAccepted(response);
    }

    private static string Data(
        string? reportId = "\"r-1\"",
        string? courierId = "\"c-1\"",
        string? category = "\"blocked_fire_exit\"",
        string? description = "\"Blocked\"",
        string? location = "{\"lat\":30.25,\"lon\":120.18}",
        string? district = null,
        string? mediaUrls = null,
        string? observedAt = null)
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                parts.Add($"\"{key}\":{value}");
            }
        }

        Add("reportId", reportId);
        Add("courierId", courierId);
        Add("category", category);
        Add("description", description);
        Add("location", location);
        Add("district", district);
        Add("mediaUrls", mediaUrls);
        Add("observedAt", observedAt ?? "\"" + Webhooks.RecentlyObserved() + "\"");
        return "{" + string.Join(",", parts) + "}";
    }

    private Task<HttpResponseMessage> Send(HttpRequestMessage request) => world.Scenario.Hub.Client.SendAsync(request);

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:stationhub:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", problem.ToString(), StringComparison.Ordinal);
        return problem;
    }

    private async Task AssertNothingStoredAsync()
    {
        var reports = 0;
        var good = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new List<string>();
        await foreach (var entity in world.Scenario.Storage.Hub.Table(Tables.HazardReports).QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            if (entity.RowKey == WebhookIdClaims.Row)
            {
                claimed.Add(entity.GetString(nameof(WebhookIdClaimEntity.ItemId)));
            }
            else if (!entity.GetString("Report").Contains("r-good-", StringComparison.Ordinal))
            {
                reports++;
            }
            else
            {
                good.Add(entity.PartitionKey);
            }
        }

        Assert.Equal(0, reports);
        Assert.All(claimed, hubId => Assert.Contains(hubId, good));
        var peeked = await world.Scenario.Storage.Hub.Queue(Queues.HazardReportsAccepted).PeekMessagesAsync(32);
        Assert.All(peeked.Value, m => Assert.Contains("r-good-", m.Body.ToString(), StringComparison.Ordinal));
    }
}
