using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Contract;

/// <summary>
/// The running hub's real answers against the OpenAPI document it serves: for every route, good and
/// bad requests over HTTP, each answer's status and media type listed in the document and its body
/// valid under the documented schema (JsonSchema.Net, an independent validator), and each request the
/// hub took valid under the documented request body; and every event the hub sent to the test's city
/// and platform valid under the document's <c>webhooks</c>.
/// </summary>
[RunsLong(24)]
public sealed class OpenApiConformanceTests(OpenApiConformanceTests.World world) : IClassFixture<OpenApiConformanceTests.World>
{
    private const string Platform = "api/v1/platforms/" + TestRegistry.Platform;
    private const string Station = "api/v1/stations/" + TestRegistry.Station;

    public sealed class World : IAsyncLifetime
    {
        public HubScenario Scenario { get; private set; } = null!;

        public DocumentSchemas Schemas { get; private set; } = null!;

        /// <summary>A sealed day of the city's calendar with one figure in it, for the day and proof routes.</summary>
        public string SealedDay { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), zone).DateTime);
            var day = today.AddDays(-2);
            SealedDay = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Scenario = await HubScenario.StartAsync(configure: settings => settings["Ledger:StartDate"] = SealedDay);

            using var served = await Scenario.Hub.Client.GetAsync(Routes.OpenApiDocument);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Schemas = new DocumentSchemas(JsonNode.Parse(await served.Content.ReadAsByteArrayAsync())!);

            var noon = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), zone.GetUtcOffset(day.ToDateTime(new TimeOnly(12, 0))));
            await Scenario.Hub.Get<LedgerEntryWriter>().WriteAsync([new LedgerEntry(LedgerKinds.ReportReceived, LedgerScopes.District("330106"), "conformance", noon, Label: "blocked_fire_exit")]);
            using var seal = await Scenario.Hub.RunNowAsync(FunctionNames.SealLedger);
            PlatformRetries.AssertAccepted(seal);
            await Eventually.UntilAsync(async () =>
            {
                using var days = await Scenario.Hub.Client.GetAsync(Routes.Ledger);
                return (await days.Content.ReadAsStringAsync()).Contains(SealedDay, StringComparison.Ordinal);
            }, "the sealer to seal " + SealedDay);

            // The day is listed once sealed; its checkpoint follows when the same run appends it to the tree.
            await Eventually.UntilAsync(async () =>
            {
                using var checkpoint = await Scenario.Hub.Client.GetAsync(Routes.LedgerCheckpoint);
                return checkpoint.StatusCode == HttpStatusCode.OK;
            }, "the sealed day's checkpoint");
        }

        public async Task DisposeAsync() => await Scenario.DisposeAsync();
    }

    private HubScenario Scenario => world.Scenario;

    private delegate Task<HttpRequestMessage> Case(HubScenario scenario, World world);

    /// <summary>Per function: requests that should succeed and requests that should be refused.</summary>
    private static readonly Dictionary<string, Case[]> Cases = new()
    {
        [FunctionNames.HazardReportReceived] =
        [
            (s, _) => Signed(s, Platform + "/hazard-reports", Webhooks.HazardReport(NewId("oa"))),
            (s, _) => Signed(s, Platform + "/hazard-reports", "{not json"),
            (_, _) => Json(HttpMethod.Post, Platform + "/hazard-reports", Webhooks.HazardReport(NewId("oa")), key: null),
            (s, _) => Signed(s, "api/v1/platforms/no-such-platform/hazard-reports", Webhooks.HazardReport(NewId("oa"))),
        ],
        [FunctionNames.HazardReportStatus] =
        [
            async (s, _) => await Get($"{Platform}/hazard-reports/{await s.AcceptReportAsync(NewId("oa"))}", TestRegistry.PlatformKey),
            (_, _) => Get(Platform + "/hazard-reports/no-such-report", TestRegistry.PlatformKey),
            (_, _) => Get(Platform + "/hazard-reports/no-such-report", null),
        ],
        [FunctionNames.PickupOrderReceived] =
        [
            (s, _) => Signed(s, Platform + "/pickup-orders", PickupOrders.PickupOrderFlowTests.Created(NewId("oa"))),
            (s, _) => Signed(s, Platform + "/pickup-orders", """{"type":"pickup_order.created","timestamp":"2026-11-22T08:00:00Z","data":{}}"""),
            (s, _) => Signed(s, Platform + "/pickup-orders", """{"type":"pickup_order.cancelled","timestamp":"2026-11-22T08:00:00Z","data":{"orderId":"never-made"}}"""),
        ],
        [FunctionNames.PickupOrderStatus] =
        [
            async (s, _) => await Get($"{Platform}/pickup-orders/{await CreateOrderAsync(s)}", TestRegistry.PlatformKey),
            (_, _) => Get(Platform + "/pickup-orders/no-such-order", TestRegistry.PlatformKey),
        ],
        [FunctionNames.PointsTransactionReceived] =
        [
            (s, _) => Signed(s, Platform + "/points-transactions", Earn(NewId("t"), "oa-courier", "patrol_hour")),
            (s, _) => Signed(s, Platform + "/points-transactions", Earn(NewId("t"), "oa-courier", "patrol_hour"), contentType: "text/plain"),
            (s, _) => Signed(s, Platform + "/points-transactions", Redeem(NewId("t"), "oa-poor-courier", "ebike_repair_voucher")),
        ],
        [FunctionNames.CourierPoints] =
        [
            async (s, _) =>
            {
                var courier = NewId("c");
                using (var earned = await s.Hub.Client.SendAsync(Webhooks.Signed(Platform + "/points-transactions", Earn(NewId("t"), courier, "patrol_hour"), s.PlatformSigner)))
                {
                    PlatformRetries.AssertAccepted(earned);
                }

                await Eventually.UntilAsync(async () => (await s.Hub.Client.SendAsync(await Get($"{Platform}/couriers/{courier}/points", TestRegistry.PlatformKey))).IsSuccessStatusCode, "the points to be applied");
                return await Get($"{Platform}/couriers/{courier}/points", TestRegistry.PlatformKey);
            },
            (_, _) => Get(Platform + "/couriers/anyone/points", null),
            (_, _) => Get(Platform + "/couriers/nobody-at-all/points", TestRegistry.PlatformKey),
        ],
        [FunctionNames.PickupOrderArrival] =
        [
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/pickup-orders/{await CreateOrderAsync(s)}/arrival", "{}", TestRegistry.StationKey),
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/pickup-orders/{await CreateOrderAsync(s)}/arrival", "{}", TestRegistry.OtherStationKey),
            (_, _) => Json(HttpMethod.Post, $"{Station}/pickup-orders/no-such-order/arrival", "{}", null),
        ],
        [FunctionNames.PickupOrderCollection] =
        [
            async (s, _) =>
            {
                var order = await ArrivedOrderAsync(s);
                var code = await PickupCodeAsync(s, order);
                return await Json(HttpMethod.Post, $"{Station}/pickup-orders/{order}/collection", $$"""{"pickupCode":"{{code}}"}""", TestRegistry.StationKey);
            },
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/pickup-orders/{await ArrivedOrderAsync(s)}/collection", """{"pickupCode":"12"}""", TestRegistry.StationKey),
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/pickup-orders/{await CreateOrderAsync(s)}/collection", """{"pickupCode":"000000"}""", TestRegistry.StationKey),
        ],
        [FunctionNames.PickupOrderUnlock] =
        [
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/pickup-orders/{await ArrivedOrderAsync(s)}/unlock", "{}", TestRegistry.StationKey),
            (_, _) => Json(HttpMethod.Post, $"{Station}/pickup-orders/no-such-order/unlock", "{}", TestRegistry.StationKey),
        ],
        [FunctionNames.VoucherRedemption] =
        [
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/vouchers/{await VoucherAsync(s)}/redemption", "{}", TestRegistry.StationKey),
            (_, _) => Json(HttpMethod.Post, $"{Station}/vouchers/NOSUCHCODE/redemption", "{}", TestRegistry.StationKey),
            async (s, _) => await Json(HttpMethod.Post, $"{Station}/vouchers/{await VoucherAsync(s)}/redemption", "{}", TestRegistry.OtherStationKey),
        ],
        [FunctionNames.GigWorkReceived] =
        [
            (s, _) => Signed(s, Platform + "/gig-work", GigWork.GigWorkWorld.Job(NewId("oa"))),
            (s, _) => Signed(s, Platform + "/gig-work", "{\"type\":\"gig_job.posted\",\"timestamp\":\"" + Now() + "\",\"data\":{}}"),
        ],
        [FunctionNames.GigWorkStatus] =
        [
            async (s, _) =>
            {
                using var posted = await s.Hub.Client.SendAsync(await Signed(s, Platform + "/gig-work", GigWork.GigWorkWorld.Job(NewId("oa"))));
                var hubId = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString();
                return await Get($"{Platform}/gig-work/{hubId}", TestRegistry.PlatformKey);
            },
            (_, _) => Get(Platform + "/gig-work/no-such-event", TestRegistry.PlatformKey),
        ],
        [FunctionNames.GigWorkStations] =
        [
            (_, _) => Get(Routes.GigWorkStations, null),
        ],
        [FunctionNames.GigWorkPolicies] =
        [
            (_, _) => Get(Routes.GigWorkPolicies, null),
        ],
        [FunctionNames.StationStatusReport] =
        [
            (_, _) => Json(HttpMethod.Put, Station + "/status", StationStatus(), TestRegistry.StationKey),
            (_, _) => Json(HttpMethod.Put, Station + "/status", """{"open":"yes"}""", TestRegistry.StationKey),
            (_, _) => Json(HttpMethod.Put, Station + "/status", StationStatus(), TestRegistry.OtherStationKey),
            (_, _) => Json(HttpMethod.Put, Station + "/status", StationStatus(), key: null),
        ],
        [FunctionNames.StationStatusReceived] =
        [
            (s, _) => Signed(s, Platform + "/station-status", "{\"type\":\"station.status\",\"timestamp\":\"" + Now() + "\",\"data\":{\"stationId\":\"st-hz-03\",\"open\":true,\"chargers\":{\"free\":1,\"total\":2},\"observedAt\":\"" + Now() + "\"}}"),
            (s, _) => Signed(s, Platform + "/station-status", "{\"type\":\"station.status\",\"timestamp\":\"" + Now() + "\",\"data\":{\"stationId\":\"no-such-station\",\"open\":true,\"chargers\":{\"free\":1,\"total\":2},\"observedAt\":\"" + Now() + "\"}}"),
            (s, _) => Signed(s, Platform + "/station-status", "{not json"),
        ],
        [FunctionNames.StationsMap] =
        [
            (_, _) => Get(Routes.Stations + "?near=30.25,120.18&limit=3", null),
            (_, _) => Get(Routes.Stations + "?openNow=true&service=ebike_charging", null),
            (_, _) => Get(Routes.Stations + "?bbox=not,a,box", null),
        ],
        [FunctionNames.StationsMapPage] =
        [
            (_, _) => Get(Routes.StationsMapPage, null),
        ],
        [FunctionNames.StationsMapAssets] =
        [
            (_, _) => Get("map/assets/map.js", null),
            (_, _) => Get("map/assets/leaflet.css", null),
            (_, _) => Get("map/assets/nothing.js", null),
        ],
        [FunctionNames.Open311Services] =
        [
            (_, _) => Get("api/v1/open311/services.json", null),
            (_, _) => Get("api/v1/open311/services.xml", null),
            (_, _) => Get("api/v1/open311/services.txt", null),
        ],
        [FunctionNames.Open311Requests] =
        [
            (_, _) => Get("api/v1/open311/requests.json", TestRegistry.WebhookCityKey),
            (_, _) => Get($"api/v1/open311/requests.xml?api_key={TestRegistry.WebhookCityKey}", null),
            (_, _) => Get("api/v1/open311/requests.json", null),
            (_, _) => Get("api/v1/open311/requests.json?start_date=yesterday", TestRegistry.WebhookCityKey),
        ],
        [FunctionNames.Open311Request] =
        [
            async (s, _) => await Get($"api/v1/open311/requests/{await RoutedReportAsync(s)}.json", TestRegistry.WebhookCityKey),
            (_, _) => Get("api/v1/open311/requests/no-such-request.json", TestRegistry.WebhookCityKey),
            (_, _) => Get("api/v1/open311/requests/no-such-request.xml", null),
        ],
        [FunctionNames.Open311RequestUpdates] =
        [
            (_, _) => Get("api/v1/open311/servicerequestupdates.json", TestRegistry.WebhookCityKey),
            (_, _) => Get("api/v1/open311/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z", TestRegistry.WebhookCityKey),
        ],
        [FunctionNames.CityUpdateReceived] =
        [
            async (s, _) => await Json(HttpMethod.Post, $"api/v1/city/requests/{await RoutedReportAsync(s)}/updates", CityUpdate("acknowledged"), TestRegistry.WebhookCityKey),
            async (s, _) => await Json(HttpMethod.Post, $"api/v1/city/requests/{await RoutedReportAsync(s)}/updates", """{"status":"sideways"}""", TestRegistry.WebhookCityKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/city/requests/no-such-request/updates", CityUpdate("acknowledged"), null),
            (_, _) => Json(HttpMethod.Post, "api/v1/city/requests/no-such-request/updates", CityUpdate("acknowledged"), TestRegistry.WebhookCityKey),
        ],
        [FunctionNames.LedgerDays] =
        [
            (_, _) => Get(Routes.Ledger, null),
            async (s, _) =>
            {
                using var first = await s.Hub.Client.GetAsync(Routes.Ledger);
                var request = await Get(Routes.Ledger, null);
                request.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.ToString());
                return request;
            },
        ],
        [FunctionNames.LedgerDay] =
        [
            (_, w) => Get($"{Routes.Ledger}/{w.SealedDay}", null),
            (_, _) => Get($"{Routes.Ledger}/not-a-date", null),
            (_, _) => Get($"{Routes.Ledger}/1999-01-01", null),
        ],
        [FunctionNames.LedgerProof] =
        [
            async (s, w) =>
            {
                using var day = await s.Hub.Client.GetAsync($"{Routes.Ledger}/{w.SealedDay}");
                var figures = (await day.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("figures");
                var scope = figures.EnumerateObject().First();
                var kind = scope.Value.EnumerateObject().First().Name;
                return await Get($"{Routes.Ledger}/{w.SealedDay}/proof?scope={Uri.EscapeDataString(scope.Name)}&kind={Uri.EscapeDataString(kind)}", null);
            },
            (_, w) => Get($"{Routes.Ledger}/{w.SealedDay}/proof", null),
            (_, _) => Get($"{Routes.Ledger}/1999-01-01/proof?scope=total&kind=report.received", null),
        ],
        [FunctionNames.LedgerCheckpointKey] =
        [
            (_, _) => Get(Routes.LedgerKey, null),
        ],
        [FunctionNames.LedgerCheckpoint] =
        [
            (_, _) => Get(Routes.LedgerCheckpoint, null),
        ],
        [FunctionNames.LedgerDayCheckpoint] =
        [
            (_, w) => Get($"api/v1/ledger/{w.SealedDay}/checkpoint", null),
            (_, _) => Get("api/v1/ledger/not-a-date/checkpoint", null),
            (_, _) => Get("api/v1/ledger/2001-01-01/checkpoint", null),
        ],
        [FunctionNames.LedgerConsistency] =
        [
            (_, _) => Get(Routes.LedgerConsistency + "?from=0&to=1", null),
            (_, _) => Get(Routes.LedgerConsistency + "?from=2&to=1", null),
            (_, _) => Get(Routes.LedgerConsistency, null),
        ],
        [FunctionNames.LedgerPage] =
        [
            (_, _) => Get(Routes.LedgerPage, null),
        ],
        [FunctionNames.DeadLettersList] =
        [
            (_, _) => Get(Routes.DeadLetters + "?includeReplayed=true", TestRegistry.AdminKey),
            (_, _) => Get(Routes.DeadLetters, TestRegistry.StationKey),
        ],
        [FunctionNames.DeadLetterReplay] =
        [
            async (s, _) => await Json(HttpMethod.Post, $"api/v1/admin/dead-letters/{await DeadLetterAsync(s)}/replay", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/dead-letters/no-such-letter/replay", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/dead-letters/no-such-letter/replay", "{}", null),
        ],
        [FunctionNames.EndpointsList] =
        [
            (_, _) => Get(Routes.Endpoints, TestRegistry.AdminKey),
            (_, _) => Get(Routes.Endpoints, TestRegistry.StationKey),
        ],
        [FunctionNames.EndpointPause] =
        [
            // The other platform: nothing in these cases waits for its deliveries; EndpointResume resumes it.
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/pause", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:nobody/pause", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/pause", "{}", null),
        ],
        [FunctionNames.EndpointResume] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/resume", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/nonsense/resume", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/resume", "{}", TestRegistry.StationKey),
        ],
        [FunctionNames.EndpointRecover] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/recover?since=2026-01-01T00:00:00Z", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/recover?since=yesterday", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/recover", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/city:atlantis/recover?since=2026-01-01T00:00:00Z", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/endpoints/platform:neighborbuy/recover?since=2026-01-01T00:00:00Z", "{}", null),
        ],
        [FunctionNames.OpenApiDocument] =
        [
            (_, _) => Get(Routes.OpenApiDocument, null),
        ],
        [FunctionNames.AdminCitiesList] =
        [
            (_, _) => Get("api/v1/admin/cities", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminCityGet] =
        [
            (_, _) => Get("api/v1/admin/cities/hangzhou", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminCityPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/cities/hangzhou"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/cities/hangzhou", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/cities/hangzhou", "{}", null),
        ],
        [FunctionNames.AdminCityDelete] =
        [
            (s, _) => DeletableAsync(s, "cities"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/cities/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminBodiesList] =
        [
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminBodyGet] =
        [
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies/hz-water", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminBodyPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/cities/hangzhou/bodies/hz-water"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/cities/hangzhou/bodies/hz-water", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/cities/hangzhou/bodies/hz-water", "{}", null),
        ],
        [FunctionNames.AdminBodyDelete] =
        [
            (s, _) => DeletableAsync(s, "cities/hangzhou/bodies"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/cities/hangzhou/bodies/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminPlatformsList] =
        [
            (_, _) => Get("api/v1/admin/platforms", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/platforms", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminPlatformGet] =
        [
            (_, _) => Get("api/v1/admin/platforms/swiftride", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/platforms/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminPlatformPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/platforms/swiftride"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/platforms/swiftride", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/platforms/swiftride", "{}", null),
        ],
        [FunctionNames.AdminPlatformDelete] =
        [
            (s, _) => DeletableAsync(s, "platforms"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/platforms/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminStationsList] =
        [
            (_, _) => Get("api/v1/admin/stations", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/stations", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminStationGet] =
        [
            (_, _) => Get("api/v1/admin/stations/st-hz-01", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/stations/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminStationPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/stations/st-hz-01"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/stations/st-hz-01", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/stations/st-hz-01", "{}", null),
        ],
        [FunctionNames.AdminStationDelete] =
        [
            (s, _) => DeletableAsync(s, "stations"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/stations/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminWitnessesList] =
        [
            (_, _) => Get("api/v1/admin/witnesses", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/witnesses", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminWitnessGet] =
        [
            (_, _) => Get("api/v1/admin/witnesses/sandbox", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/witnesses/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminWitnessPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/witnesses/sandbox"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/witnesses/sandbox", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/witnesses/sandbox", "{}", null),
        ],
        [FunctionNames.AdminWitnessDelete] =
        [
            (s, _) => DeletableAsync(s, "witnesses"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/witnesses/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminSubsidyPoliciesList] =
        [
            (_, _) => Get("api/v1/admin/subsidy-policies", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/subsidy-policies", TestRegistry.PlatformKey),
        ],
        [FunctionNames.AdminSubsidyPolicyGet] =
        [
            (_, _) => Get("api/v1/admin/subsidy-policies/chaoyang-2024", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/subsidy-policies/no-such-entry", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminSubsidyPolicyPut] =
        [
            (s, _) => PutBackAsync(s, "api/v1/admin/subsidy-policies/chaoyang-2024"),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/subsidy-policies/chaoyang-2024", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Put, "api/v1/admin/subsidy-policies/chaoyang-2024", "{}", null),
        ],
        [FunctionNames.AdminSubsidyPolicyDelete] =
        [
            (s, _) => DeletableAsync(s, "subsidy-policies"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/subsidy-policies/no-such-entry") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminRegistryImport] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/registry/import", """{ "platforms": [ { "id": "oa-imported", "name": "Imported", "webhookUrl": "http://127.0.0.1:9/hooks" } ] }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/registry/import", """{ "stations": [ { "id": "oa-lost", "name": "Lost", "district": "999999" } ] }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminStationsImport] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/stations/import", """{ "type": "FeatureCollection", "features": [ { "type": "Feature", "id": "oa-geo", "geometry": { "type": "Point", "coordinates": [120.1645, 30.2575] }, "properties": { "name": "Imported", "district": "330102", "services": ["toilet"] } } ] }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/stations/import", """{ "type": "FeatureCollection", "features": [ { "type": "Feature", "id": "oa-geo-lost", "geometry": { "type": "Point", "coordinates": [120.1645, 30.2575] }, "properties": { "name": "Lost", "district": "999999" } } ] }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminCityCredentialsList] =
        [
            (_, _) => Get("api/v1/admin/cities/ningbo/credentials", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities/no-such-entry/credentials", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminCityCredentialIssue] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/ningbo/credentials", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/ningbo/credentials", """{ "type": "api-key" }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/ningbo/credentials", """{ "type": "password" }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminCityCredentialRevoke] =
        [
            (s, _) => RevocableAsync(s, "api/v1/admin/cities/ningbo/credentials"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/cities/ningbo/credentials/cred_nosuch") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminBodyCredentialsList] =
        [
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies/hz-water/credentials", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/cities/hangzhou/bodies/no-such-entry/credentials", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminBodyCredentialIssue] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/hangzhou/bodies/hz-water/credentials", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/hangzhou/bodies/hz-water/credentials", """{ "type": "api-key" }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/cities/hangzhou/bodies/hz-water/credentials", """{ "type": "password" }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminBodyCredentialRevoke] =
        [
            (s, _) => RevocableAsync(s, "api/v1/admin/cities/hangzhou/bodies/hz-water/credentials"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/cities/hangzhou/bodies/hz-water/credentials/cred_nosuch") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminPlatformCredentialsList] =
        [
            (_, _) => Get("api/v1/admin/platforms/neighborbuy/credentials", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/platforms/no-such-entry/credentials", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminPlatformCredentialIssue] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/platforms/neighborbuy/credentials", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/platforms/neighborbuy/credentials", """{ "type": "api-key" }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/platforms/neighborbuy/credentials", """{ "type": "password" }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminPlatformCredentialRevoke] =
        [
            (s, _) => RevocableAsync(s, "api/v1/admin/platforms/neighborbuy/credentials"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/platforms/neighborbuy/credentials/cred_nosuch") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
        [FunctionNames.AdminStationCredentialsList] =
        [
            (_, _) => Get("api/v1/admin/stations/st-hz-02/credentials", TestRegistry.AdminKey),
            (_, _) => Get("api/v1/admin/stations/no-such-entry/credentials", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminStationCredentialIssue] =
        [
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/stations/st-hz-02/credentials", "{}", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/stations/st-hz-02/credentials", """{ "type": "api-key" }""", TestRegistry.AdminKey),
            (_, _) => Json(HttpMethod.Post, "api/v1/admin/stations/st-hz-02/credentials", """{ "type": "password" }""", TestRegistry.AdminKey),
        ],
        [FunctionNames.AdminStationCredentialRevoke] =
        [
            (s, _) => RevocableAsync(s, "api/v1/admin/stations/st-hz-02/credentials"),
            (_, _) => Task.FromResult(new HttpRequestMessage(HttpMethod.Delete, "api/v1/admin/stations/st-hz-02/credentials/cred_nosuch") { Headers = { { "x-api-key", TestRegistry.AdminKey } } }),
        ],
    };

    public static TheoryData<string> Functions() => [.. Cases.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_HTTP_row_but_the_catch_all_has_cases()
    {
        var rows = HubTriggers.Http.Where(row => row.Name != FunctionNames.RouteNotFound).Select(row => row.Name).Order(StringComparer.Ordinal);

        Assert.Equal(rows, Cases.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Real_answers_are_documented_and_match_their_schemas(string function)
    {
        var statuses = new List<int>();
        foreach (var build in Cases[function])
        {
            using var request = await build(Scenario, world);
            var sent = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
            using var response = await Scenario.Hub.Client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();

            world.Schemas.AssertAnswer(function, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
            if (response.IsSuccessStatusCode && world.Schemas.Operation(function)["requestBody"] is { } requestBody)
            {
                // What the hub took must be what the document asks for.
                world.Schemas.AssertValid(requestBody["content"]!["application/json"]!["schema"]!, sent, function + " request");
            }

            statuses.Add((int)response.StatusCode);
        }

        Assert.Contains(statuses, status => status is >= 200 and < 300);
        var documented = world.Schemas.Operation(function)["responses"]!.AsObject().Select(r => int.Parse(r.Key, CultureInfo.InvariantCulture));
        // The latest checkpoint's only refusal (404) is for a hub that has sealed no day yet; this world has one.
        if (documented.Any(status => status is >= 400 and < 500) && function != FunctionNames.LedgerCheckpoint)
        {
            Assert.Contains(statuses, status => status is >= 400 and < 500);
        }
    }

    [Fact]
    public async Task Every_event_the_hub_sent_matches_its_webhook_schema()
    {
        // A report routed and updated, an order made ready, points earned: events to the city and the platform.
        var hubId = await RoutedReportAsync(Scenario);
        using (var update = await Scenario.Hub.Client.SendAsync(await Json(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates", CityUpdate("acknowledged"), TestRegistry.WebhookCityKey)))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var order = await ArrivedOrderAsync(Scenario);
        await PickupCodeAsync(Scenario, order);
        using (var earned = await Scenario.Hub.Client.SendAsync(Webhooks.Signed(Platform + "/points-transactions", Earn(NewId("t"), NewId("c"), "patrol_hour"), Scenario.PlatformSigner)))
        {
            PlatformRetries.AssertAccepted(earned);
        }

        string[] expected = ["hazard_report.updated", "pickup_order.ready", "points.balance_changed"];
        await Scenario.Platform.WaitForAsync(received => expected.All(type => received.Any(r => r.Text.Contains($"\"{type}\"", StringComparison.Ordinal))), TimeSpan.FromSeconds(30));

        var webhooks = world.Schemas.Document["webhooks"]!.AsObject();
        var checkedTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var received in Scenario.City.All.Concat(Scenario.Platform.All))
        {
            var type = JsonNode.Parse(received.Body)!["type"]!.GetValue<string>();
            Assert.True(webhooks.ContainsKey(type), $"The hub sent {type}, which the document's webhooks do not list.");
            var schema = webhooks[type]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
            world.Schemas.AssertValid(schema, received.Body, "event " + type);
            checkedTypes.Add(type);
        }

        Assert.Superset(new HashSet<string>(["hazard_report.routed", .. expected], StringComparer.Ordinal), checkedTypes);
    }

    [Fact]
    public async Task The_served_document_lints_with_Redocly_without_errors()
    {
        var redocly = Path.Combine(RepoPaths.Root, "tests", "openapi", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"Redocly CLI is not installed at {redocly}: run `npm ci` in tests/openapi (tests/run-all.sh does).");
        using var served = await Scenario.Hub.Client.GetAsync(Routes.OpenApiDocument);
        var file = Path.Combine(Path.GetTempPath(), $"stationhub-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(file, await served.Content.ReadAsByteArrayAsync());
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo(redocly)
            {
                ArgumentList = { "lint", file, "--config", Path.Combine(RepoPaths.Root, "tests", "openapi", "redocly.yaml"), "--format", "stylish" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
            };
            using var lint = System.Diagnostics.Process.Start(start)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

            Assert.True(lint.ExitCode == 0, $"redocly lint found errors:\n{await output}\n{await errors}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A registry entry read and put back as it is, with If-Match: * (a replace the registry always takes).</summary>
    private static async Task<HttpRequestMessage> PutBackAsync(HubScenario scenario, string path)
    {
        using var read = await scenario.Hub.Client.SendAsync(await Get(path, TestRegistry.AdminKey));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var request = await Json(HttpMethod.Put, path, await read.Content.ReadAsStringAsync(), TestRegistry.AdminKey);
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        return request;
    }

    /// <summary>An API key issued for the case, and the request that revokes it.</summary>
    private static async Task<HttpRequestMessage> RevocableAsync(HubScenario scenario, string credentials)
    {
        using var issued = await scenario.Hub.Client.SendAsync(await Json(HttpMethod.Post, credentials, """{ "type": "api-key" }""", TestRegistry.AdminKey));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var id = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        return new HttpRequestMessage(HttpMethod.Delete, $"{credentials}/{id}") { Headers = { { "x-api-key", TestRegistry.AdminKey } } };
    }

    private static int deletableCases = -1;

    /// <summary>A registry entry of the kind made for the case, and the request that deletes it.</summary>
    private static async Task<HttpRequestMessage> DeletableAsync(HubScenario scenario, string route)
    {
        var id = NewId("oa");

        // Each case's city gets a district of its own, a degree apart from every other case's: districts must not overlap.
        var n = Interlocked.Increment(ref deletableCases);
        var code = "9" + (10_000 + n).ToString(CultureInfo.InvariantCulture);
        var lat = -60 + (n % 50);
        var lon = 10 + (n / 50);
        var city = $$"""{ "name": "Case", "delivery": { "format": "webhook", "endpoint": "http://127.0.0.1:9/city" }, "districts": [ { "code": "{{code}}", "name": "Case", "area": [[{{lat}}, {{lon}}], [{{lat + 0.5}}, {{lon}}], [{{lat + 0.5}}, {{lon + 0.5}}], [{{lat}}, {{lon + 0.5}}]] } ] }""";
        var entry = route switch
        {
            "cities" => city,
            "cities/hangzhou/bodies" => """{ "name": "Case body", "categories": ["broken_railing"], "delivery": { "format": "webhook", "endpoint": "http://127.0.0.1:9/body" } }""",
            "platforms" => """{ "name": "Case platform", "webhookUrl": "http://127.0.0.1:9/platform" }""",
            "stations" => """{ "name": "Case station", "district": "330102" }""",
            "witnesses" => """{ "url": "http://127.0.0.1:9/witness", "verifierKey": "sandbox.stationhub.local/witness+739ffde2+BLAueWn10mq71OZQ7jx22aZYjmDpqzgVFCZ2jWoHPA1O" }""",
            _ => $$"""{ "name": "Case policy", "districts": ["{{code}}"], "yearStart": "2024-01-01", "capFen": 100, "tiers": [ { "minWorkersWanted": 1, "minMatches": 1, "earnsFen": 100 } ] }""",
        };
        if (route == "subsidy-policies")
        {
            using var made = await scenario.Hub.Client.SendAsync(await Json(HttpMethod.Put, "api/v1/admin/cities/" + NewId("oa"), city, TestRegistry.AdminKey));
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        }

        using (var created = await scenario.Hub.Client.SendAsync(await Json(HttpMethod.Put, $"api/v1/admin/{route}/{id}", entry, TestRegistry.AdminKey)))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var request = new HttpRequestMessage(HttpMethod.Delete, $"api/v1/admin/{route}/{id}");
        request.Headers.Add("x-api-key", TestRegistry.AdminKey);
        return request;
    }

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static string Earn(string id, string courier, string task) =>
        $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","task":"{{{task}}}","stationId":"st-hz-01"}}""";

    private static string Redeem(string id, string courier, string reward) =>
        $$$"""{"type":"points.redeemed","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","reward":"{{{reward}}}"}}""";

    private static string CityUpdate(string status) =>
        JsonSerializer.Serialize(new { updateId = NewId("u"), status, note = "On our way", updatedAt = TimeProvider.System.GetUtcNow().AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture) });

    private static string Now() => TimeProvider.System.GetUtcNow().AddSeconds(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string StationStatus() =>
        "{\"open\":true,\"chargers\":{\"free\":2,\"total\":6},\"seats\":{\"free\":4,\"total\":10},\"observedAt\":\"" + Now() + "\"}";

    private static Task<HttpRequestMessage> Signed(HubScenario scenario, string path, string body, string contentType = "application/json") =>
        Task.FromResult(Webhooks.Signed(path, body, scenario.PlatformSigner, contentType: contentType));

    private static Task<HttpRequestMessage> Get(string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return Task.FromResult(request);
    }

    private static Task<HttpRequestMessage> Json(HttpMethod method, string path, string body, string? key)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return Task.FromResult(request);
    }

    private static async Task<string> CreateOrderAsync(HubScenario scenario)
    {
        using var created = await scenario.Hub.Client.SendAsync(Webhooks.Signed(Platform + "/pickup-orders", PickupOrders.PickupOrderFlowTests.Created(NewId("order")), scenario.PlatformSigner));
        PlatformRetries.AssertAccepted(created);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
    }

    private static async Task<string> ArrivedOrderAsync(HubScenario scenario)
    {
        var order = await CreateOrderAsync(scenario);
        using var arrived = await scenario.Hub.Client.SendAsync(await Json(HttpMethod.Post, $"{Station}/pickup-orders/{order}/arrival", "{}", TestRegistry.StationKey));
        Assert.Equal(HttpStatusCode.OK, arrived.StatusCode);
        return order;
    }

    private static async Task<string> PickupCodeAsync(HubScenario scenario, string order)
    {
        bool Ready(Received r) => r.Text.Contains("\"pickup_order.ready\"", StringComparison.Ordinal) && r.Text.Contains(order, StringComparison.Ordinal);
        var received = await scenario.Platform.WaitForAsync(all => all.Any(Ready), TimeSpan.FromSeconds(30));
        return JsonNode.Parse(received.First(Ready).Body)!["data"]!["pickupCode"]!.GetValue<string>();
    }

    private static async Task<string> RoutedReportAsync(HubScenario scenario)
    {
        var hubId = await scenario.AcceptReportAsync(NewId("oa"));
        await scenario.WaitForStatusAsync(hubId, "routed");
        return hubId;
    }

    private static async Task<string> VoucherAsync(HubScenario scenario)
    {
        var courier = NewId("c");
        foreach (var task in new[] { "emergency_assistance", "emergency_assistance", "patrol_hour" })
        {
            using var earned = await scenario.Hub.Client.SendAsync(Webhooks.Signed(Platform + "/points-transactions", Earn(NewId("t"), courier, task), scenario.PlatformSigner));
            PlatformRetries.AssertAccepted(earned);
        }

        using var redeemed = await scenario.Hub.Client.SendAsync(Webhooks.Signed(Platform + "/points-transactions", Redeem(NewId("t"), courier, "ebike_repair_voucher"), scenario.PlatformSigner));
        PlatformRetries.AssertAccepted(redeemed);
        return (await redeemed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("voucherCode").GetString()!;
    }

    /// <summary>A delivery that used every try: the city answers 500 until it is dead-lettered.</summary>
    private static async Task<string> DeadLetterAsync(HubScenario scenario)
    {
        scenario.City.AnswerWith(_ => new Reply(500));
        try
        {
            var hubId = await scenario.AcceptReportAsync(NewId("dead"));
            string? deliveryId = null;
            await Eventually.UntilAsync(async () =>
            {
                using var list = await scenario.Hub.Client.SendAsync(await Get(Routes.DeadLetters, TestRegistry.AdminKey));
                var letters = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
                deliveryId = letters.FirstOrDefault(l => l.GetProperty("eventType").GetString() == "hazard_report.routed").ValueKind == JsonValueKind.Object
                    ? letters.First(l => l.GetProperty("eventType").GetString() == "hazard_report.routed").GetProperty("deliveryId").GetString()
                    : null;
                return deliveryId is not null;
            }, $"the routing of {hubId} to be dead-lettered");
            return deliveryId!;
        }
        finally
        {
            scenario.City.AnswerWith(_ => new Reply(200));
        }
    }
}
