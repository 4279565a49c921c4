using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Tenants;

/// <summary>
/// Credentials as data, end to end over HTTP on a running hub with no restart: a tenant created through
/// the admin API is answered its credentials once; they work at once (a report from a new platform,
/// signed with the secret the API gave, reaches a new city, whose receiver verifies the hub's signature
/// with the city secret the API gave); another is issued with an overlap that ends on the clock; a
/// revoked one is refused at once; nothing secret is answered again, logged, or stored in clear.
/// </summary>
public sealed class CredentialTests
{
    private const string Wenzhou = """
        { "name": "Wenzhou", "delivery": { "format": "webhook", "endpoint": "ENDPOINT" },
          "districts": [ { "code": "330302", "name": "Lucheng", "area": [[27.98, 120.60], [28.06, 120.60], [28.06, 120.72], [27.98, 120.72]] } ] }
        """;

    private const string Station = """{ "name": "Wuma Street Rider Station", "district": "330302", "location": { "lat": 28.0150, "lon": 120.6560 } }""";

    /// <summary>A station in the sample's Shangcheng (330102), for tests that need no new city.</summary>
    private const string ShangchengStation = """{ "name": "Hubin Rider Station", "district": "330102", "location": { "lat": 30.2450, "lon": 120.1700 } }""";

    [Fact]
    public async Task A_new_platform_city_and_station_work_at_once_with_the_credentials_the_API_gave()
    {
        await using var world = await HubScenario.StartAsync();
        var hub = world.Hub.Client;

        // A city, a platform and a station join; each 201 carries its credentials, once.
        var city = await CreateAsync(hub, "cities/wenzhou", Wenzhou.Replace("ENDPOINT", world.City.Url("wenzhou/webhooks").AbsoluteUri, StringComparison.Ordinal));
        var platform = await CreateAsync(hub, "platforms/newride", $$"""{ "name": "NewRide", "webhookUrl": "{{world.OtherPlatform.Url("newride/webhooks").AbsoluteUri}}" }""");
        var station = await CreateAsync(hub, "stations/st-wz-01", Station);
        var citySecret = Secret(city, "signing-secret", "secret");
        var cityKey = Secret(city, "api-key", "key");
        var platformSecret = Secret(platform, "signing-secret", "secret");
        var platformKey = Secret(platform, "api-key", "key");
        var stationKey = Secret(station, "api-key", "key");
        Assert.StartsWith("whsec_", citySecret, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", platformSecret, StringComparison.Ordinal);
        Assert.Equal(1, station.GetProperty("credentials").GetArrayLength());

        // A report from the new platform, signed with the secret the API gave, is accepted...
        using var accepted = await hub.SendAsync(Webhooks.Signed("api/v1/platforms/newride/hazard-reports", Webhooks.HazardReport("wz-1", lat: 28.02, lon: 120.65), new StandardWebhook(platformSecret)));
        PlatformRetries.AssertAccepted(accepted);
        var hubId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;

        // ...and one signed with another secret is not.
        using var forged = await hub.SendAsync(Webhooks.Signed("api/v1/platforms/newride/hazard-reports", Webhooks.HazardReport("wz-2", lat: 28.02, lon: 120.65), world.PlatformSigner));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        // It reaches the new city, signed with the city secret the API gave (and not with Hangzhou's).
        var routed = (await world.City.WaitForAsync(all => all.Any(r => r.Path == "/wenzhou/webhooks" && r.Text.Contains(hubId, StringComparison.Ordinal))))
            .First(r => r.Path == "/wenzhou/webhooks" && r.Text.Contains(hubId, StringComparison.Ordinal));
        Assert.Contains("hazard_report.routed", routed.Text, StringComparison.Ordinal);
        Assert.True(VerifiedBy(citySecret, routed, world.Clock.GetUtcNow()).IsValid, routed.Header("webhook-signature"));
        Assert.False(VerifiedBy(world.Registry.CitySecret, routed, world.Clock.GetUtcNow()).IsValid);

        // The city's secret rotated: what the hub sends next verifies under the old secret and the new, during the overlap.
        var nextCitySecret = (await IssueAsync(hub, "cities/wenzhou")).GetProperty("secret").GetString()!;
        using var second = await hub.SendAsync(Webhooks.Signed("api/v1/platforms/newride/hazard-reports", Webhooks.HazardReport("wz-3", lat: 28.03, lon: 120.68), new StandardWebhook(platformSecret)));
        PlatformRetries.AssertAccepted(second);
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        var rotatedDelivery = (await world.City.WaitForAsync(all => all.Any(r => r.Text.Contains(secondId, StringComparison.Ordinal)))).First(r => r.Text.Contains(secondId, StringComparison.Ordinal));
        Assert.True(VerifiedBy(citySecret, rotatedDelivery, world.Clock.GetUtcNow()).IsValid);
        Assert.True(VerifiedBy(nextCitySecret, rotatedDelivery, world.Clock.GetUtcNow()).IsValid);
        Assert.False(VerifiedBy(nextCitySecret, routed, world.Clock.GetUtcNow()).IsValid);

        // The keys work where their owner may go: the platform reads its report, the city its Open311 list, the station its routes.
        using (var status = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, $"api/v1/platforms/newride/hazard-reports/{hubId}", key: platformKey))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using (var open311 = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, "api/v1/open311/requests.json?api_key=" + Uri.EscapeDataString(cityKey), key: null))
        {
            Assert.Equal(HttpStatusCode.OK, open311.StatusCode);
            Assert.Contains(hubId, await open311.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var arrival = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, "api/v1/stations/st-wz-01/pickup-orders/no-such-order/arrival", "{}", key: stationKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, arrival.StatusCode); // past the key check: no such order
        }

