using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Benchmarks.Measurement;
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
/// and the queues are quiet), idle polls left out; null when not counted. On the Functions host, end to
/// end is every queue and table request of the flow's time at the counting proxy, polls left out.
/// </summary>
public sealed record FlowCost(string Flow, int Items, double? HttpPerItem, double? EndToEndPerItem, string Target, bool? Met);

/// <summary>The costs part: every flow's requests per item and one idle host's requests per minute, or why none were counted.</summary>
public sealed record CostRun(IReadOnlyList<FlowCost> Flows, double? IdlePerMinute, double? IdlePollsPerMinute, double? IdleTimersPerMinute, string? NotCounted)
{
    public const double IdleTarget = 60;

    /// <summary>The registry's version row (issue 23), per minute: included in <see cref="IdlePerMinute"/>.</summary>
    public double? IdleRegistryPerMinute { get; init; }

    /// <summary>The same flows on the Azure Functions host (<c>--functions-host</c>), counted at the proxy; null when not run.</summary>
    public FunctionsHostCost? FunctionsHost { get; init; }
}

/// <summary>
/// The flows on the Functions host, counted at the proxy (queue and table; polls and blob apart; its
/// timers off), and an idle host's minute there with its timers on, averaged over
/// <see cref="IdleMinutes"/> minutes (each five-minute timer runs once in them): polls of its own queue
/// listener, blob requests (the host's locks, leases and timer schedules), and the rest (the registry's
/// version row and the timers' work).
/// </summary>
public sealed record FunctionsHostCost(
    IReadOnlyList<FlowCost> Flows,
    double IdleMinutes,
    double IdlePollsPerMinute,
    double IdleBlobPerMinute,
    double IdleOtherPerMinute,
    double IdlePerMinute)
{
    /// <summary>The host's and its worker's CPU per report taken to the city, under a burst (what sizing Functions instances needs).</summary>
    public FunctionsCpu? Cpu { get; init; }

    /// <summary>
    /// Seconds from one report sent to the idle host (its listeners backed off to host.json's
    /// <c>maxPollingInterval</c>) until the city had it: the latency that interval costs, one sample.
    /// </summary>
    public double? AfterIdleSeconds { get; init; }
}

/// <summary>
/// The Functions host's CPU (host and worker processes) per report from its webhook to the city's receipt of it:
/// <see cref="Reports"/> reports sent <see cref="Concurrency"/> at a time over <see cref="Seconds"/>, less the
/// host's idle CPU over the same time (<see cref="IdleCores"/>, measured just before).
/// </summary>
public sealed record FunctionsCpu(int Reports, int Concurrency, double Seconds, double IdleCores, double MillisecondsPerReport);

/// <summary>
/// Part 8, costs (issue 21): the local host in this process over a private Azurite, so that its own
/// <c>stationhub.storage.requests</c> can be read (<see cref="StorageRequestCounter"/>, as FlowCostTests
/// and IdleCostTests read it). Each flow is
/// warmed with one item (the day's tables and rows exist, as in a running hub), then <see cref="Items"/>
/// items are sent one after another and followed until the hub is quiet. With <c>--functions-host</c>,
/// the same flows on the Azure Functions host serving the published app, counted at the proxy (its
/// requests cannot be read from inside its worker). A hub in another process (<c>--hub</c>) is not counted.
/// </summary>
public sealed class CostBenchmark(BenchmarkOptions options, TextWriter progress)
{
    /// <summary>
    /// Items per flow: enough that what a host spends by the clock, not by the item (a receive per queue per burst, the
    /// per-host endpoint cache's read every 5 s, a success written a minute), is spread as it is under steady traffic. At 8
    /// the Functions host's points earn measured 15.2, 0.75 of it those (2026-12-05).
    /// </summary>
    public const int Items = 24;

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

        CostRun run;
        await using (var world = await CostWorld.StartAsync(functions: null))
        {
            using var counter = new StorageRequestCounter(world.Services!);
            var flows = await MeasureFlowsAsync(world, counter);
            var idle = await IdleCost.MeasureAsync(world.Services!, counter, TimeSpan.FromSeconds(90));
            progress.WriteLine("  " + idle.Lines[^1]);
            run = new CostRun(flows, Math.Round(idle.PerMinute, 1), Math.Round(idle.PollsPerMinute, 1), Math.Round(idle.TimersPerMinute, 1), null) { IdleRegistryPerMinute = Math.Round(idle.RegistryPerMinute, 1) };
        }

