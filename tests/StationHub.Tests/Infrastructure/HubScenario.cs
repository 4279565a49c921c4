using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Platform.Json;
using StationHub.Platform.Webhooks;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// One end-to-end world: the test's own storage names, real HTTP receivers standing in for the
/// two cities and two platforms, a registry pointing at them, and (unless told otherwise) a
/// local host running over it all.
/// </summary>
public sealed class HubScenario : IAsyncDisposable
{
    private readonly List<TestHub> hubs = [];

    private HubScenario(TestStorage storage, TestReceiver city, TestReceiver open311City, TestReceiver platform, TestReceiver otherPlatform, TestRegistry registry)
    {
        Storage = storage;
        City = city;
        Open311City = open311City;
        Platform = platform;
        OtherPlatform = otherPlatform;
        Registry = registry;
        Settings = registry.Settings(storage.ConnectionString, storage.Prefix);
    }

    public TestStorage Storage { get; }

    /// <summary>Hangzhou: takes signed Standard Webhooks.</summary>
    public TestReceiver City { get; }

    /// <summary>Ningbo: takes Open311 form POSTs.</summary>
    public TestReceiver Open311City { get; }

    public TestReceiver Platform { get; }

    public TestReceiver OtherPlatform { get; }

    public TestRegistry Registry { get; }

    public Dictionary<string, string?> Settings { get; }

    public TestHub Hub => hubs[0];

    public StandardWebhook PlatformSigner => Registry.PlatformSigner;

    public static async Task<HubScenario> StartAsync(bool startHub = true, Action<Dictionary<string, string?>>? configure = null, string? storageConnection = null)
    {
        var storage = await TestStorage.CreateAsync(storageConnection);
        var city = await TestReceiver.StartAsync();
        var open311 = await TestReceiver.StartAsync();
        var platform = await TestReceiver.StartAsync();
        var other = await TestReceiver.StartAsync();
        var registry = new TestRegistry(city.Url("city/webhooks"), open311.Url("open311/requests.json"), platform.Url("platform/webhooks"), other.Url("platform/webhooks"));
        var scenario = new HubScenario(storage, city, open311, platform, other, registry);
        configure?.Invoke(scenario.Settings);
        if (startHub)
        {
            await scenario.StartHubAsync();
        }

        return scenario;
    }

    public async Task<TestHub> StartHubAsync()
    {
        var hub = await TestHub.StartAsync(Settings);
        hubs.Add(hub);
        return hub;
    }

    public Task<HttpResponseMessage> PostReportAsync(string body, string? webhookId = null, string platformId = TestRegistry.Platform) =>
        Hub.Client.SendAsync(Webhooks.Signed($"api/v1/platforms/{platformId}/hazard-reports", body, PlatformSigner, webhookId));

    /// <summary>Posts a report, expects 202, and returns its hub id.</summary>
    public async Task<string> AcceptReportAsync(string reportId, double? lat = null, double? lon = null)
    {
        using var response = await PostReportAsync(Webhooks.HazardReport(reportId, lat: lat, lon: lon));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        return answer.GetProperty("hubId").GetString()!;
    }

    public async Task<HttpResponseMessage> PostCityUpdateAsync(string hubId, string updateId, string status, string cityKey = TestRegistry.WebhookCityKey, string? note = "On our way")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates")
        {
            Content = JsonContent.Create(new { updateId, status, note, updatedAt = IsoTimestamp.Format(TimeProvider.System.GetUtcNow()) }),
        };
        request.Headers.Add("x-api-key", cityKey);
        return await Hub.Client.SendAsync(request);
    }

    public async Task<JsonElement> GetStatusAsync(string hubId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/{TestRegistry.Platform}/hazard-reports/{hubId}");
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await Hub.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls the status URL until the report reaches the status, or fails after the timeout.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string hubId, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetStatusAsync(hubId);
            if (last.GetProperty("status").GetString() == status)
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Report {hubId} did not reach {status}; it is {last}.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in hubs)
        {
            await hub.DisposeAsync();
        }

        await City.DisposeAsync();
        await Open311City.DisposeAsync();
        await Platform.DisposeAsync();
        await OtherPlatform.DisposeAsync();
        await Storage.DisposeAsync();
        File.Delete(Registry.RegistryPath);
    }
}