        using (var otherStation = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, $"api/v1/stations/{TestRegistry.Station}/pickup-orders/no-such-order/arrival", "{}", key: stationKey))
        {
            Assert.Equal(HttpStatusCode.Forbidden, otherStation.StatusCode);
        }

        // The platform's key opens no admin route.
        foreach (var (method, path) in new[] { (HttpMethod.Get, "api/v1/admin/platforms"), (HttpMethod.Post, "api/v1/admin/platforms/newride/credentials"), (HttpMethod.Get, "api/v1/admin/platforms/newride/credentials") })
        {
            using var refused = await TenantAdminTests.SendAsync(hub, method, path, "{}", key: platformKey);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // An update (200) answers no secret.
        using var read = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, "api/v1/admin/platforms/newride");
        using var replaced = await TenantAdminTests.SendAsync(hub, HttpMethod.Put, "api/v1/admin/platforms/newride", await read.Content.ReadAsStringAsync(), ifMatch: read.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var replacedText = await replaced.Content.ReadAsStringAsync();
        Assert.DoesNotContain("credentials", replacedText, StringComparison.Ordinal);
        Assert.DoesNotContain(platformSecret, replacedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_secret_overlaps_until_the_clock_ends_it_and_a_revoked_one_is_refused_at_once()
    {
        await using var world = await HubScenario.StartAsync(configure: settings => settings["Registry:CredentialOverlap"] = "00:10:00");
        var hub = world.Hub.Client;
        var platform = await CreateAsync(hub, "platforms/rotor", $$"""{ "name": "Rotor", "webhookUrl": "{{world.OtherPlatform.Url("rotor/webhooks").AbsoluteUri}}" }""");
        var first = Secret(platform, "signing-secret", "secret");
        var firstId = Id(platform, "signing-secret");

        // Another secret: both verify during the overlap.
        var second = await IssueAsync(hub, "platforms/rotor");
        var secondSecret = second.GetProperty("secret").GetString()!;
        Assert.NotEqual(first, secondSecret);
        var othersEnd = second.GetProperty("othersEnd").GetDateTimeOffset();
        Assert.InRange(othersEnd - world.Clock.GetUtcNow(), TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, "rotor", first));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, "rotor", secondSecret));

        // The list shows both signing secrets, the first with its end; no secret.
        var listed = await ListAsync(hub, "platforms/rotor");
        var firstListed = listed.EnumerateArray().Single(c => c.GetProperty("id").GetString() == firstId);
        Assert.Equal(othersEnd, firstListed.GetProperty("expires").GetDateTimeOffset());
        Assert.Equal(2, listed.EnumerateArray().Count(c => c.GetProperty("type").GetString() == "signing-secret"));

        // The overlap ends on the clock: the first is refused, the second still verifies.
        world.AdvanceClock(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync(world, "rotor", first));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, "rotor", secondSecret));
        Assert.False((await ListAsync(hub, "platforms/rotor")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == firstId).GetProperty("valid").GetBoolean());

        // A third, then the second revoked: refused at once, though its overlap has not ended.
        var third = (await IssueAsync(hub, "platforms/rotor")).GetProperty("secret").GetString()!;
        using (var revoked = await TenantAdminTests.SendAsync(hub, HttpMethod.Delete, $"api/v1/admin/platforms/rotor/credentials/{second.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync(world, "rotor", secondSecret));
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, "rotor", third));

        // The expired first one went with the third's issue; the revoked one is gone; a second revoke is a 404.
        var left = await ListAsync(hub, "platforms/rotor");
        Assert.DoesNotContain(left.EnumerateArray(), c => c.GetProperty("id").GetString() == firstId);
        Assert.Single(left.EnumerateArray(), c => c.GetProperty("type").GetString() == "signing-secret");
        using var again = await TenantAdminTests.SendAsync(hub, HttpMethod.Delete, $"api/v1/admin/platforms/rotor/credentials/{second.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_second_host_serves_a_revocation_within_5_s()
    {
        await using var world = await HubScenario.StartAsync(configure: settings => settings["Registry:PollInterval"] = "00:00:02");
        var platform = await CreateAsync(world.Hub.Client, "platforms/twohost", $$"""{ "name": "Two hosts", "webhookUrl": "{{world.OtherPlatform.Url("twohost/webhooks").AbsoluteUri}}" }""");
        var secret = Secret(platform, "signing-secret", "secret");
        await using var child = await world.StartChildHostAsync();
        using var other = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.UntilAsync(async () => await ReportAsync(world, "twohost", secret, other) == HttpStatusCode.Accepted, "the second host does not take the new platform's secret", TimeSpan.FromSeconds(5));

        using (var revoked = await TenantAdminTests.SendAsync(world.Hub.Client, HttpMethod.Delete, $"api/v1/admin/platforms/twohost/credentials/{Id(platform, "signing-secret")}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync(world, "twohost", secret));
        await Eventually.UntilAsync(async () => await ReportAsync(world, "twohost", secret, other) == HttpStatusCode.Unauthorized, "the second host still takes the revoked secret", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Station_keys_rotate_with_overlap_and_a_revoked_key_is_refused_at_once()
    {
        await using var world = await HubScenario.StartAsync();
        var hub = world.Hub.Client;
        var first = Secret(await CreateAsync(hub, "stations/st-keys", ShangchengStation), "api-key", "key");
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, "st-keys", first));

        var issued = await IssueAsync(hub, "stations/st-keys");
        Assert.Equal("api-key", issued.GetProperty("type").GetString());
        var second = issued.GetProperty("key").GetString()!;

        // The default overlap is 24 h; both keys work during it.
        Assert.InRange(issued.GetProperty("othersEnd").GetDateTimeOffset() - world.Clock.GetUtcNow(), TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, "st-keys", first));
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, "st-keys", second));

        var firstId = (await ListAsync(hub, "stations/st-keys")).EnumerateArray().OrderBy(c => c.GetProperty("created").GetDateTimeOffset()).First().GetProperty("id").GetString();
        using (var revoked = await TenantAdminTests.SendAsync(hub, HttpMethod.Delete, $"api/v1/admin/stations/st-keys/credentials/{firstId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ArrivalAsync(hub, "st-keys", first));
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, "st-keys", second));

        // A station holds keys only; the settings' keys of the sample stations keep working beside the registry's.
        using var wrongType = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, "api/v1/admin/stations/st-keys/credentials", """{ "type": "signing-secret" }""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, TestRegistry.Station, TestRegistry.StationKey));

        // Deleting the station takes its keys with it.
        using (var deleted = await TenantAdminTests.SendAsync(hub, HttpMethod.Delete, "api/v1/admin/stations/st-keys"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, await CountCredentialsAsync(world, "station:st-keys"));
    }

    [Fact]
    public async Task Nothing_secret_is_answered_again_logged_or_stored_in_clear()
    {
        // A hub of its own whose log keeps the registry's Information lines (who changed what).
        await using var world = await HubScenario.StartAsync(startHub: false);
        world.Settings["Logging:LogLevel:StationHub"] = "Information";
        var log = new HubLog(LogLevel.Information);
        await using var own = await TestHub.StartAsync(world.Settings, world.Clock, log);
        var hub = own.Client;

        var platform = await CreateAsync(hub, "platforms/quiet", $$"""{ "name": "Quiet", "webhookUrl": "{{world.OtherPlatform.Url("quiet/webhooks").AbsoluteUri}}" }""");
        var body = await CreateAsync(hub, "cities/hangzhou/bodies/hz-quiet", $$"""{ "name": "Quiet bureau", "categories": ["broken_railing"], "delivery": { "format": "webhook", "endpoint": "{{world.City.Url("body/hz-quiet/webhooks").AbsoluteUri}}" } }""");
        var rotated = await IssueAsync(hub, "platforms/quiet", """{ "type": "api-key" }""");
        var secrets = new[]
        {
            Secret(platform, "signing-secret", "secret"), Secret(platform, "api-key", "key"),
            Secret(body, "signing-secret", "secret"), Secret(body, "api-key", "key"), rotated.GetProperty("key").GetString()!,
        };

        // Every read answers ids and times only.
        var reads = new List<string>();
        foreach (var path in new[] { "platforms", "platforms/quiet", "platforms/quiet/credentials", "cities/hangzhou/bodies", "cities/hangzhou/bodies/hz-quiet", "cities/hangzhou/bodies/hz-quiet/credentials" })
        {
            using var read = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, "api/v1/admin/" + path);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            reads.Add(await read.Content.ReadAsStringAsync());
        }

        var listed = JsonDocument.Parse(reads[2]).RootElement;
        Assert.Equal(3, listed.GetArrayLength());
        Assert.All(listed.EnumerateArray(), c => Assert.Equal(["created", "expires", "id", "type", "valid"], c.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));

        // What is stored: the key as its SHA-256, the secret sealed. The log names the change, not the secret.
        var stored = await StoredCredentialsAsync(world, "platform:quiet");
        Assert.Equal(3, stored.Count);
        var logged = log.ToString();
        Assert.Contains("[1110]", logged, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.All(reads, read => Assert.DoesNotContain(secret, read, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
            Assert.All(stored, entity => Assert.DoesNotContain(secret, entity, StringComparison.Ordinal));
            Assert.All(stored, entity => Assert.DoesNotContain(secret.Replace("whsec_", string.Empty, StringComparison.Ordinal), entity, StringComparison.Ordinal));
        }

        Assert.Contains(stored, entity => entity.Contains(StationHub.Platform.Security.ApiKeys.Hash(secrets[1]), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_key_encryption_key_no_signing_secret_is_issued_and_settings_still_serve()
    {
        await using var world = await HubScenario.StartAsync(configure: settings => settings.Remove(HubScenario.CredentialKeySetting));
        var hub = world.Hub.Client;

        using var refused = await TenantAdminTests.SendAsync(hub, HttpMethod.Put, "api/v1/admin/platforms/clear", $$"""{ "name": "Clear", "webhookUrl": "{{world.OtherPlatform.Url("clear/webhooks").AbsoluteUri}}" }""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Registry:CredentialKey", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var absent = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, "api/v1/admin/platforms/clear"))
        {
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }

        using (var secretRefused = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, $"api/v1/admin/platforms/{TestRegistry.Platform}/credentials"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, secretRefused.StatusCode);
        }

        // API keys need no encryption (a hash is stored); a station joins with its key.
        var key = Secret(await CreateAsync(hub, "stations/st-clear", ShangchengStation), "api-key", "key");
        Assert.Equal(HttpStatusCode.NotFound, await ArrivalAsync(hub, "st-clear", key));

        // The settings' secret of the sample platform serves as before.
        Assert.Equal(HttpStatusCode.Accepted, await ReportAsync(world, TestRegistry.Platform, world.Registry.PlatformSecret));
    }

    private static WebhookVerification VerifiedBy(string secret, Received received, DateTimeOffset now) =>
        new StandardWebhook(secret).Verify(received.WebhookId, received.Header("webhook-timestamp"), received.Header("webhook-signature"), received.Body, now);

    private static async Task<HttpStatusCode> ReportAsync(HubScenario world, string platformId, string secret, HttpClient? host = null)
    {
        using var request = Webhooks.Signed($"api/v1/platforms/{platformId}/hazard-reports", Webhooks.HazardReport("r-" + Guid.NewGuid().ToString("N")[..12]), new StandardWebhook(secret), timestamp: world.Clock.GetUtcNow());
        using var response = await (host ?? world.Hub.Client).SendAsync(request);
        return PlatformRetries.OutcomeOf(response);
    }

    private static async Task<HttpStatusCode> ArrivalAsync(HttpClient hub, string stationId, string key)
    {
        using var response = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, $"api/v1/stations/{stationId}/pickup-orders/no-such-order/arrival", "{}", key: key);
        return response.StatusCode;
    }

    private static async Task<JsonElement> CreateAsync(HttpClient hub, string path, string body)
    {
        using var response = await TenantAdminTests.SendAsync(hub, HttpMethod.Put, "api/v1/admin/" + path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> IssueAsync(HttpClient hub, string path, string? body = null)
    {
        using var response = await TenantAdminTests.SendAsync(hub, HttpMethod.Post, $"api/v1/admin/{path}/credentials", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> ListAsync(HttpClient hub, string path)
    {
        using var response = await TenantAdminTests.SendAsync(hub, HttpMethod.Get, $"api/v1/admin/{path}/credentials");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string Secret(JsonElement created, string type, string field) =>
        created.GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type).GetProperty(field).GetString()!;

    private static string Id(JsonElement created, string type) =>
        created.GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type).GetProperty("id").GetString()!;

    /// <summary>The stored credential entities of an owner, each as all its property values (read only to look at what is at rest).</summary>
    private static async Task<List<string>> StoredCredentialsAsync(HubScenario world, string owner)
    {
        var list = new List<string>();
        await foreach (var entity in world.Storage.Hub.Table("Registry").QueryAsync<TableEntity>(e => e.PartitionKey == "registry"))
        {
            if (entity.GetString("Kind") == "credential" && entity.GetString("Parent") == owner)
            {
                list.Add(string.Join("\n", entity.Select(p => p.Value?.ToString())));
            }
        }

        return list;
    }

    private static async Task<int> CountCredentialsAsync(HubScenario world, string owner) => (await StoredCredentialsAsync(world, owner)).Count;
}
