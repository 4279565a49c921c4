using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StationHub.LocalHost.Hosting;
using StationHub.Platform.Json;
using StationHub.Platform.Storage;
using StationHub.Testing;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Benchmarks.Costs;

/// <summary>
/// One flow's storage requests per item: on the HTTP path (the requests its HTTP functions made, until
/// their answers) and end to end (every function of the flow, until the item is delivered or applied
/// and the queues are quiet), idle polls left out; null when not counted.
/// </summary>
public sealed record FlowCost(string Flow, int Items, double? HttpPerItem, double? EndToEndPerItem, string Target, bool? Met);

/// <summary>The costs part: every flow's requests per item and one idle host's requests per minute, or why none were counted.</summary>
public sealed record CostRun(IReadOnlyList<FlowCost> Flows, double? IdlePerMinute, double? IdlePollsPerMinute, double? IdleTimersPerMinute, string? NotCounted)
{
    public const double IdleTarget = 60;

    /// <summary>The registry's version row (issue 23), per minute: included in <see cref="IdlePerMinute"/>.</summary>
    public double? IdleRegistryPerMinute { get; init; }
}

/// <summary>
/// Part 8, costs (issue 21): the local host in this process over a private Azurite, so that its own
/// <c>stationhub.storage.requests</c> can be read (<see cref="StorageRequestCounter"/>, as FlowCostTests
/// and IdleCostTests read it). Each flow is warmed with one item (the day's tables and rows exist, as
/// in a running hub), then <see cref="Items"/> items are sent one after another and followed until the
/// hub is quiet. A hub in another process (<c>--hub</c>) cannot be counted this way.
/// </summary>
public sealed class CostBenchmark(BenchmarkOptions options, TextWriter progress)
{
    public const int Items = 8;

    private const string ReportPath = "api/v1/platforms/" + TestRegistry.Platform + "/hazard-reports";
    private const string PointsPath = "api/v1/platforms/" + TestRegistry.Platform + "/points-transactions";
    private const string OrdersPath = "api/v1/platforms/" + TestRegistry.Platform + "/pickup-orders";

    public async Task<CostRun> RunAsync()
    {
        if (options.HubUrl is not null)
        {
            const string outside = "not counted: the hub is outside (its storage counter is read only in its own process)";
            progress.WriteLine("  " + outside);
            return new CostRun([], null, null, null, outside);
        }

        await using var world = await CostWorld.StartAsync();
        var flows = new List<FlowCost>();

        // Reports, then the city's acknowledgement of each.
        var warm = await world.ReportAsync("r-warm", 0);
        await world.City.WaitForAsync(r => r.Count >= 1);
        await world.UpdateAsync(warm, "u-warm");
        await world.Platform.WaitForAsync(r => Count(r, "hazard_report.updated") >= 1);
        await world.QuietAsync();
        using var counter = new StorageRequestCounter(world.Services);
        var hubIds = new List<string>();
        for (var i = 1; i <= Items; i++)
        {
            hubIds.Add(await world.ReportAsync($"r-{i}", i));
        }

        await world.City.WaitForAsync(r => r.Count >= Items + 1);
        await world.QuietAsync();
        string[] reportHttp = [FunctionNames.HazardReportReceived];
        string[] reportAll = [.. reportHttp, FunctionNames.RouteHazardReport, .. FunctionNames.DeliverOutboundShards];
        var intake = PerItem(counter, reportHttp);
        flows.Add(new("hazard report intake (HTTP until the 202)", Items, intake, null, "<= 3 (HTTP)", intake <= 3));
        var toCity = PerItem(counter, reportAll);
        flows.Add(new("report -> city", Items, intake, toCity, "<= 15", toCity <= 15));
        progress.WriteLine(Line("report -> city", intake, toCity));

        for (var i = 0; i < Items; i++)
        {
            await world.UpdateAsync(hubIds[i], $"u-{i}");
        }

        await world.Platform.WaitForAsync(r => Count(r, "hazard_report.updated") >= Items + 1);
        await world.QuietAsync();
        string[] loopHttp = [.. reportHttp, FunctionNames.CityUpdateReceived];
        var loopAtHttp = PerItem(counter, loopHttp);
        var loop = PerItem(counter, [.. reportAll, FunctionNames.CityUpdateReceived, FunctionNames.ApplyHazardReportUpdate]);
        flows.Add(new("report + acknowledgement -> platform", Items, loopAtHttp, loop, "<= 30", loop <= 30));
        progress.WriteLine(Line("report + acknowledgement -> platform", loopAtHttp, loop));

        // Points: two transactions for each of four couriers (a courier's first and a later one).
        await world.EarnAsync("t-warm", "courier-warm");
        await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 1);
        await world.QuietAsync();
        counter.Clear();
        for (var i = 0; i < Items; i++)
        {
            await world.EarnAsync($"t-{i}", $"courier-{i % 4}");
        }