        if (options.FunctionsHost is { } hostDirectory)
        {
            progress.WriteLine("  the same flows on the Functions host, counted at the proxy");
            var app = new FunctionsApp(hostDirectory, options.FunctionsApp ?? Path.Combine(RepoPaths.Root, "artifacts", "functions-app"));
            List<FlowCost> flows;
            FunctionsCpu cpu;
            await using (var world = await CostWorld.StartAsync(app with { TimersOff = true }))
            {
                flows = await MeasureFlowsAsync(world, counter: null);
                cpu = await MeasureCpuAsync(world);
            }

            await using (var world = await CostWorld.StartAsync(app))
            {
                run = run with { FunctionsHost = await MeasureIdleAsync(world, flows) with { Cpu = cpu } };
            }
        }

        return run;
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
        if (run.FunctionsHost is not { } functions)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine($"8b. The same flows on the Azure Functions host, counted at a proxy in front of the emulator (queue and table; polls, blob and the registry's version row apart, as on the local host), its timers off for them");
        output.WriteLine("   flow                                        end to end  target   met");
        foreach (var flow in functions.Flows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {flow.Flow,-42} {Figure(flow.EndToEndPerItem),11}  {flow.Target,-12} {(flow.Met is bool met ? (met ? "yes" : "NO") : "")}"));
        }

