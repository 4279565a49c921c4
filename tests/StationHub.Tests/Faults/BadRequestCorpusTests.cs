using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// The bad-input corpus (TestData/bad-requests.json): malformed and truncated JSON, wrong types,
/// boundary and oversize values, unicode edge cases, bad, missing, stale and replayed signatures,
/// unknown ids, other tenants' keys and path tricks. Each gets its own expected 4xx and changes nothing.
/// </summary>
[RunsLong(18)]
public sealed class BadRequestCorpusTests(BadRequestCorpusTests.World world) : IClassFixture<BadRequestCorpusTests.World>
{
    public sealed class World : IAsyncLifetime
    {
        public HubScenario Scenario { get; private set; } = null!;

        public TestHub Hub { get; private set; } = null!;

        public string Report { get; private set; } = string.Empty;

        public string Order { get; private set; } = string.Empty;

        public Dictionary<string, int> Baseline { get; private set; } = [];

        public async Task InitializeAsync()
        {
            // One routed report and one created order, made with triggers on and delivered...
            Scenario = await HubScenario.StartAsync();
            Report = await Scenario.AcceptReportAsync("corpus-report");
            await Scenario.WaitForStatusAsync(Report, "routed");
            using var order = await Scenario.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/pickup-orders", StationHub.Tests.PickupOrders.PickupOrderFlowTests.Created("corpus-order"), Scenario.PlatformSigner));
            Order = (await order.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
            await Scenario.City.WaitForAsync(r => r.Count >= 1);
            await Scenario.QuietAsync();

            // ...then a hub with triggers off on the same storage, so anything a refused request
            // queued would stay there to be seen.
            await Scenario.Hub.DisposeAsync();
            Scenario.Settings["LocalHost:TriggersDisabled"] = "true";
            Hub = await Scenario.StartHubAsync();
            Baseline = await StateAsync(Scenario);
        }

        public async Task DisposeAsync() => await Scenario.DisposeAsync();
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var item in Corpus().EnumerateArray())
        {
            data.Add(item.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void The_corpus_holds_at_least_200_requests_each_with_a_4xx()
    {
        var cases = Corpus().EnumerateArray().ToList();

        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        Assert.All(cases, c => Assert.InRange(c.GetProperty("expect").GetInt32(), 400, 499));
        Assert.Equal(cases.Count, cases.Select(c => c.GetProperty("name").GetString()).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_request_gets_its_4xx_and_changes_nothing(string name)
    {
        var item = Corpus().EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var expected = item.GetProperty("expect").GetInt32();

        using var response = await world.Hub.Client.SendAsync(Build(item));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{name}: expected {expected}, got {(int)response.StatusCode} {text}");
        if (text.Length > 0)
        {
            // Refused by the hub: a problem document, or GeoReport's own error format on Open311 routes,
            // in the format asked for: <errors><error><code/><description/></error></errors> on .xml.
            var path = item.GetProperty("path").GetString()!;
            var open311 = path.Contains("open311", StringComparison.Ordinal);
            var xml = open311 && path.Split('?')[0].EndsWith(".xml", StringComparison.Ordinal);
            Assert.Equal(xml ? "application/xml" : open311 ? "application/json" : "application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (xml)
            {
                var error = XDocument.Parse(text).Root!;
                Assert.Equal("errors", error.Name.LocalName);
                Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), error.Element("error")?.Element("code")?.Value);
                Assert.False(string.IsNullOrEmpty(error.Element("error")?.Element("description")?.Value), text);
            }
        }
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Equal(world.Baseline, await StateAsync(world.Scenario));
    }

    private HttpRequestMessage Build(JsonElement item)
    {
        var path = item.GetProperty("path").GetString()!.Replace("{report}", world.Report, StringComparison.Ordinal).Replace("{order}", world.Order, StringComparison.Ordinal);
        var method = new HttpMethod(item.GetProperty("method").GetString()!);
        var body = item.TryGetProperty("bodyBase64", out var b64) ? Convert.FromBase64String(b64.GetString()!)
            : item.TryGetProperty("body", out var text) ? Encoding.UTF8.GetBytes(text.GetString()!.Replace("{report}", world.Report, StringComparison.Ordinal))
            : null;
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (item.TryGetProperty("contentType", out var type))
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type.GetString()!);
            }
        }

        if (item.TryGetProperty("headers", out var headers))
        {
            foreach (var header in headers.EnumerateObject())
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }

        var auth = item.GetProperty("auth").GetString()!;
        if (auth.StartsWith("key:", StringComparison.Ordinal))
        {
            request.Headers.Add("x-api-key", auth[4..] switch
            {
                "platform" => TestRegistry.PlatformKey,
                "other-platform" => TestRegistry.OtherPlatformKey,
                "city" => TestRegistry.WebhookCityKey,
                "other-city" => TestRegistry.Open311CityKey,
                "station" => TestRegistry.StationKey,
                "other-station" => TestRegistry.OtherStationKey,
                "admin" => TestRegistry.AdminKey,
                var other => throw new InvalidOperationException("unknown principal " + other),
            });
        }
        else if (auth != "none")
        {
            Sign(request, body ?? [], auth);
        }

        return request;
    }

