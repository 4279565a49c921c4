using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Platform.Json;
using StationHub.Platform.Webhooks;
using StationHub.Tests.Faults;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Delivery;

/// <summary>
/// Each outbound destination's lifecycle: paused and disabled destinations' deliveries wait and go out
/// once on resume; a destination failing for Delivery:DisableAfter is disabled and the administrators
/// are told; recover replays its dead letters since a time; the admin routes refuse their bad forms.
/// </summary>
[RunsLong(20)]
public sealed class EndpointLifecycleTests
{
    private const string City = "city:hangzhou";

    [Fact]
    public async Task A_paused_city_gets_nothing_until_resumed_then_each_report_once()
    {
        await using var world = await HubScenario.StartAsync();
        using (var paused = await AdminAsync(world, HttpMethod.Post, $"api/v1/admin/endpoints/{City}/pause"))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            Assert.Equal("paused", (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }

        var hubIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            hubIds.Add(await world.AcceptReportAsync($"r-paused-{i}"));
        }

        var waiting = await EventuallyAsync(async () => (await EndpointAsync(world, City)).GetProperty("waiting").GetInt32(), n => n == hubIds.Count);
        Assert.Equal(hubIds.Count, waiting);
        Assert.Empty(world.City.All);

        using (var resumed = await AdminAsync(world, HttpMethod.Post, $"api/v1/admin/endpoints/{City}/resume"))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            Assert.Equal("active", (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }

        await world.City.WaitForAsync(r => MixedStream.ReportSubjects(r).ToHashSet().IsSupersetOf(hubIds));
        await world.QuietAsync();
        Assert.Equal(hubIds.Order(), MixedStream.ReportSubjects(world.City.All).Order());
        Assert.Equal(0, (await EndpointAsync(world, City)).GetProperty("waiting").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, (await EndpointAsync(world, City)).GetProperty("lastSuccessAt").ValueKind);
    }

    [Fact]
    public async Task Reports_a_resume_left_parked_go_out_with_the_next_sweep()
    {
        // A resume writes the state, then releases what waited, within its request. Cut short after the state
        // (its deadline, or its host stopping), it leaves deliveries parked for a city that is active.
        await using var world = await HubScenario.StartAsync();
        using (await AdminAsync(world, HttpMethod.Post, $"api/v1/admin/endpoints/{City}/pause"))
        {
        }

        var hubIds = new List<string> { await world.AcceptReportAsync("r-left-0"), await world.AcceptReportAsync("r-left-1") };
        await EventuallyAsync(async () => (await EndpointAsync(world, City)).GetProperty("waiting").GetInt32(), n => n == hubIds.Count);
        var endpoints = world.Hub.Get<StationHub.Delivery.EndpointStore>();
        await endpoints.SetStateAsync(StationHub.Delivery.Destination.City("hangzhou"), StationHub.Delivery.EndpointStates.Active, world.Clock.GetUtcNow());
        await world.QuietAsync();
        Assert.Empty(world.City.All);

        using (var swept = await world.Hub.RunNowAsync(StationHub.Triggers.FunctionNames.ReleaseParkedDeliveries))
        {
            PlatformRetries.AssertAccepted(swept);
        }

        await world.City.WaitForAsync(r => MixedStream.ReportSubjects(r).ToHashSet().IsSupersetOf(hubIds));
        await world.QuietAsync();
        Assert.Equal(hubIds.Order(), MixedStream.ReportSubjects(world.City.All).Order());
        Assert.Equal(0, (await EndpointAsync(world, City)).GetProperty("waiting").GetInt32());
    }

    [Fact]
    public async Task A_city_failing_longer_than_DisableAfter_is_disabled_the_administrators_are_told_and_its_reports_wait()
    {
        await using var admin = await TestReceiver.StartAsync();
        var adminSecret = StandardWebhook.NewSecret();
        await using var world = await HubScenario.StartAsync(startHub: false, configure: s =>
        {
            s["Delivery:DisableAfter"] = "00:00:02";
            s["Delivery:RetrySchedule"] = "00:00:01,00:00:01,00:00:01,00:00:01,00:00:01,00:00:01";
            s["Secrets:Admin:SigningSecret"] = adminSecret;
        });
        EditRegistry(world, registry => registry["admin"] = new JsonObject { ["webhookUrl"] = admin.Url("admin/webhooks").AbsoluteUri });
        await world.StartHubAsync();
        world.City.AnswerWith(_ => new Reply(503));

        var first = await world.AcceptReportAsync("r-down-1");

        var told = (await admin.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(30))).Single();
        Assert.True(new StandardWebhook(adminSecret).Verify(told.WebhookId, told.Header("webhook-timestamp"), told.Header("webhook-signature"), told.Body, TimeProvider.System.GetUtcNow()).IsValid);
        var notice = JsonDocument.Parse(told.Body).RootElement;
        Assert.Equal("endpoint.disabled", notice.GetProperty("type").GetString());
        Assert.Equal(City, notice.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("HTTP 503", notice.GetProperty("data").GetProperty("lastError").GetString());
        var endpoint = await EndpointAsync(world, City);
        Assert.Equal("disabled", endpoint.GetProperty("state").GetString());
        Assert.True(endpoint.GetProperty("consecutiveFailures").GetInt32() >= 2);

        // Disabled: the failing report and a new one wait instead of being tried (or dead-lettered).
        var second = await world.AcceptReportAsync("r-down-2");
        await EventuallyAsync(async () => (await EndpointAsync(world, City)).GetProperty("waiting").GetInt32(), n => n == 2);
        var triesWhileDisabled = world.City.All.Count;
        await world.QuietAsync();
        Assert.Equal(triesWhileDisabled, world.City.All.Count);

        world.City.AnswerWith(_ => new Reply(200));
        using var resumed = await AdminAsync(world, HttpMethod.Post, $"api/v1/admin/endpoints/{City}/resume");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        await world.City.WaitForAsync(r => r.Any(x => x.Text.Contains(first, StringComparison.Ordinal) && x.Text.Contains("routed", StringComparison.Ordinal)) && MixedStream.ReportSubjects(r).Contains(second));
        Assert.Single(admin.All);
    }

    [Fact]
    public async Task Recover_replays_the_dead_letters_since_the_time_given_and_no_earlier_ones()
    {
        await using var world = await HubScenario.StartAsync();
        world.City.AnswerWith(_ => new Reply(500));
        var early = await world.AcceptReportAsync("r-early");
        await EventuallyAsync(() => DeadLetterCountAsync(world), n => n == 1);
        world.AdvanceClock(TimeSpan.FromSeconds(1.1));
        var since = world.Clock.GetUtcNow();
        var late = await world.AcceptReportAsync("r-late");
        await EventuallyAsync(() => DeadLetterCountAsync(world), n => n == 2);
        world.City.AnswerWith(_ => new Reply(200));
        var failedTries = world.City.All.Count;

        using var recovered = await AdminAsync(world, HttpMethod.Post, $"api/v1/admin/endpoints/{City}/recover?since={Uri.EscapeDataString(IsoTimestamp.Format(since))}");

        PlatformRetries.AssertAccepted(recovered);
        Assert.Equal(1, (await recovered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        await world.City.WaitForAsync(r => r.Count > failedTries);
        await world.QuietAsync();
        var afterRecovery = world.City.All.Skip(failedTries).ToList();
        Assert.Equal(new[] { late }, MixedStream.ReportSubjects(afterRecovery));
        Assert.DoesNotContain(early, MixedStream.ReportSubjects(afterRecovery));
    }

    [Theory]
    [InlineData("city:hangzhou/pause", null, HttpStatusCode.Unauthorized)]
    [InlineData("city:hangzhou/pause", TestRegistry.WebhookCityKey, HttpStatusCode.Unauthorized)]
    [InlineData("city:atlantis/pause", TestRegistry.AdminKey, HttpStatusCode.NotFound)]
    [InlineData("hangzhou/pause", TestRegistry.AdminKey, HttpStatusCode.NotFound)]
    [InlineData("city:/resume", TestRegistry.AdminKey, HttpStatusCode.NotFound)]
    [InlineData("city:hangzhou:x/resume", TestRegistry.AdminKey, HttpStatusCode.NotFound)]
    [InlineData("station:st-hz-01/pause", TestRegistry.AdminKey, HttpStatusCode.NotFound)]
    [InlineData("city:hangzhou/recover", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=2026-11-20", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=2026-11-20T00:00:00", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=not-a-time", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=2999-01-01T00:00:00Z", TestRegistry.AdminKey, HttpStatusCode.BadRequest)]
    [InlineData("city:hangzhou/recover?since=2026-11-20T00:00:00Z", null, HttpStatusCode.Unauthorized)]
    public async Task The_endpoint_routes_refuse_their_bad_forms(string tail, string? key, HttpStatusCode expected)
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/admin/endpoints/" + tail);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        using var response = await world.Hub.Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var list = await world.Hub.Client.GetAsync("api/v1/admin/endpoints");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
    }

    [Fact]
    public async Task The_list_names_every_destination_of_the_registry_active_by_default()
    {
        await using var world = await HubScenario.StartAsync(configure: s => s["LocalHost:TriggersDisabled"] = "true");

        using var response = await AdminAsync(world, HttpMethod.Get, "api/v1/admin/endpoints");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(["city:hangzhou", "city:ningbo", "body:hz-hr-bureau", "body:hz-station-operator", "body:hz-water", "platform:neighborbuy", "platform:swiftride"], list.Select(e => e.GetProperty("id").GetString()!));
        Assert.All(list, e => Assert.Equal("active", e.GetProperty("state").GetString()));
    }

    [Theory]
    [InlineData("\"maxPerSecond\": 0")]
    [InlineData("\"maxPerSecond\": 1001")]
    [InlineData("\"maxPerSecond\": -3")]
    public void A_registry_with_a_bad_maxPerSecond_is_refused(string member)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stationhub-registry-{Guid.NewGuid():N}.json");
        var sample = File.ReadAllText(RepoPaths.SampleRegistry)
            .Replace("\"webhookUrl\": \"http://127.0.0.1:7079/sandbox/platforms/swiftride/webhooks\"", "\"webhookUrl\": \"http://127.0.0.1:7079/sandbox/platforms/swiftride/webhooks\", " + member, StringComparison.Ordinal);
        File.WriteAllText(path, sample);
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(() => StationHub.Platform.Registry.RegistryLoader.Load(path));
            Assert.Contains("platform 'swiftride' has maxPerSecond", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static void EditRegistry(HubScenario world, Action<JsonObject> edit)
    {
        var registry = JsonNode.Parse(File.ReadAllText(world.Registry.RegistryPath))!.AsObject();
        edit(registry);
        File.WriteAllText(world.Registry.RegistryPath, registry.ToJsonString());
    }

    internal static async Task<JsonElement> EndpointAsync(HubScenario world, string id)
    {
        using var response = await AdminAsync(world, HttpMethod.Get, "api/v1/admin/endpoints");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
    }

    internal static Task<HttpResponseMessage> AdminAsync(HubScenario world, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        return world.Hub.Client.SendAsync(request);
    }

    internal static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(read, done, last => $"still {last}", timeout);

    private static async Task<int> DeadLetterCountAsync(HubScenario world)
    {
        using var response = await AdminAsync(world, HttpMethod.Get, "api/v1/admin/dead-letters");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength();
    }
}