        if (functions.Cpu is { } cpu)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   CPU of the Functions host and its worker per report to the city: {cpu.MillisecondsPerReport:0.0} ms ({cpu.Reports} reports {cpu.Concurrency} at a time in {cpu.Seconds:0.0} s, less {cpu.IdleCores * 100:0.0} % of a core idle); {ProvinceRate:N0} reports/s would need {ProvinceRate * cpu.MillisecondsPerReport / 1000:0} cores of it"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   idle, one Functions host, timers on, over {functions.IdleMinutes:0} min: {functions.IdlePerMinute:0.0} requests/min ({functions.IdlePollsPerMinute:0.0} polls, {functions.IdleBlobPerMinute:0.0} blob (the host's locks, leases and timer schedules), {functions.IdleOtherPerMinute:0.0} queue and table (the registry's version row, the timers' work))  target <= {CostRun.IdleTarget:0}/min  met {(functions.IdlePerMinute <= CostRun.IdleTarget ? "yes" : "NO")}"));
        if (functions.AfterIdleSeconds is double afterIdle)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   after those idle minutes, one report reached the city {afterIdle:0.0} s after it was sent (its listeners backed off to {IdleCost.ProductionPollingInterval.TotalSeconds:0} s; two queues crossed)"));
        }

    }

    /// <summary>Every flow, warmed, then <see cref="Items"/> items each; by the hub's own counter when given, and at the proxy.</summary>
    private async Task<List<FlowCost>> MeasureFlowsAsync(CostWorld world, StorageRequestCounter? counter)
    {
        var flows = new List<FlowCost>();

        // Reports, then the city's acknowledgement of each.
        var warm = await world.ReportAsync("r-warm", 0);
        await world.City.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(90));
        await world.UpdateAsync(warm, "u-warm");
        await world.Platform.WaitForAsync(r => Count(r, "hazard_report.updated") >= 1, TimeSpan.FromSeconds(90));
        await world.QuietAsync();
        counter?.Clear();
        var mark = world.Proxy?.Count ?? 0;
        var hubIds = new List<string>();
        for (var i = 1; i <= Items; i++)
        {
            hubIds.Add(await world.ReportAsync($"r-{i}", i));
        }

        await world.City.WaitForAsync(r => r.Count >= Items + 1, TimeSpan.FromSeconds(90));
        await world.QuietAsync();
        string[] reportHttp = [FunctionNames.HazardReportReceived];
        string[] reportAll = [.. reportHttp, FunctionNames.RouteHazardReport, .. FunctionNames.DeliverOutboundShards];
        var intake = PerItem(counter, reportHttp);
        var toCity = PerItem(counter, reportAll) ?? AtProxy(world, mark);
        if (intake is not null)
        {
            flows.Add(new("hazard report intake (HTTP until the 202)", Items, intake, null, "<= 3 (HTTP)", intake <= 3));
        }

        flows.Add(new("report -> city", Items, intake, toCity, "<= 15", toCity <= 15));
        progress.WriteLine(Line("report -> city", intake, toCity));
        PrintBreakdown(world, mark);


        for (var i = 0; i < Items; i++)
        {
            await world.UpdateAsync(hubIds[i], $"u-{i}");
        }

        await world.Platform.WaitForAsync(r => Count(r, "hazard_report.updated") >= Items + 1, TimeSpan.FromSeconds(90));
        await world.QuietAsync();
        string[] loopHttp = [.. reportHttp, FunctionNames.CityUpdateReceived];
        var loopAtHttp = PerItem(counter, loopHttp);
        var loop = PerItem(counter, [.. reportAll, FunctionNames.CityUpdateReceived, FunctionNames.ApplyHazardReportUpdate]) ?? AtProxy(world, mark);
        flows.Add(new("report + acknowledgement -> platform", Items, loopAtHttp, loop, "<= 30", loop <= 30));
        progress.WriteLine(Line("report + acknowledgement -> platform", loopAtHttp, loop));
        PrintBreakdown(world, mark);


        // Points: two transactions for each of Items / 2 couriers (a courier's first and a later one).
        await world.EarnAsync("t-warm", "courier-warm");
        await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= 1, TimeSpan.FromSeconds(90));
        await world.QuietAsync();
        counter?.Clear();
        mark = world.Proxy?.Count ?? 0;
        for (var i = 0; i < Items; i++)
        {
            await world.EarnAsync($"t-{i}", $"courier-{i % (Items / 2)}");
        }

        await world.Platform.WaitForAsync(r => Count(r, "points.balance_changed") >= Items + 1, TimeSpan.FromSeconds(90));
        await world.QuietAsync();
        var earnHttp = PerItem(counter, FunctionNames.PointsTransactionReceived);
        var earn = PerItem(counter, [FunctionNames.PointsTransactionReceived, FunctionNames.ApplyPointsTransaction, .. FunctionNames.DeliverOutboundShards]) ?? AtProxy(world, mark);
        flows.Add(new("points earn", Items, earnHttp, earn, "<= 15", earn <= 15));
        progress.WriteLine(Line("points earn", earnHttp, earn));
        PrintBreakdown(world, mark);


        // Pickup orders: created, arrived, ready, collected with the code the platform got.
        await world.PickupAsync(["o-warm"]);
        await world.QuietAsync();
        counter?.Clear();
        mark = world.Proxy?.Count ?? 0;
        await world.PickupAsync([.. Enumerable.Range(0, Items).Select(i => $"o-{i}")]);
        await world.QuietAsync();
        string[] pickupHttp = [FunctionNames.PickupOrderReceived, FunctionNames.PickupOrderArrival, FunctionNames.PickupOrderCollection];
        var pickupAtHttp = PerItem(counter, pickupHttp);
        var pickup = PerItem(counter, [.. pickupHttp, FunctionNames.RoutePickupOrderEvent, .. FunctionNames.DeliverOutboundShards]) ?? AtProxy(world, mark);
        flows.Add(new("pickup order lifecycle", Items, pickupAtHttp, pickup, "<= 30", pickup <= 30));
        progress.WriteLine(Line("pickup order lifecycle", pickupAtHttp, pickup));
        PrintBreakdown(world, mark);

        return flows;
    }

    /// <summary>
    /// The Functions host's idle minutes at the proxy, its timers on, once its listeners have backed off
    /// to host.json's longest interval (the host doubles its wait after each empty poll, as the local host
    /// does): five minutes, so that each five-minute timer runs once in them, and the one-minute timer five
    /// times; the quarter-hourly and hourly timers run once or not at all (about 0.6 requests a minute
    /// together on the local host).
    /// </summary>
    private async Task<FunctionsHostCost> MeasureIdleAsync(CostWorld world, IReadOnlyList<FlowCost> flows)
    {
        var window = TimeSpan.FromMinutes(5);
        progress.WriteLine($"  the Functions host idle, timers on: each timer run once, {FunctionsBackOff.TotalSeconds:0} s for its listeners to back off, then {window.TotalMinutes:0} min counted");
        await world.QuietAsync();
        await world.RunEveryTimerNowAsync();
        await Task.Delay(FunctionsBackOff);
        var proxy = world.Proxy!;
        var mark = proxy.Count;
        await Task.Delay(window);
        var seen = proxy.Since(mark);
        progress.WriteLine("  " + Breakdown(seen, window.TotalMinutes, "per minute"));
        var minutes = window.TotalMinutes;
        var polls = seen.Count(r => r.Operation == "poll") / minutes;
        var blob = seen.Count(r => r.Service == "blob") / minutes;
        var other = seen.Count(r => r.Operation != "poll" && r.Service != "blob") / minutes;
        var idle = new FunctionsHostCost(flows, minutes, Math.Round(polls, 1), Math.Round(blob, 1), Math.Round(other, 1), Math.Round(polls + blob + other, 1));
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  idle, one Functions host: {idle.IdlePerMinute:0.0} requests/min ({idle.IdlePollsPerMinute:0.0} polls, {idle.IdleBlobPerMinute:0.0} blob, {idle.IdleOtherPerMinute:0.0} queue and table)"));

        // What the longest interval costs: a report to the host idle all this time waits for the router's
        // listener and then the delivery shard's (each up to maxPollingInterval) on its way to the city.
        var before = world.City.All.Count;
        var sent = Stopwatch.GetTimestamp();
        await world.ReportAtAsync("r-after-idle", 30.2625, 120.185);
        await world.City.WaitForAsync(r => r.Count > before, TimeSpan.FromSeconds(180));
        var afterIdle = Math.Round(Stopwatch.GetElapsedTime(sent).TotalSeconds, 1);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  a report sent to the idle host reached the city {afterIdle:0.0} s later (up to {IdleCost.ProductionPollingInterval.TotalSeconds:0} s per queue crossed)"));
        return idle with { AfterIdleSeconds = afterIdle };
    }

    /// <summary>Reports in the CPU burst, and how many are in flight at once.</summary>
    private const int CpuReports = 200;
    private const int CpuConcurrency = 8;

    /// <summary>The province of issue 21, in events a second.</summary>
    private const int ProvinceRate = 5_000;

    /// <summary>
    /// The Functions host's CPU (its process and the worker's) per report to the city: its idle CPU over
    /// <see cref="IdleCpuWindow"/>, then a burst of <see cref="CpuReports"/> reports (a grid of places in one district,
    /// 290–550 m apart and from the flows' reports: none a duplicate of another), from the first send until the city has them all and the host
    /// is quiet, less the idle rate over that time.
    /// </summary>
    private async Task<FunctionsCpu> MeasureCpuAsync(CostWorld world)
    {
        await world.QuietAsync();
        var idleFrom = world.HostCpu();
        var idleStarted = Stopwatch.GetTimestamp();
        await Task.Delay(IdleCpuWindow);
        var idleCores = (world.HostCpu() - idleFrom).TotalSeconds / Stopwatch.GetElapsedTime(idleStarted).TotalSeconds;

        var before = world.City.All.Count;
        var from = world.HostCpu();
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, CpuReports), new ParallelOptions { MaxDegreeOfParallelism = CpuConcurrency }, async (i, _) =>
            await world.ReportAtAsync($"r-cpu-{i}", 30.2325 + (i / 20 * 0.005), 120.155 + (i % 20 * 0.003)));
        await world.City.WaitForAsync(r => r.Count >= before + CpuReports, TimeSpan.FromSeconds(180));
        await world.QuietAsync();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var busy = (world.HostCpu() - from).TotalSeconds - (idleCores * seconds);
        var cpu = new FunctionsCpu(CpuReports, CpuConcurrency, Math.Round(seconds, 1), Math.Round(idleCores, 3), Math.Round(busy * 1000 / CpuReports, 1));
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CPU of the Functions host and its worker: {cpu.MillisecondsPerReport:0.0} ms per report to the city ({CpuReports} reports, {CpuConcurrency} at a time, {seconds:0.0} s; idle {idleCores * 100:0.0} % of a core subtracted)"));
        return cpu;
    }

    /// <summary>How long the host's idle CPU is read before the burst.</summary>
    private static readonly TimeSpan IdleCpuWindow = TimeSpan.FromSeconds(20);

    /// <summary>Long enough for a listener idle since the last flow to reach host.json's 60 s between polls (0.1 s doubling: 102 s, then the first 60 s wait).</summary>
    private static readonly TimeSpan FunctionsBackOff = TimeSpan.FromSeconds(180);

    private static string Figure(double? value) => value is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string Line(string flow, double? http, double? endToEnd) =>
        string.Create(CultureInfo.InvariantCulture, $"  {flow}: {Figure(http)} requests per item at HTTP, {Figure(endToEnd)} end to end");

    private static double? PerItem(StorageRequestCounter? counter, params string[] functions) =>
        counter is null ? null : Math.Round((double)counter.Of(functions).Count / Items, 1);

    /// <summary>Every queue and table request of a flow at the proxy since the mark, per item.</summary>
    private static double? AtProxy(CostWorld world, int mark) =>
        world.Proxy is { } proxy ? Math.Round((double)proxy.Since(mark).Count(OfAFlow) / Items, 1) : null;

    /// <summary>
    /// A request a flow may have caused: queue and table, idle polls left out, and the registry's version
    /// row left out too. That row is read on time, every <c>Registry:PollInterval</c>, whatever the items,
    /// and is counted in the idle minute on both hosts; the local host's flows leave it out as well (its
    /// reader is no flow's function).
    /// </summary>
    private static bool OfAFlow(CountedRequest r) =>
        r.Service != "blob" && r.Operation != "poll" && !(r is { Service: "table", Operation: "point-read" } && r.Resource == Tables.Registry);

    /// <summary>What a flow cost at the proxy, by operation, per item (the Functions host only).</summary>
    private void PrintBreakdown(CostWorld world, int mark)
    {
        if (world.Proxy is { } proxy)
        {
            progress.WriteLine("    " + Breakdown(proxy.Since(mark).Where(OfAFlow), Items, "per item"));
        }
    }

    /// <summary>The requests by service, operation and queue or table, each divided by <paramref name="per"/>, largest first.</summary>
    private static string Breakdown(IEnumerable<CountedRequest> requests, double per, string unit) =>
        $"at the proxy, {unit}: " + string.Join(", ", requests
            .GroupBy(r => $"{r.Service} {r.Operation} {r.Resource}")
            .OrderByDescending(g => g.Count())
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count() / per:0.##}")));

    private static int Count(IReadOnlyList<Received> received, string type) => received.Count(x => x.Text.Contains(type, StringComparison.Ordinal));

    /// <summary>The Functions host to run (its built directory) and the published app it serves.</summary>
    private sealed record FunctionsApp(string HostDirectory, string AppDirectory, bool TimersOff = false);

    /// <summary>
    /// Azurite behind a counting proxy, the receivers, the registry, and the hub: in this process, or the
    /// Functions host as a child process serving the published app; and the calls the flows make.
    /// </summary>
    private sealed class CostWorld : IAsyncDisposable
    {
        private readonly AzuriteProcess azurite;
        private readonly TestRegistry registry;
        private readonly WebApplication? app;
        private readonly ChildHost? functionsHost;
        private readonly HttpClient http;
        private readonly QueueServiceClient queues;
        private readonly string prefix;

        private CostWorld(AzuriteProcess azurite, StorageCountingProxy? proxy, TestReceiver city, TestReceiver platform, TestReceiver other, TestRegistry registry, WebApplication? app, ChildHost? functionsHost, Uri hub, string prefix)
        {
            this.azurite = azurite;
            Proxy = proxy;
            City = city;
            Platform = platform;
            Other = other;
            this.registry = registry;
            this.app = app;
            this.functionsHost = functionsHost;
            this.prefix = prefix;
            http = new HttpClient { BaseAddress = hub, Timeout = TimeSpan.FromSeconds(60) };
            queues = new QueueServiceClient(azurite.ConnectionString);
        }

        public TestReceiver City { get; }

        public TestReceiver Platform { get; }

        /// <summary>The counting proxy in front of the emulator, for the Functions host; null for the hub in this process.</summary>
        public StorageCountingProxy? Proxy { get; }

        private TestReceiver Other { get; }

        /// <summary>The hub's services when it runs in this process; null for the Functions host.</summary>
        public IServiceProvider? Services => app?.Services;

        public static async Task<CostWorld> StartAsync(FunctionsApp? functions)
        {
            var azurite = await AzuriteProcess.StartAsync();

            // The Functions host's requests are counted at a proxy; the hub in this process counts its own, with nothing between it and the emulator.
            var proxy = functions is null ? null : await StorageCountingProxy.StartAsync(azurite);
            var city = await TestReceiver.StartAsync();
            var platform = await TestReceiver.StartAsync();
            var other = await TestReceiver.StartAsync();
            var registry = new TestRegistry(city.Url("city/webhooks"), other.Url("open311/requests.json"), platform.Url("platform/webhooks"), other.Url("platform/webhooks"), global::StationHub.Benchmarks.HazardReports.IntakeStack.UnthrottledRatePerSecond);
            // The Functions app's queue triggers name their queues as they are, so its hub takes no prefix (the emulator is its own).
            var prefix = functions is null ? "c" + Guid.NewGuid().ToString("N")[..10] : string.Empty;
            var settings = registry.Settings(proxy?.ConnectionString ?? azurite.ConnectionString, prefix);
            if (functions is not null)
            {
                // For the flows its timers are off, so that what the proxy counts in a flow's time is the flow's.
                if (functions.TimersOff)
                {
                    TimerSettings.AllOff(settings);
                }

                var host = await ChildHost.StartFunctionsHostAsync(functions.HostDirectory, functions.AppDirectory, settings);
                return new CostWorld(azurite, proxy, city, platform, other, registry, null, host, host.BaseAddress, prefix);
            }

            settings["urls"] = Loopback.AnyPort;
            TimerSettings.AllOff(settings);
            var app = HubHost.Build([], settings, readLocalSettings: false);
            await app.Services.GetRequiredService<HubStorage>().EnsureCreatedAsync();
            await app.StartAsync();
            return new CostWorld(azurite, proxy, city, platform, other, registry, app, null, Loopback.AddressOf(app), prefix);
        }

        /// <summary>Posts a report at a place and returns its hub id.</summary>
        public async Task<string> ReportAtAsync(string reportId, double lat, double lon) =>
            HubId(await SendAsync(() => Webhooks.Signed(ReportPath, Webhooks.HazardReport(reportId, lat: lat, lon: lon), registry.PlatformSigner, "msg_" + reportId)));

        /// <summary>The CPU time the Functions host and its worker have used so far.</summary>
        public TimeSpan HostCpu() => ProcessMetrics.TreeCpuTime(functionsHost!.ProcessId) ?? throw new InvalidOperationException("The Functions host is gone.");

        /// <summary>
        /// Runs every timer function of the Functions host now (its admin API, with its master key), as the local
        /// host's idle count runs each timer once first: what a running host keeps warm (the year's sealed days, read
        /// once per process by <c>TallyGigWorkYear</c>) is read before the idle minutes, not in them.
        /// </summary>
        public async Task RunEveryTimerNowAsync()
        {
            var key = functionsHost!.FunctionsMasterKey ?? throw new InvalidOperationException("Only the Functions host is run through its admin API.");
            foreach (var timer in HubTriggers.Timer)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/functions/{timer.Name}") { Content = JsonContent.Create(new { input = string.Empty }) };
                request.Headers.Add("x-functions-key", key);
                using var response = await http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"Run-now of {timer.Name} on the Functions host answered {(int)response.StatusCode}.");
                }
            }
        }

        /// <summary>Posts a report (rows of 8 places, each about 480 m from the others east–west and 550 m north–south: no two share a cell of the duplicate grid) and returns its hub id.</summary>
        public async Task<string> ReportAsync(string reportId, int place) =>
            HubId(await SendAsync(() => Webhooks.Signed(ReportPath, Webhooks.HazardReport(reportId, lat: 30.25 + (place / 8 * 0.005), lon: 120.16 + (place % 8 * 0.005)), registry.PlatformSigner, "msg_" + reportId)));

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
        /// Until the hub is quiet: no message in any of its queues (delayed ones too; poison queues aside),
        /// read with clients of its own, not through the proxy. In this process, also no function running
        /// and none begun while it looked; for the Functions host, whose runs cannot be seen, also no storage
        /// request but polls and blob leases at the proxy for two seconds.
        /// </summary>
        public Task QuietAsync()
        {
            if (app is null)
            {
                var proxy = Proxy!;
                return Eventually.UntilAsync(
                    async () =>
                    {
                        var mark = proxy.Count;
                        if (!await QueuesEmptyAsync())
                        {
                            return false;
                        }

                        await Task.Delay(TimeSpan.FromSeconds(2));
                        return !proxy.Since(mark).Any(r => r.Service != "blob" && r.Operation != "poll") && await QueuesEmptyAsync();
                    },
                    "the Functions host is quiet",
                    TimeSpan.FromSeconds(120));
            }

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
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            if (functionsHost is not null)
            {
                await functionsHost.DisposeAsync();
            }

            if (Proxy is not null)
            {
                await Proxy.DisposeAsync();
            }
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
