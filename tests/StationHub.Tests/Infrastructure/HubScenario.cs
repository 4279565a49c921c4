using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// One end-to-end world: the test's own storage names, real HTTP receivers standing in for the
/// two cities and two platforms, a registry pointing at them, and (unless told otherwise) a
/// local host running over it all. Its hubs run on the world's <see cref="Clock"/>, which a test
/// moves (<see cref="AdvanceClock"/>) instead of sleeping; <see cref="QuietAsync"/> waits until the
/// hubs have nothing left to do, after which "nothing more arrived" can be asserted. Its hubs' timers
/// are off (<see cref="TimerSettings.AllOff"/>): a test runs a timer function when it wants it, at the
/// clock it set, and none fires because the wall clock passed its schedule in the middle of a test
/// (a configure that sets a timer's setting to "false" turns that one on).
/// </summary>
public sealed class HubScenario : IAsyncDisposable
{
    private static readonly TimeSpan MaxQuietPause = TimeSpan.FromMilliseconds(100);

    /// <summary>How far the emulator's clock and the test's may be apart when a hidden message's head start ends.</summary>
    private static readonly TimeSpan HiddenMargin = TimeSpan.FromMilliseconds(250);
    private readonly List<TestHub> hubs = [];
    private readonly List<ChildHost> children = [];

    private HubScenario(TestStorage storage, TestReceiver city, TestReceiver open311City, TestReceiver platform, TestReceiver otherPlatform, TestRegistry registry, ShiftedClock clock)
    {
        Clock = clock;
        Storage = storage;
        City = city;
        Open311City = open311City;
        Platform = platform;
        OtherPlatform = otherPlatform;
        Registry = registry;
        Settings = registry.Settings(storage.ConnectionString, storage.Prefix);
        // The key-encryption key of the credentials the admin API issues (registry.Settings leaves it out:
        // without it the start-up check keeps refusing a tenant that has no credentials in settings).
        Settings[CredentialKeySetting] = CredentialKey;
    }

    public const string CredentialKeySetting = "Registry:CredentialKey";

    /// <summary>The test hubs' key-encryption key (never used outside tests).</summary>
    public const string CredentialKey = "3q2+7wHkZ0yQ9c1mVx4sTn8bLr5uPa6iDeJf2gWhYkM=";

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

    /// <summary>
    /// The clock every hub of this world runs on: the system's, moved forward by the test (and, for a world
    /// that would start just before the city's midnight, started past it: <see cref="CityDays"/>).
    /// </summary>
    public ShiftedClock Clock { get; }

    /// <summary>
    /// Whether the hubs' clients send a signed POST again after a 503, as a platform does (on by
    /// default; a test of the 503 itself turns it off).
    /// </summary>
    public bool PlatformRetries { get; set; } = true;

    /// <summary>The warnings and errors of this world's hubs (for failure messages).</summary>
    public HubLog Log { get; } = new();

    public StandardWebhook PlatformSigner => Registry.PlatformSigner;

    /// <summary>
    /// A world whose hub reaches storage through the emulator's gates (<see cref="Azurite.TableGate"/>,
    /// <see cref="Azurite.QueueGate"/>), which a test closes under it; the test's own reads go past them. The
    /// registry's version row is read once a minute, not every 4 s: that read passes the gates too, and could
    /// take a request the test lets through. <paramref name="triggers"/> false: no queue or timer function
    /// either, so only the test's requests reach the gates.
    /// </summary>
    public static Task<HubScenario> StartBehindGatesAsync(Azurite azurite, bool triggers = true, Action<Dictionary<string, string?>>? configure = null, ShiftedClock? clock = null) =>
        StartAsync(storageConnection: azurite.DirectConnectionString, clock: clock, configure: s =>
        {
            s["AzureWebJobsStorage"] = azurite.ConnectionString;
            s["Registry:PollInterval"] = "00:01:00";
            if (!triggers)
            {
                s["LocalHost:TriggersDisabled"] = "true";
            }

            configure?.Invoke(s);
        });

