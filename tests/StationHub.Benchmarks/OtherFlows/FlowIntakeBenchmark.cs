using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Measurement;
using StationHub.PickupOrders;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Points;
using StationHub.Testing;
using StationHub.Triggers;

namespace StationHub.Benchmarks.OtherFlows;

/// <summary>One flow at one concurrency in one run: the hub over HTTP, then the limit.</summary>
public sealed record FlowLevelRun(string Flow, int Run, int Concurrency, LoadResult Hub, LoadResult Limit, CpuShares HubCpu, CpuShares LimitCpu)
{
    public double Ratio => Limit.PerSecond > 0 ? Hub.PerSecond / Limit.PerSecond : double.NaN;
}

/// <summary>
/// Part 1b: the intake of the other two webhook flows, as part 1 measures hazard reports: signed
/// <c>pickup_order.created</c> and <c>points.earned</c> webhooks over HTTP to the local host
/// (triggers off), and in turns with each level the limit (<see cref="Alternation"/>) — the same storage calls, made in this
/// process by the hub's own stores (<see cref="PickupOrderStore.AcceptAsync"/>: queue send and
/// insert; the points queue send and <see cref="PointsBook.ApplyAsync"/>: two point reads and one
/// entity-group transaction) with no HTTP, signing or validation, on tables of their own.
/// </summary>
public sealed class FlowIntakeBenchmark(BenchmarkOptions options, TextWriter progress)
{
    public const string Pickup = "pickup_order.created";
    public const string Points = "points.earned";

    /// <summary>Couriers the points runs spread over, so concurrent transactions rarely share an account.</summary>
    private const int Couriers = 5_000;

    private static readonly TimeSpan ShortWarmUp = TimeSpan.FromSeconds(1);

    public async Task<IReadOnlyList<FlowLevelRun>> RunAsync()
    {
        await using var stack = await IntakeStack.StartAsync(CorePinning.For(options.Pin, out var placement));
        progress.WriteLine($"  {placement}");
        var limitSettings = stack.Registry.Settings(stack.Azurite.ConnectionString, "m" + Guid.NewGuid().ToString("N")[..10]);
        await using var limit = new ServiceCollection()
            .AddLogging()
            .AddStationHub(new ConfigurationBuilder().AddInMemoryCollection(limitSettings).Build())
            .BuildServiceProvider();
        var limitStorage = limit.GetRequiredService<HubStorage>();
        var hostStorage = new HubStorage(limitStorage.QueueService, limitStorage.TableService, stack.Prefix);
        var runs = new List<FlowLevelRun>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            // A fresh emulator for each run: the triggers are off, so every accepted item stays queued.
            await stack.RestartAzuriteAsync();
            await hostStorage.EnsureCreatedAsync();
            await limitStorage.EnsureCreatedAsync();
            foreach (var flow in new[] { Pickup, Points })
            {
                var ids = new RunIds(run, flow);
                var hub = HubOperation(stack, flow, ids);
                var bare = LimitOperation(limit, flow, ids);
                await LoadRunner.ClosedLoopAsync(4, run == 1 ? options.WarmUp : ShortWarmUp, hub, RunIds.WarmUpHub);
                await LoadRunner.ClosedLoopAsync(4, ShortWarmUp, bare, RunIds.WarmUpLimit);
                await QuietMachine.WaitAsync(stack.Azurite.ProcessId, stack.HostPid, progress);
                var first = 1L;
                foreach (var concurrency in options.FlowConcurrencies)
                {
                    // In turns, as the hazard reports' intake (Alternation); these tables are not emptied between turns.
                    var (hubResult, hubShares, limitResult, limitShares) = await Alternation.ClosedLoopsAsync(
                        concurrency, hub, bare, new Turns(options.Turns, options.TurnLength, stack.MeasureCpu, _ => Task.CompletedTask, first));
                    first += Math.Max(hubResult.Succeeded + hubResult.ErrorCount, limitResult.Succeeded + limitResult.ErrorCount) + 1;
                    var level = new FlowLevelRun(flow, run, concurrency, hubResult, limitResult, hubShares, limitShares);
                    runs.Add(level);
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {run} {flow} c={concurrency}: hub {hubResult.PerSecond:0}/s, limit {limitResult.PerSecond:0}/s, ratio {level.Ratio:0.00}"));
                }
            }
        }