        await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= Items + 1);
        await world.QuietAsync();
        var earnHttp = PerItem(counter, FunctionNames.PointsTransactionReceived);
        var earn = PerItem(counter, [FunctionNames.PointsTransactionReceived, FunctionNames.ApplyPointsTransaction, .. FunctionNames.DeliverOutboundShards]);
        flows.Add(new("points earn", Items, earnHttp, earn, "<= 15", earn <= 15));
        progress.WriteLine(Line("points earn", earnHttp, earn));

        // Pickup orders: created, arrived, ready, collected with the code the platform got.
        await world.PickupAsync(["o-warm"]);
        await world.QuietAsync();
        counter.Clear();
        await world.PickupAsync([.. Enumerable.Range(0, Items).Select(i => $"o-{i}")]);
        await world.QuietAsync();
        string[] pickupHttp = [FunctionNames.PickupOrderReceived, FunctionNames.PickupOrderArrival, FunctionNames.PickupOrderCollection];
        var pickupAtHttp = PerItem(counter, pickupHttp);
        var pickup = PerItem(counter, [.. pickupHttp, FunctionNames.RoutePickupOrderEvent, .. FunctionNames.DeliverOutboundShards]);
        flows.Add(new("pickup order lifecycle", Items, pickupAtHttp, pickup, "<= 30", pickup <= 30));
        progress.WriteLine(Line("pickup order lifecycle", pickupAtHttp, pickup));

        var idle = await IdleCost.MeasureAsync(world.Services, counter, TimeSpan.FromSeconds(90));
        progress.WriteLine("  " + idle.Lines[^1]);
        return new CostRun(flows, Math.Round(idle.PerMinute, 1), Math.Round(idle.PollsPerMinute, 1), Math.Round(idle.TimersPerMinute, 1), null) { IdleRegistryPerMinute = Math.Round(idle.RegistryPerMinute, 1) };
    }

    public static void Print(CostRun run, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"8. Storage requests per item, counted by the hub (stationhub.storage.requests), {Items} items per flow after one to warm; idle polls left out");
        if (run.NotCounted is not null)
        {
            output.WriteLine("   " + run.NotCounted);
            return;
        }

        output.WriteLine("   flow                                        HTTP path  end to end  target   met");
        foreach (var flow in run.Flows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {flow.Flow,-42} {Figure(flow.HttpPerItem),9} {Figure(flow.EndToEndPerItem),11}  {flow.Target,-12} {(flow.Met is bool met ? (met ? "yes" : "NO") : "")}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   idle, one host: {Figure(run.IdlePerMinute)} requests/min ({Figure(run.IdlePollsPerMinute)} polls at {IdleCost.ProductionPollingInterval.TotalSeconds:0} s, {Figure(run.IdleTimersPerMinute)} timers, {Figure(run.IdleRegistryPerMinute)} the registry's version row)  target <= {CostRun.IdleTarget:0}/min  met {(run.IdlePerMinute <= CostRun.IdleTarget ? "yes" : "NO")}"));
    }

    private static string Figure(double? value) => value is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string Line(string flow, double http, double endToEnd) =>
        string.Create(CultureInfo.InvariantCulture, $"  {flow}: {http:0.0} requests per item at HTTP, {endToEnd:0.0} end to end");

    private static double PerItem(StorageRequestCounter counter, params string[] functions) => Math.Round((double)counter.Of(functions).Count / Items, 1);

    private static int Count(IReadOnlyList<Received> received, string type) => received.Count(x => x.Text.Contains(type, StringComparison.Ordinal));

    /// <summary>Azurite, the receivers, the registry and the hub in this process, and the calls the flows make.</summary>
    private sealed class CostWorld : IAsyncDisposable
    {
        private readonly AzuriteProcess azurite;
        private readonly TestRegistry registry;
        private readonly WebApplication app;
        private readonly HttpClient http;
        private readonly QueueServiceClient queues;
        private readonly string prefix;

        private CostWorld(AzuriteProcess azurite, TestReceiver city, TestReceiver platform, TestReceiver other, TestRegistry registry, WebApplication app, string prefix)
        {
            this.azurite = azurite;
            City = city;
            Platform = platform;
            Other = other;
            this.registry = registry;
            this.app = app;
            this.prefix = prefix;
            http = new HttpClient { BaseAddress = Loopback.AddressOf(app), Timeout = TimeSpan.FromSeconds(60) };
            queues = new QueueServiceClient(azurite.ConnectionString);
        }

        public TestReceiver City { get; }

        public TestReceiver Platform { get; }

        private TestReceiver Other { get; }

        public IServiceProvider Services => app.Services;

        public static async Task<CostWorld> StartAsync()
        {
            var azurite = await AzuriteProcess.StartAsync();
            var city = await TestReceiver.StartAsync();
            var platform = await TestReceiver.StartAsync();
            var other = await TestReceiver.StartAsync();
            var registry = new TestRegistry(city.Url("city/webhooks"), other.Url("open311/requests.json"), platform.Url("platform/webhooks"), other.Url("platform/webhooks"), global::StationHub.Benchmarks.HazardReports.IntakeStack.UnthrottledRatePerSecond);
            var prefix = "c" + Guid.NewGuid().ToString("N")[..10];
            var settings = registry.Settings(azurite.ConnectionString, prefix);
            settings["urls"] = Loopback.AnyPort;
            var app = HubHost.Build([], settings, readLocalSettings: false);
            await app.Services.GetRequiredService<HubStorage>().EnsureCreatedAsync();
            await app.StartAsync();
            return new CostWorld(azurite, city, platform, other, registry, app, prefix);
        }

        /// <summary>Posts a report (each about 480 m from the others: no two share a cell of the duplicate grid) and returns its hub id.</summary>
        public async Task<string> ReportAsync(string reportId, int place) =>
            HubId(await SendAsync(() => Webhooks.Signed(ReportPath, Webhooks.HazardReport(reportId, lat: 30.25, lon: 120.16 + (place * 0.005)), registry.PlatformSigner, "msg_" + reportId)));

        public async Task UpdateAsync(string hubId, string updateId)
        {
            using var response = await SendAsync(() => Keyed(HttpMethod.Post, $"api/v1/city/requests/{hubId}/updates", TestRegistry.WebhookCityKey,
                new { updateId, status = "acknowledged", note = "On our way", updatedAt = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture) }));
        }

        public async Task EarnAsync(string transactionId, string courierId)
        {
            var body = $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{transactionId}}}","courierId":"{{{courierId}}}","task":"emergency_assistance","stationId":"{{{TestRegistry.Station}}}"}}""";
            using var response = await SendAsync(() => Webhooks.Signed(PointsPath, body, registry.PlatformSigner, "msg_" + transactionId));
        }

        /// <summary>Orders created, arrived at the station, and collected with the code the platform got, until the platform hears each collected.</summary>
        public async Task PickupAsync(IReadOnlyList<string> orderIds)
        {
            var hubIds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var orderId in orderIds)
            {
                var body = "{\"type\":\"pickup_order.created\",\"timestamp\":\"2026-11-22T08:00:00Z\",\"data\":{" +
                    $"\"orderId\":\"{orderId}\",\"stationId\":\"{TestRegistry.Station}\",\"parcels\":2,\"handlingFeeFen\":100,\"commissionFen\":50," +
                    "\"expectedArrival\":\"2026-11-23T08:00:00Z\",\"pickupWithinHours\":72}}";
                hubIds[orderId] = HubId(await SendAsync(() => Webhooks.Signed(OrdersPath, body, registry.PlatformSigner, "msg_" + orderId)));
            }

            foreach (var hubId in hubIds.Values)
            {
                using var arrived = await SendAsync(() => Keyed(HttpMethod.Post, $"api/v1/stations/{TestRegistry.Station}/pickup-orders/{hubId}/arrival", TestRegistry.StationKey, null));
            }

            var ready = await Platform.WaitForAsync(r => orderIds.All(id => r.Any(x => OrderEvent(x, "pickup_order.ready", id) is not null)), TimeSpan.FromSeconds(90));
            foreach (var (orderId, hubId) in hubIds)
            {
                var code = ready.Select(x => OrderEvent(x, "pickup_order.ready", orderId)).First(data => data is not null)!.Value.GetProperty("pickupCode").GetString();
                using var collected = await SendAsync(() => Keyed(HttpMethod.Post, $"api/v1/stations/{TestRegistry.Station}/pickup-orders/{hubId}/collection", TestRegistry.StationKey, new { pickupCode = code }));
            }

            await Platform.WaitForAsync(r => orderIds.All(id => r.Any(x => OrderEvent(x, "pickup_order.collected", id) is not null)), TimeSpan.FromSeconds(90));
        }

        /// <summary>
        /// Until the hub is quiet: no function running, no message in any of its queues (delayed ones
        /// too; poison queues aside), and no run begun while it looked. Read with clients of its own, not counted.
        /// </summary>
        public Task QuietAsync()
        {
            var activity = app.Services.GetRequiredService<HubActivity>();

            // Through the one way the tests wait (tests/Shared): no run in flight, no message waiting, none begun while looking.
            return Eventually.UntilAsync(
                async () =>
                {
                    var begun = activity.Started;
                    return activity.Running == 0 && await QueuesEmptyAsync() && activity.Running == 0 && activity.Started == begun;
                },
                "the hub is quiet",
                TimeSpan.FromSeconds(90));
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            await City.DisposeAsync();
            await Platform.DisposeAsync();
            await Other.DisposeAsync();
            await azurite.DisposeAsync();
            File.Delete(registry.RegistryPath);
        }

        private async Task<bool> QueuesEmptyAsync()
        {
            foreach (var queue in Queues.All)
            {
                var properties = await queues.GetQueueClient(prefix + queue).GetPropertiesAsync();
                if (properties.Value.ApproximateMessagesCount > 0)
                {
                    return false;
                }
            }

            return true;
        }

        private static JsonElement? OrderEvent(Received received, string type, string orderId)
        {
            using var document = JsonDocument.Parse(received.Body);
            var root = document.RootElement;
            return root.TryGetProperty("type", out var kind) && kind.GetString() == type
                && root.TryGetProperty("data", out var data) && data.TryGetProperty("orderId", out var id) && id.GetString() == orderId
                ? data.Clone()
                : null;
        }

        private static HttpRequestMessage Keyed(HttpMethod method, string path, string key, object? body)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("x-api-key", key);
            return request;
        }

        private static string HubId(HttpResponseMessage response)
        {
            using (response)
            {
                return JsonDocument.Parse(response.Content.ReadAsStream()).RootElement.GetProperty("hubId").GetString()!;
            }
        }

        /// <summary>Sends, and again (the same request, as a platform retries) after a 503 from a loaded machine; fails on any other error.</summary>
        private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var message = request();
                var response = await http.SendAsync(message);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                var text = await response.Content.ReadAsStringAsync();
                response.Dispose();
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt >= 10)
                {
                    throw new InvalidOperationException($"{message.Method} {message.RequestUri}: {(int)response.StatusCode} {text}");
                }

                await Task.Delay(200 * attempt);
            }
        }
    }
}