    /// <param name="clock">The world's clock; a new <see cref="CityDays.StartClock"/> when none is given. A test that names a day before the world starts takes it from the clock it gives here.</param>
    public static async Task<HubScenario> StartAsync(bool startHub = true, Action<Dictionary<string, string?>>? configure = null, string? storageConnection = null, ShiftedClock? clock = null)
    {
        var storage = await TestStorage.CreateAsync(storageConnection);
        var city = await TestReceiver.StartAsync();
        var open311 = await TestReceiver.StartAsync();
        var platform = await TestReceiver.StartAsync();
        var other = await TestReceiver.StartAsync();
        var registry = new TestRegistry(city.Url("city/webhooks"), open311.Url("open311/requests.json"), platform.Url("platform/webhooks"), other.Url("platform/webhooks"));
        var scenario = new HubScenario(storage, city, open311, platform, other, registry, clock ?? CityDays.StartClock());
        TimerSettings.AllOff(scenario.Settings);
        configure?.Invoke(scenario.Settings);
        if (startHub)
        {
            await scenario.StartHubAsync();
        }

        return scenario;
    }

    public async Task<TestHub> StartHubAsync()
    {
        var hub = await TestHub.StartAsync(Settings, Clock, Log, () => PlatformRetries);
        hubs.Add(hub);
        return hub;
    }

    public Task<HttpResponseMessage> PostReportAsync(string body, string? webhookId = null, string platformId = TestRegistry.Platform) =>
        Hub.Client.SendAsync(Webhooks.Signed($"api/v1/platforms/{platformId}/hazard-reports", body, PlatformSigner, webhookId));