    private void Sign(HttpRequestMessage request, byte[] body, string how)
    {
        var secret = how == "sign-other-secret" ? world.Scenario.Registry.OtherPlatformSecret : world.Scenario.Registry.PlatformSecret;
        var at = TimeProvider.System.GetUtcNow().AddMinutes(how switch { "sign-stale" => -6, "sign-future" => 6, _ => 0 });
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var signature = new StandardWebhook(secret).Sign(id, at, body);
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        switch (how)
        {
            case "no-signature":
                return;
            case "bad-signature":
                signature = "v1," + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                break;
            case "not-base64-signature":
                signature = "v1,!!!not-base64!!!";
                break;
            case "v2-signature":
                signature = "v2," + signature[3..];
                break;
            case "sign-then-change-body":
                request.Content = new ByteArrayContent([.. body, (byte)' ']) { Headers = { ContentType = request.Content?.Headers.ContentType } };
                break;
            case "sign-other-id":
                id = "msg_other";
                break;
            case "timestamp-not-a-number":
                timestamp = "yesterday";
                break;
            case "timestamp-milliseconds":
                timestamp = (at.ToUnixTimeSeconds() * 1000).ToString(CultureInfo.InvariantCulture);
                break;
        }

        if (how != "missing-id")
        {
            request.Headers.TryAddWithoutValidation(StandardWebhook.IdHeader, id);
        }

        if (how != "missing-timestamp")
        {
            request.Headers.TryAddWithoutValidation(StandardWebhook.TimestampHeader, timestamp);
        }

        if (how != "missing-signature")
        {
            request.Headers.TryAddWithoutValidation(StandardWebhook.SignatureHeader, signature);
        }
    }

    // Read once for the class's few hundred cases (a quarter of a megabyte each time otherwise).
    private static readonly Lazy<JsonElement> CorpusCases = new(() =>
        JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("bad-requests.json"))).RootElement.GetProperty("cases").Clone());

    private static JsonElement Corpus() => CorpusCases.Value;

    /// <summary>Entities per table and messages per queue: what a refused request must leave as it was.</summary>
    private static async Task<Dictionary<string, int>> StateAsync(HubScenario scenario)
    {
        // All the counts at once (the case's answer is in by now): one look per table and queue.
        var tables = new[] { Tables.HazardReports, Tables.CityRequests, Tables.PickupOrders, Tables.PointsAccounts, Tables.Vouchers, Tables.DeadLetters, Tables.GigWork }
            .Select(async table => (Name: table, Count: await scenario.Storage.CountEntitiesAsync(table)));
        var queues = Queues.All.Select(async queue => (Name: queue, Count: await scenario.Storage.CountMessagesAsync(queue)));
        return (await Task.WhenAll(tables.Concat(queues))).ToDictionary(counted => counted.Name, counted => counted.Count);
    }
}