        return runs;
    }

    private static Operation HubOperation(IntakeStack stack, string flow, RunIds ids)
    {
        var path = flow == Pickup
            ? $"api/v1/platforms/{TestRegistry.Platform}/pickup-orders"
            : $"api/v1/platforms/{TestRegistry.Platform}/points-transactions";
        return async (number, cancellationToken) =>
        {
            var id = ids.Id(number);
            var body = flow == Pickup
                ? $$$"""{"type":"pickup_order.created","timestamp":"2026-11-22T08:00:00Z","data":{"orderId":"{{{id}}}","stationId":"{{{TestRegistry.Station}}}","parcels":2,"handlingFeeFen":150,"commissionFen":1299,"pickupWithinHours":72}}"""
                : $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{CourierOf(number)}}}","task":"patrol_hour","stationId":"{{{TestRegistry.Station}}}"}}""";
            using var request = Webhooks.Signed(path, body, stack.Registry.PlatformSigner);
            using var response = await stack.Http.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response.StatusCode == HttpStatusCode.Accepted ? null : "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        };
    }

    private static Operation LimitOperation(IServiceProvider limit, string flow, RunIds ids)
    {
        var time = TimeProvider.System;
        if (flow == Pickup)
        {
            var store = limit.GetRequiredService<PickupOrderStore>();
            return async (number, cancellationToken) =>
            {
                var now = time.GetUtcNow();
                var order = new PickupOrder(
                    PickupOrder.HubIdFor(TestRegistry.Platform, ids.Id(number)), TestRegistry.Platform, ids.Id(number), TestRegistry.Station, 2, 150, 1299, null, 72, now);
                var webhookId = "msg_" + Guid.NewGuid().ToString("N");
                var attemptId = Guid.NewGuid().ToString("N");
                var created = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, webhookId, now, PickupOrderEventKind.Created, order.HubId, attemptId, order);
                return await store.AcceptAsync(created, OrderEntity.For(order, webhookId, attemptId), cancellationToken) ? null : "not accepted";
            };
        }

        var storage = limit.GetRequiredService<HubStorage>();
        var book = limit.GetRequiredService<PointsBook>();
        var pseudonyms = limit.GetRequiredService<Pseudonyms>();
        return async (number, cancellationToken) =>
        {
            var id = ids.Id(number);
            var transaction = new PointsTransactionRequested(
                PointsTransactionRequested.CurrentSchemaVersion,
                "msg_" + Guid.NewGuid().ToString("N"),
                time.GetUtcNow(),
                PointsIntake.HubTransactionId(TestRegistry.Platform, id),
                PointsKind.Earned,
                TestRegistry.Platform,
                pseudonyms.Courier(TestRegistry.Platform, CourierOf(number)),
                Task: "patrol_hour",
                StationId: TestRegistry.Station,
                PlatformTransactionId: id,
                AttemptId: Guid.NewGuid().ToString("N"));
            await storage.SendAsync(Queues.PointsTransactions, transaction, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
            var outcome = await book.ApplyAsync(transaction, cancellationToken);
            return outcome.Applied ? null : "rejected: " + outcome.Record.Reason;
        };
    }

    private static string CourierOf(long number) => "courier-" + (number % Couriers).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Ids unique per run and flow; the warm-ups number from far above the measured runs.</summary>
    private sealed record RunIds(int Run, string Flow)
    {
        public const long WarmUpHub = 90_000_000;

        public const long WarmUpLimit = 95_000_000;

        public string Id(long number) => string.Create(CultureInfo.InvariantCulture, $"bench-{Run}{(Flow == Pickup ? 'o' : 't')}-{number:D8}");
    }
}