    /// <summary>
    /// Posts a report, expects 202, and returns its hub id. A 503 (storage slow to answer, as on a
    /// loaded machine) is retried as a platform retries it, with the same webhook-id, and then the
    /// answer may be 200: the first try was accepted after all.
    /// </summary>
    public async Task<string> AcceptReportAsync(string reportId, double? lat = null, double? lon = null)
    {
        var body = Webhooks.HazardReport(reportId, lat: lat, lon: lon);
        var webhookId = "msg_" + Guid.NewGuid().ToString("N");
        var tries = 0;
        var answer = await Eventually.UntilAsync(
            async () =>
            {
                using var response = await PostReportAsync(body, webhookId);
                tries += 1 + (response.Headers.Contains(global::StationHub.Tests.Infrastructure.PlatformRetries.RetriedHeader) ? 1 : 0);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            answer => answer.StatusCode != HttpStatusCode.ServiceUnavailable,
            answer => $"report {reportId} was still refused: {answer.Body}");
        Assert.True(answer.StatusCode == HttpStatusCode.Accepted || (tries > 1 && answer.StatusCode == HttpStatusCode.OK), $"{(int)answer.StatusCode} {answer.Body}");
        return JsonDocument.Parse(answer.Body).RootElement.GetProperty("hubId").GetString()!;
    }

    public async Task<HttpResponseMessage> PostCityUpdateAsync(string hubId, string updateId, string status, string cityKey = TestRegistry.WebhookCityKey, string? note = "On our way")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates")
        {
            Content = JsonContent.Create(new { updateId, status, note, updatedAt = IsoTimestamp.Format(Clock.GetUtcNow()) }),
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
    public Task<JsonElement> WaitForStatusAsync(string hubId, string status, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => GetStatusAsync(hubId), last => last.GetProperty("status").GetString() == status, last => $"report {hubId} did not reach {status}; it is {last}.", timeout);

    /// <summary>
    /// Asserts that the city (<see cref="City"/>) was sent delivery <paramref name="deliveryId"/>, that the hub recorded it
    /// made, and that the city got it no more often than the hub tried it, every time with the same body. More than one
    /// call is at-least-once delivery: a try the hub timed out on may still have arrived (a starved machine), and the next
    /// try sends it again under the same webhook-id. A second send the hub did not count as a try (another copy of the
    /// message, a second router) fails this. Returns the calls.
    /// </summary>
    public async Task<IReadOnlyList<Received>> AssertCitySentOncePerTryAsync(string deliveryId)
    {
        var calls = City.All.Where(call => call.WebhookId == deliveryId).ToList();
        Assert.NotEmpty(calls);
        Assert.Single(calls.Select(call => call.Text).Distinct());
        var record = await Storage.Hub.Table(StationHub.Triggers.Tables.Deliveries).FindAsync<StationHub.Delivery.DeliveryEntity>(deliveryId, StationHub.Delivery.DeliveryEntity.Row);
        Assert.Equal(StationHub.Delivery.DeliveryStates.Delivered, record?.State);
        Assert.True(calls.Count <= record!.Attempts, $"the city got {deliveryId} {calls.Count} times in {record.Attempts} tries");
        return calls;
    }

    /// <summary>Moves the clock of this world's hubs forward (it never goes back).</summary>
    public void AdvanceClock(TimeSpan by) => Clock.Advance(by);

    /// <summary>
    /// Starts the local host as a process of its own over this world (its settings, test hooks on,
    /// its clock where the world's is), counted by <see cref="QuietAsync"/> while it runs.
    /// </summary>
    public async Task<ChildHost> StartChildHostAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>(Settings)
        {
            [TestHooks.EnabledSetting] = "true",
            [TestHooks.ClockOffsetSetting] = Clock.Offset.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        };
        configure?.Invoke(settings);
        var child = await ChildHost.StartAsync(settings);
        children.Add(child);
        return child;
    }

    /// <summary>
    /// Waits until the hub is quiet: no function of any of this world's hubs running (queue, timer,
    /// run-now; an outbound delivery runs inside its function; child hosts from
    /// <see cref="StartChildHostAsync"/> included while they run), no visible message in any queue
    /// (poison queues aside), and no run begun while it looked. A message delayed for later (a
    /// delivery's next try) is not work to wait for, unless <paramref name="delayed"/> asks to wait
    /// for every queue to be empty; but while any message is hidden, the hub must stay quiet for a
    /// <see cref="QueueFirst.HeadStart"/> (a request's queued intent becomes visible within it). After
    /// this, nothing arrives that is not caused by what the test does next (or by the clock reaching a
    /// delayed message).
    /// </summary>
    public async Task QuietAsync(TimeSpan? timeout = null, bool delayed = false)
    {
        var limit = timeout ?? Eventually.DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        var busy = "";
        long? quietSince = null;
        // Short at first, then backing off: each look at the queues is a request per queue to the shared emulator.
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var before = await ActivityAsync();
            if (before.Running == 0)
            {
                var (visible, hidden) = await Storage.QueuesWithWorkAsync();
                var after = await ActivityAsync();
                // Nothing ran from the first read to the last, and no message was waiting in between.
                if (visible.Count == 0 && after.Running == 0 && after.StartedLast == before.StartedFirst)
                {
                    quietSince ??= before.At;
                    // A hidden message is either delayed for later or a queued intent still within its head start: quiet
                    // for longer than that (and the emulator's clock a little apart) tells them apart.
                    if (hidden.Count == 0 || (!delayed && Stopwatch.GetElapsedTime(quietSince.Value, before.At) > QueueFirst.HeadStart + HiddenMargin))
                    {
                        return;
                    }

                    busy = $"messages hidden in {string.Join(", ", hidden)}";
                }
                else
                {
                    quietSince = null;
                    busy = visible.Count > 0 ? $"messages waiting in {string.Join(", ", visible)}" : "a run began while it looked";
                }
            }
            else
            {
                quietSince = null;
                busy = $"{before.Running} function runs in flight";
            }

            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"The hub was not quiet within {limit.TotalSeconds:0} s: {busy}. Its log:\n{Log}");
            }

            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxQuietPause.Ticks));
        }
    }

    /// <summary>The runs begun so far, the runs in flight, and the runs begun so far again, read in that order; when it was read.</summary>
    private async Task<(long StartedFirst, long Running, long StartedLast, long At)> ActivityAsync()
    {
        var at = Stopwatch.GetTimestamp();
        var first = hubs.Sum(hub => hub.Activity.Started);
        var running = hubs.Sum(hub => hub.Activity.Running);
        long childStarted = 0;
        foreach (var child in children.Where(child => !child.HasExited))
        {
            // One read per child: its runs since it started, and those in flight.
            var (started, inFlight) = await child.ActivityAsync();
            childStarted += started;
            running += inFlight;
        }

        return (first + childStarted, running, hubs.Sum(hub => hub.Activity.Started) + childStarted, at);
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
