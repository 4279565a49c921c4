using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Platform.Storage;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Hosting;

/// <summary>
/// The HTTP model both hosts share (HttpFunctionRunner over ASP.NET Core), driven over real HTTP:
/// chunked bodies on every POST route, the answers to unknown routes and wrong methods, content
/// types, problem documents, running a timer now, poison at once, and start-up on an empty account.
/// </summary>
public sealed class HttpModelTests(HttpModelTests.World world) : IClassFixture<HttpModelTests.World>
{
    public sealed class World : IAsyncLifetime
    {
        public HubScenario Scenario { get; private set; } = null!;

        public async Task InitializeAsync() => Scenario = await HubScenario.StartAsync();

        public async Task DisposeAsync() => await Scenario.DisposeAsync();
    }

    private HubScenario Scenario => world.Scenario;

    /// <summary>Every POST route, with a request whose answer shows the body was read.</summary>
    public static TheoryData<string> PostRoutes() => [.. ChunkedCases.Keys];

    private static readonly Dictionary<string, (int Expected, Func<HubScenario, Task<(string Path, byte[] Body, Action<HttpRequestMessage> Headers)>> Build)> ChunkedCases = new()
    {
        [FunctionNames.HazardReportReceived] = (202, s => Task.FromResult(SignedCase(s, Routes.HazardReports, Webhooks.HazardReport("chunked-" + Guid.NewGuid().ToString("N")[..8])))),
        [FunctionNames.PickupOrderReceived] = (202, s => Task.FromResult(SignedCase(s, Routes.PickupOrders, PickupOrders.PickupOrderFlowTests.Created("chunked-" + Guid.NewGuid().ToString("N")[..8])))),
        [FunctionNames.PointsTransactionReceived] = (202, s => Task.FromResult(SignedCase(s, Routes.PointsTransactions,
            $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"chunked-{{{Guid.NewGuid():N}}}","courierId":"courier-1","task":"patrol_hour"}}"""))),
        [FunctionNames.GigWorkReceived] = (202, s => Task.FromResult(SignedCase(s, Routes.GigWork, GigWork.GigWorkWorld.Job("chunked-" + Guid.NewGuid().ToString("N")[..8])))),
        [FunctionNames.CityUpdateReceived] = (200, async s =>
        {
            var hubId = await s.AcceptReportAsync("chunked-city-" + Guid.NewGuid().ToString("N")[..8]);
            await s.WaitForStatusAsync(hubId, "routed");
            var body = JsonSerializer.SerializeToUtf8Bytes(new { updateId = "u-" + Guid.NewGuid().ToString("N")[..8], status = "acknowledged", note = "On our way", updatedAt = TimeProvider.System.GetUtcNow().AddSeconds(-1).ToString("O") });
            return ($"api/v1/city/requests/{hubId}/updates", body, r => r.Headers.Add("x-api-key", TestRegistry.WebhookCityKey));
        }),
        // A wrong code is a 403 only if the body was read: an empty body would be a 400.
        [FunctionNames.PickupOrderCollection] = (403, async s =>
        {
            var order = await CreateArrivedOrderAsync(s);
            return ($"api/v1/stations/{TestRegistry.Station}/pickup-orders/{order}/collection", """{"pickupCode":"000000"}"""u8.ToArray(), r => r.Headers.Add("x-api-key", TestRegistry.StationKey));
        }),
        [FunctionNames.PickupOrderArrival] = (200, async s =>
        {
            var order = await CreateOrderAsync(s);
            return ($"api/v1/stations/{TestRegistry.Station}/pickup-orders/{order}/arrival", "{}"u8.ToArray(), r => r.Headers.Add("x-api-key", TestRegistry.StationKey));
        }),
        [FunctionNames.PickupOrderUnlock] = (200, async s =>
        {
            var order = await CreateArrivedOrderAsync(s);
            return ($"api/v1/stations/{TestRegistry.Station}/pickup-orders/{order}/unlock", "{}"u8.ToArray(), r => r.Headers.Add("x-api-key", TestRegistry.StationKey));
        }),
        [FunctionNames.VoucherRedemption] = (404, _ => Task.FromResult(($"api/v1/stations/{TestRegistry.Station}/vouchers/UNKNOWNCODE/redemption", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.StationKey))))),
        [FunctionNames.StationStatusReceived] = (200, s => Task.FromResult(SignedCase(s, Routes.PlatformStationStatus,
            "{\"type\":\"station.status\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":" + Stations.StationStatusFlowTests.Status(true, 1, 2, TimeProvider.System.GetUtcNow()).Insert(1, "\"stationId\":\"st-hz-01\",") + "}"))),
        [FunctionNames.DeadLetterReplay] = (404, _ => Task.FromResult(("api/v1/admin/dead-letters/no-such-letter/replay", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        // The endpoint routes read no body: a chunked one is taken and ignored (an unknown endpoint, so nothing changes).
        [FunctionNames.EndpointPause] = (404, _ => Task.FromResult(("api/v1/admin/endpoints/city:nowhere/pause", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        [FunctionNames.EndpointResume] = (404, _ => Task.FromResult(("api/v1/admin/endpoints/city:nowhere/resume", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        [FunctionNames.EndpointRecover] = (404, _ => Task.FromResult(("api/v1/admin/endpoints/city:nowhere/recover?since=2026-01-01T00:00:00Z", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        // An import of nothing: read whole, and it changes nothing.
        [FunctionNames.AdminRegistryImport] = (200, _ => Task.FromResult(("api/v1/admin/registry/import", "{}"u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        // A collection whose one feature has no id: read whole (a 400 names the feature), nothing stored.
        [FunctionNames.AdminStationsImport] = (400, _ => Task.FromResult(("api/v1/admin/stations/import", """{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120.164,30.2573]},"properties":{"name":"Chunked","district":"330102"}}]}"""u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        // A new API key for a tenant of the sample (its other keys keep working for the overlap).
        [FunctionNames.AdminCityCredentialIssue] = (201, _ => Task.FromResult(("api/v1/admin/cities/ningbo/credentials", """{"type":"api-key"}"""u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        [FunctionNames.AdminBodyCredentialIssue] = (201, _ => Task.FromResult(("api/v1/admin/cities/hangzhou/bodies/hz-water/credentials", """{"type":"api-key"}"""u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        [FunctionNames.AdminPlatformCredentialIssue] = (201, _ => Task.FromResult(("api/v1/admin/platforms/neighborbuy/credentials", """{"type":"api-key"}"""u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
        [FunctionNames.AdminStationCredentialIssue] = (201, _ => Task.FromResult(("api/v1/admin/stations/st-hz-02/credentials", """{"type":"api-key"}"""u8.ToArray(), (Action<HttpRequestMessage>)(r => r.Headers.Add("x-api-key", TestRegistry.AdminKey))))),
    };

    [Fact]
    public void Every_POST_function_has_a_chunked_case()
    {
        var posts = HubTriggers.Http.Where(f => f.Methods.Contains("POST") && f.Name != FunctionNames.RouteNotFound).Select(f => f.Name);

        Assert.Equal(posts.Order(), ChunkedCases.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(PostRoutes))]
    public async Task A_chunked_body_is_read_on_every_POST_route(string function)
    {
        var (expected, build) = ChunkedCases[function];
        var (path, body, headers) = await build(Scenario);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Chunked(body) };
        headers(request);

        using var response = await Scenario.Hub.Client.SendAsync(request);

        Assert.Null(request.Content.Headers.ContentLength);
        Assert.True(request.Headers.TransferEncodingChunked);
        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_over_64_KiB_is_413()
    {
        var body = Webhooks.HazardReport("too-big", extraData: $",\"pad\":\"{new string('x', 70_000)}\"");
        var (path, bytes, headers) = SignedCase(Scenario, Routes.HazardReports, body);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Chunked(bytes) };
        headers(request);

        using var response = await Scenario.Hub.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "api/v1/no-such-route")]
    [InlineData("POST", "nothing/here")]
    [InlineData("DELETE", "api/v1/platforms/swiftride/hazard-reports")]
    [InlineData("PUT", "api/v1/ledger")]
    [InlineData("GET", "api/v1/platforms/swiftride/hazard-reports")]
    public async Task An_unknown_route_or_a_wrong_method_is_a_problem_404_as_on_the_Functions_host(string method, string path)
    {
        using var response = await Scenario.Hub.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.False(problem.TryGetProperty("errors", out _), "A problem with no per-field detail leaves out 'errors'.");
        Assert.False(response.Content.Headers.Contains("Allow"));
    }

    [Theory]
    [InlineData("application/json", 202)]
    [InlineData("application/json; charset=utf-8", 202)]
    [InlineData("application/json; charset=UTF-8", 202)]
    [InlineData("application/json; charset=utf-16", 415)]
    [InlineData("application/cloudevents+json", 415)]
    [InlineData("application/merge-patch+json", 415)]
    [InlineData("text/json", 415)]
    public async Task Only_UTF_8_application_json_is_taken(string contentType, int expected)
    {
        var body = Webhooks.HazardReport("ct-" + Guid.NewGuid().ToString("N")[..8]);

        using var response = await Scenario.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", body, Scenario.PlatformSigner, contentType: contentType));

        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_starts_with_a_byte_order_mark_is_read_and_its_signature_checked_as_sent()
    {
        var body = "\uFEFF" + Webhooks.HazardReport("bom-" + Guid.NewGuid().ToString("N")[..8]);

        using var response = await Scenario.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", body, Scenario.PlatformSigner));

        PlatformRetries.AssertAccepted(response);
    }

    [Theory]
    [InlineData(FunctionNames.CompileLedger)]
    [InlineData(FunctionNames.ExpirePickupOrders)]
    [InlineData("compileledger")]
    public async Task A_timer_function_runs_now_on_request(string name)
    {
        using var response = await Scenario.Hub.RunNowAsync(name);

        PlatformRetries.AssertAccepted(response);
    }

    [Fact]
    public async Task Running_the_ledger_compiler_now_publishes_todays_draft()
    {
        await Scenario.AcceptReportAsync("draft-" + Guid.NewGuid().ToString("N")[..8]);
        var days = Scenario.Storage.Hub.Table(Tables.LedgerDays);
        var before = await LatestDraftAsync(days);

        using var response = await Scenario.Hub.RunNowAsync(FunctionNames.CompileLedger);

        PlatformRetries.AssertAccepted(response);
        await Eventually(async () => await LatestDraftAsync(days) > before, "the compiler to write today's draft");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"input\":1,\"input\":2}")]
    public async Task Running_a_function_with_a_bad_body_is_400(string body)
    {
        using var response = await Scenario.Hub.RunNowAsync(FunctionNames.CompileLedger, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("NoSuchFunction")]
    [InlineData(FunctionNames.HazardReportReceived)]
    public async Task Running_an_unknown_or_HTTP_function_is_404(string name)
    {
        using var response = await Scenario.Hub.RunNowAsync(name);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"schemaVersion":1}""")]
    [InlineData("null")]
    public async Task A_malformed_queue_message_goes_to_poison_at_once(string message)
    {
        var marker = Guid.NewGuid().ToString("N");
        var body = message == "null" ? message : message.Length > 0 && message[0] == '{' ? message.Replace("}", $",\"marker\":\"{marker}\"}}", StringComparison.Ordinal) : message + " " + marker;
        await Scenario.Storage.Hub.Queue(Queues.HazardReportsAccepted).SendMessageAsync(BinaryData.FromString(body));
        var poison = Scenario.Storage.Hub.PoisonQueue(Queues.HazardReportsAccepted);

        // A message that failed would come back only after its lease (10 s here) and reach poison
        // after five tries; moved at once, it is there well before its first retry could start.
        var found = false;
        for (var i = 0; i < 80 && !found; i++)
        {
            var peeked = await poison.PeekMessagesAsync(32);
            found = peeked.Value.Any(m => m.Body.ToString() == body);
            await Task.Delay(found ? 0 : 100);
        }

        Assert.True(found, "The malformed message was not in the poison queue within 8 s.");
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_poison_alone_and_the_queue_goes_on()
    {
        var raw = new Azure.Storage.Queues.QueueClient(Scenario.Storage.ConnectionString, Scenario.Storage.Hub.QueueName(Queues.HazardReportsAccepted));
        var poison = new Azure.Storage.Queues.QueueClient(Scenario.Storage.ConnectionString, Scenario.Storage.Hub.QueueName(Queues.HazardReportsAccepted + Queues.PoisonSuffix));
        var marker = "not base64! " + Guid.NewGuid().ToString("N");
        await raw.SendMessageAsync(marker);

        // A good report sent after it is routed, and the bad message reaches poison as it was sent.
        var hubId = await Scenario.AcceptReportAsync("after-bad-" + Guid.NewGuid().ToString("N")[..8]);
        await Scenario.WaitForStatusAsync(hubId, "routed", TimeSpan.FromSeconds(20));
        await Eventually(async () => (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString() == marker), "the bad message to reach poison");
    }

    [Fact]
    public async Task A_missing_setting_stops_start_up_and_is_named()
    {
        var settings = new Dictionary<string, string?>(Scenario.Settings);
        settings.Remove("Secrets:Platforms:neighborbuy:SigningSecret");
        settings.Remove("Auth:ApiKeyHashes:city:ningbo");
        // Without a key-encryption key: with one, a tenant may hold its credentials in the registry (HubStartupTests).
        settings.Remove(HubScenario.CredentialKeySetting);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHub.StartAsync(settings));

        Assert.Contains("'Secrets:Platforms:neighborbuy:SigningSecret'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'Auth:ApiKeyHashes:city:ningbo'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hub_started_on_an_empty_account_makes_its_queues_and_tables_and_works()
    {
        var settings = new Dictionary<string, string?>(Scenario.Settings) { ["Storage:Prefix"] = "e" + Guid.NewGuid().ToString("N")[..10] };
        var storage = new HubStorage(new QueueServiceClient(Scenario.Storage.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }), new TableServiceClient(Scenario.Storage.ConnectionString), settings["Storage:Prefix"]!);
        try
        {
            await using var hub = await TestHub.StartAsync(settings);
            using var response = await hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/hazard-reports", Webhooks.HazardReport("empty-account"), Scenario.PlatformSigner));

            PlatformRetries.AssertAccepted(response);
            foreach (var queue in Queues.All)
            {
                Assert.True((await storage.Queue(queue).ExistsAsync()).Value, queue);
                Assert.True((await storage.PoisonQueue(queue).ExistsAsync()).Value, queue + Queues.PoisonSuffix);
            }
        }
        finally
        {
            await storage.DeleteAllAsync();
        }
    }

    [Fact]
    public async Task A_table_missing_at_run_time_is_a_503_problem_not_a_500()
    {
        await using var scenario = await HubScenario.StartAsync();
        var hubId = await scenario.AcceptReportAsync("table-gone");
        await scenario.Storage.Hub.Table(Tables.HazardReports).DeleteAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/{TestRegistry.Platform}/hazard-reports/{hubId}");
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await scenario.Hub.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter is not null);
    }

    private static (string Path, byte[] Body, Action<HttpRequestMessage> Headers) SignedCase(HubScenario scenario, string route, string body)
    {
        var path = route.Replace("{platformId}", TestRegistry.Platform, StringComparison.Ordinal);
        var signed = Webhooks.Signed(path, body, scenario.PlatformSigner);
        return (path, Encoding.UTF8.GetBytes(body), request =>
        {
            foreach (var header in signed.Headers)
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        });
    }

    /// <summary>Content with no length: HttpClient sends it with Transfer-Encoding: chunked.</summary>
    private static StreamContent Chunked(byte[] body)
    {
        var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        return content;
    }

    private static async Task<string> CreateOrderAsync(HubScenario scenario)
    {
        using var created = await scenario.Hub.Client.SendAsync(Webhooks.Signed("api/v1/platforms/swiftride/pickup-orders", PickupOrders.PickupOrderFlowTests.Created("order-" + Guid.NewGuid().ToString("N")[..8]), scenario.PlatformSigner));
        PlatformRetries.AssertAccepted(created);
        var hubId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
        return hubId;
    }

    private static async Task<string> CreateArrivedOrderAsync(HubScenario scenario)
    {
        var hubId = await CreateOrderAsync(scenario);
        using var arrival = new HttpRequestMessage(HttpMethod.Post, $"api/v1/stations/{TestRegistry.Station}/pickup-orders/{hubId}/arrival");
        arrival.Headers.Add("x-api-key", TestRegistry.StationKey);
        await Eventually(async () =>
        {
            using var again = new HttpRequestMessage(HttpMethod.Post, $"api/v1/stations/{TestRegistry.Station}/pickup-orders/{hubId}/arrival");
            again.Headers.Add("x-api-key", TestRegistry.StationKey);
            using var response = await scenario.Hub.Client.SendAsync(again);
            return response.StatusCode == HttpStatusCode.OK;
        }, "the order to be marked arrived");
        return hubId;
    }

    private static async Task<DateTimeOffset> LatestDraftAsync(TableClient days)
    {
        var latest = DateTimeOffset.MinValue;
        await foreach (var day in days.QueryAsync<TableEntity>(d => d.PartitionKey == StationHub.Ledger.LedgerDayEntity.DraftPartition))
        {
            latest = day.Timestamp > latest ? day.Timestamp.Value : latest;
        }

        return latest;
    }

    private static Task Eventually(Func<Task<bool>> condition, string what) => Infrastructure.Eventually.UntilAsync(condition, what);

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
