using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.PickupOrders;
using StationHub.Platform.Registry;
using StationHub.Points;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;

namespace StationHub.Tests.Faults;

/// <summary>
/// A platform's steady stream of signed webhooks for the fault suite, interleaving the four flows
/// in: hazard reports, points earned by a few couriers for catalog tasks, pickup orders, and gig work
/// (a job, a match on it, its completion and its pay: sent a few at a time, so a pay may come before its
/// match; every third group impossible work, a match made before its job was posted, and every third
/// a pay dated before its completion, both to be rejected with a reason whatever the order). It
/// posts with the platform's retry semantics (Standard Webhooks): no answer, a 5xx or a 429 is
/// tried again later with the SAME <c>webhook-id</c>; a 202 or 200 is recorded as accepted; any
/// other answer fails the test. At the end, <see cref="AssertEachAppliedOnceAsync"/> checks from
/// storage and the receivers that every accepted item was delivered or applied exactly once.
/// Small on purpose (tens of items), so the queues stay drained (AZURITE.md, trap 1).
/// </summary>
public sealed class MixedStream
{
    private const string PlatformId = TestRegistry.Platform;
    private const int InFlight = 4;

    /// <summary>How long the queues may stay drained with something still missing before the wait gives up.</summary>
    private static readonly TimeSpan GiveUpDrained = TimeSpan.FromSeconds(5);
    private static readonly string[] Couriers = ["courier-a", "courier-b", "courier-c"];
    private static readonly string[] CatalogTasks = ["patrol_hour", "mediation", "emergency_assistance"];

    private readonly HubScenario world;
    private readonly IReadOnlyList<StreamItem> items;
    private readonly ConcurrentDictionary<StreamItem, string> accepted = new();
    private readonly ConcurrentQueue<HttpStatusCode> refusals = new();
    private int sent;

    private MixedStream(HubScenario world, IReadOnlyList<StreamItem> items)
    {
        this.world = world;
        this.items = items;
    }

    private enum Flow
    {
        Report,
        Points,
        Order,
        Gig,
    }

    /// <summary>How many items the stream holds in all.</summary>
    public int Count => items.Count;

    /// <summary>How many items the hub has accepted (202 or 200) so far.</summary>
    public int AcceptedCount => accepted.Count;

    /// <summary>The non-2xx answers the hub gave (each retried), in order.</summary>
    public IReadOnlyCollection<HttpStatusCode> Refusals => [.. refusals];

    /// <summary>Items sent at least once that have no 2xx yet (or are still in flight): what the platform will retry.</summary>
    public IReadOnlyList<string> Pending => [.. PendingItems().Select(i => i.Id)];

    /// <param name="perFlow">Items of each flow, interleaved report, points, order, report, ...</param>
    public static MixedStream Create(HubScenario world, string tag, int perFlow = 12)
    {
        var items = new List<StreamItem>();
        for (var i = 0; i < perFlow; i++)
        {
            var report = $"{tag}-r{i}";
            var transaction = $"{tag}-t{i}";
            var order = $"{tag}-o{i}";
            var (courier, task) = (Couriers[i % Couriers.Length], CatalogTasks[i % CatalogTasks.Length]);
            items.Add(new(Flow.Report, report, $"api/v1/platforms/{PlatformId}/hazard-reports", Webhooks.HazardReport(report), null, null));
            items.Add(new(Flow.Points, transaction, $"api/v1/platforms/{PlatformId}/points-transactions", Earned(transaction, courier, task), courier, task));
            items.Add(new(Flow.Order, order, $"api/v1/platforms/{PlatformId}/pickup-orders", PickupOrders.PickupOrderFlowTests.Created(order), null, null));
            items.Add(GigItem(tag, i));
        }

        return new MixedStream(world, items);
    }

    /// <summary>
    /// First tries of the next <paramref name="count"/> items not yet sent (all that are left when
    /// null), a few at a time, item n to <c>clients[n % clients.Count]</c>, each lane waiting
    /// <paramref name="pace"/> between its posts (a steady stream). Returns when each has an answer
    /// or has failed; what got none stays <see cref="Pending"/>.
    /// </summary>
    public async Task SendAsync(IReadOnlyList<HttpClient> clients, int? count = null, TimeSpan pace = default)
    {
        var start = Volatile.Read(ref sent);
        var end = Math.Min(items.Count, start + (count ?? items.Count));
        Volatile.Write(ref sent, end);
        await Parallel.ForEachAsync(
            Enumerable.Range(start, end - start),
            new ParallelOptions { MaxDegreeOfParallelism = InFlight },
            async (n, _) =>
            {
                await TryPostAsync(clients[n % clients.Count], items[n]);
                await Task.Delay(pace);
            });
    }

    public Task SendAsync(HttpClient client, int? count = null, TimeSpan pace = default) => SendAsync([client], count, pace);

    /// <summary>Waits until the hub has accepted at least <paramref name="count"/> items (to strike mid-stream).</summary>
    public Task WaitForAcceptedAsync(int count, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => Task.FromResult(accepted.Count), n => n >= count, n => $"Only {n} of {count} items were accepted.", timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>
    /// The platform's retries: every pending item again, with its own webhook-id, round after
    /// round until the hub has accepted them all (fails if it has not within the timeout).
    /// </summary>
    public async Task RetryUntilAcceptedAsync(HttpClient client, TimeSpan? timeout = null)
    {
        await Eventually.UntilAsync(
            async () =>
            {
                await Parallel.ForEachAsync(PendingItems(), new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (item, _) => await TryPostAsync(client, item));
                return PendingItems().Count;
            },
            pending => pending == 0,
            _ => $"Never accepted: {string.Join(", ", Pending)}; answers refused: {string.Join(", ", Refusals)}.",
            timeout ?? TimeSpan.FromSeconds(30));

        Assert.True(Volatile.Read(ref sent) == items.Count, $"Only {sent} of {items.Count} items were sent.");
    }

    /// <summary>
    /// Waits until the hub has settled (every queue drained, every accepted report at its city,
    /// every accepted transaction told to the platform), then checks that each accepted item was
    /// applied exactly once: reports delivered with repeats only under one webhook-id and received
    /// once in the ledger; each courier's balance the sum of their accepted earns, with one record
    /// and one <c>points.issued.*</c> entry per transaction; each order stored once with one
    /// <c>pickup.received</c> entry; and every poison queue empty (checked first: it says why).
    /// </summary>
    /// <param name="client">A live host's client, to read balances through the public API.</param>
    public async Task AssertEachAppliedOnceAsync(HttpClient client, TimeSpan? timeout = null)
    {
        Assert.True(Pending.Count == 0 && Volatile.Read(ref sent) == items.Count, $"Check the end state once every item is accepted; pending: {string.Join(", ", Pending)}.");
        await WaitUntilSettledAsync(timeout ?? TimeSpan.FromSeconds(60));

        await AssertPoisonQueuesEmptyAsync();
        AssertReportsDeliveredOnce();
        AssertBalanceNoticesOnce();
        var ledger = await LedgerSourcesAsync();
        AssertEachOnce(ledger.GetValueOrDefault(LedgerKinds.ReportReceived, []), Accepted(Flow.Report).Select(i => accepted[i]), "report.received entries");
        AssertEachOnce(ledger.GetValueOrDefault(LedgerKinds.PickupReceived, []), Accepted(Flow.Order).Select(i => accepted[i]), "pickup.received entries");
        await AssertOrdersStoredOnceAsync();
        await AssertPointsAppliedOnceAsync(client, ledger);
        await AssertGigWorkAppliedOnceAsync(ledger);
    }

    /// <summary>Subjects (hub ids) of the reports a city received.</summary>
    public static IEnumerable<string> ReportSubjects(IEnumerable<Received> received) => received.Select(SubjectOf);

    /// <summary>Fails unless every subject came under a single webhook-id (repeats are allowed, as at-least-once).</summary>
    public static void AssertRepeatsOnlyBySameWebhookId(IEnumerable<Received> received, Func<Received, string> subject)
    {
        foreach (var group in received.GroupBy(subject))
        {
            var ids = group.Select(r => r.WebhookId).Distinct().ToList();
            Assert.True(ids.Count == 1, $"{group.Key} came under {ids.Count} webhook-ids: {string.Join(", ", ids)}");
        }
    }

    private static string Earned(string id, string courier, string task) =>
        $$$"""{"type":"points.earned","timestamp":"2026-11-22T08:00:00Z","data":{"transactionId":"{{{id}}}","courierId":"{{{courier}}}","task":"{{{task}}}","stationId":"{{{TestRegistry.Station}}}"}}""";

    /// <summary>
    /// Item i of the gig-work lane, in groups of four: job j{g}, its match m{g}, the completion, the pay.
    /// Group g % 3 == 1 is matched before its job was posted (the match rejected, and what waited on it;
    /// its pay is also 0 fen); g % 3 == 2 is paid before it was completed (the pay rejected).
    /// </summary>
    private static StreamItem GigItem(string tag, int i)
    {
        var g = i / 4;
        var (job, match) = ($"{tag}-j{g}", $"{tag}-m{g}");
        var t0 = GigWork.GigWorkWorld.T0;
        var (madeEarly, payEarly) = (g % 3 == 1, g % 3 == 2);
        var matchSource = "match~" + PlatformId + "~" + match;
        var (body, source, applied) = (i % 4) switch
        {
            0 => (GigWork.GigWorkWorld.Job(job, workersWanted: 2, postedAt: t0), "job~" + PlatformId + "~" + job, true),
            1 => (GigWork.GigWorkWorld.Made(match, job, "worker-" + (g % 5), madeEarly ? t0.AddHours(-1) : t0.AddHours(1)), matchSource, !madeEarly),
            2 => (GigWork.GigWorkWorld.Completed(match, t0.AddHours(3)), matchSource, !madeEarly),
            _ => (GigWork.GigWorkWorld.Paid(match, payEarly ? t0.AddHours(2) : t0.AddHours(3).AddMinutes(20), amountFen: madeEarly ? 0 : 18_000), matchSource, !madeEarly && !payEarly),
        };
        return new(Flow.Gig, $"{tag}-g{i}", $"api/v1/platforms/{PlatformId}/gig-work", body, null, null, source) { GigApplied = applied };
    }

    private static string SubjectOf(Received received) => Data(received).GetProperty("service_request_id").GetString()!;

    /// <summary>The platform's own transaction id a points notice is about.</summary>
    private static string TransactionOf(Received received) => Data(received).GetProperty("transactionId").GetString()!;

    private static JsonElement Data(Received received) => JsonDocument.Parse(received.Body).RootElement.GetProperty("data").Clone();

    private static bool IsType(Received received, string type) => JsonDocument.Parse(received.Body).RootElement.GetProperty("type").GetString() == type;

    private static void AssertEachOnce(IEnumerable<string> found, IEnumerable<string> expected, string what)
    {
        var counts = found.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        var wanted = expected.ToHashSet();
        var twice = counts.Where(c => c.Value > 1).Select(c => $"{c.Key} ×{c.Value}").ToList();
        var missing = wanted.Where(w => !counts.ContainsKey(w)).ToList();
        var extra = counts.Keys.Where(k => !wanted.Contains(k)).ToList();
        Assert.True(
            twice.Count == 0 && missing.Count == 0 && extra.Count == 0,
            $"{what}: twice [{string.Join(", ", twice)}], missing [{string.Join(", ", missing)}], not accepted [{string.Join(", ", extra)}]");
    }

    private List<StreamItem> PendingItems() => [.. items.Take(Volatile.Read(ref sent)).Where(i => !accepted.ContainsKey(i))];

    private IEnumerable<StreamItem> Accepted(Flow flow) => items.Where(i => i.Flow == flow && accepted.ContainsKey(i));

    private async Task TryPostAsync(HttpClient client, StreamItem item)
    {
        try
        {
            using var request = Webhooks.Signed(item.Path, item.Body, world.PlatformSigner, item.WebhookId);
            using var response = await client.SendAsync(request);
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                accepted[item] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hubId").GetString()!;
                return;
            }

            refusals.Enqueue(response.StatusCode);
            Assert.True(
                (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
                $"{item.Id} got {(int)response.StatusCode}, which a platform does not retry: {await response.Content.ReadAsStringAsync()}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // No answer: the platform tries again later with the same webhook-id.
        }
    }

    private async Task WaitUntilSettledAsync(TimeSpan timeout)
    {
        var reports = Accepted(Flow.Report).Select(i => accepted[i]).ToList();
        var transactions = Accepted(Flow.Points).Select(i => i.Id).ToList();
        var looksDrained = 0;
        long drainedSince = 0;
        await Eventually.UntilAsync(
            async () =>
            {
                var queued = await QueuedAsync();
                var undelivered = reports.Except(ReportSubjects(CityReports())).ToList();
                var untold = transactions.Except(BalanceNotices().Select(TransactionOf)).ToList();
                looksDrained = queued.Values.All(n => n == 0) ? looksDrained + 1 : 0;
                drainedSince = looksDrained == 1 ? Stopwatch.GetTimestamp() : drainedSince;
                var state = (Queued: queued, Undelivered: undelivered, Untold: untold, Settled: looksDrained >= 2 && undelivered.Count == 0 && untold.Count == 0);

                // Drained (a killed host's messages count until they come back) and still short: nothing is left to deliver them.
                if (!state.Settled && looksDrained > 0 && Stopwatch.GetElapsedTime(drainedSince) > GiveUpDrained)
                {
                    throw new TimeoutException(await DescribeAsync(state.Queued, undelivered, untold));
                }

                return state;
            },
            // Two looks in a row: a handler queues its follow-up before it deletes its own message, so one
            // pass over the queues could miss a message moving from one to the next.
            state => state.Settled,
            state => $"The hub did not settle: queued {string.Join(", ", state.Queued.Select(q => $"{q.Key}={q.Value}"))}; reports not delivered [{string.Join(", ", state.Undelivered)}]; transactions not told [{string.Join(", ", state.Untold)}].",
            timeout);
    }

    private async Task<string> DescribeAsync(Dictionary<string, int> queued, List<string> undelivered, List<string> untold) =>
        $"The hub did not settle: queued {string.Join(", ", queued.Select(q => $"{q.Key}={q.Value}"))}; poisoned [{string.Join(", ", await PoisonedAsync())}]; " +
        $"reports not delivered [{string.Join(", ", undelivered)}]; transactions not told [{string.Join(", ", untold)}].";

    private async Task<Dictionary<string, int>> QueuedAsync() =>
        (await Task.WhenAll(Queues.All.Select(async queue => (Queue: queue, Count: await world.Storage.CountMessagesAsync(queue)))))
            .ToDictionary(counted => counted.Queue, counted => counted.Count);

    private IEnumerable<Received> CityReports() => world.City.All.Where(r => IsType(r, HazardReportEvents.Routed));

    private IEnumerable<Received> BalanceNotices() => world.Platform.All.Where(r => IsType(r, PointsEvents.BalanceChanged));

    private void AssertReportsDeliveredOnce()
    {
        var routed = CityReports().ToList();
        Assert.Equal(Accepted(Flow.Report).Select(i => accepted[i]).ToHashSet(), ReportSubjects(routed).ToHashSet());
        AssertRepeatsOnlyBySameWebhookId(routed, SubjectOf);
    }

    private void AssertBalanceNoticesOnce()
    {
        var notices = BalanceNotices().ToList();
        Assert.Equal(Accepted(Flow.Points).Select(i => i.Id).ToHashSet(), notices.Select(TransactionOf).ToHashSet());
        AssertRepeatsOnlyBySameWebhookId(notices, TransactionOf);
    }

    /// <summary>The ledger's entries: kind → the source id of each entry (a source twice is a fact counted twice).</summary>
    private async Task<Dictionary<string, List<string>>> LedgerSourcesAsync()
    {
        var sources = new Dictionary<string, List<string>>();
        foreach (var entry in await world.Storage.LedgerEntriesAsync())
        {
            if (!sources.TryGetValue(entry.Kind, out var list))
            {
                sources[entry.Kind] = list = [];
            }

            list.Add(entry.SourceId);
        }

        return sources;
    }

    private async Task AssertOrdersStoredOnceAsync()
    {
        var stored = new List<string>();
        // The orders themselves: not the due index, nor the webhook-id claims beside them.
        var filter = TableClient.CreateQueryFilter($"RowKey eq {OrderEntity.Row}");
        await foreach (var order in world.Storage.Hub.Table(Tables.PickupOrders).QueryAsync<TableEntity>(filter, select: ["PartitionKey"]))
        {
            stored.Add(order.PartitionKey);
        }

        AssertEachOnce(stored, Accepted(Flow.Order).Select(i => accepted[i]), "stored pickup orders");
    }

    private async Task AssertPointsAppliedOnceAsync(HttpClient client, Dictionary<string, List<string>> ledger)
    {
        var catalog = RegistryLoader.Load(world.Registry.RegistryPath);
        var earned = Accepted(Flow.Points).ToList();
        var issued = ledger.Where(l => l.Key.StartsWith("points.issued.", StringComparison.Ordinal)).SelectMany(l => l.Value);
        AssertEachOnce(issued, earned.Select(i => PointsIntake.HubTransactionId(PlatformId, i.Id)), "points.issued entries");
        foreach (var courier in Couriers)
        {
            var mine = earned.Where(i => i.Courier == courier).ToList();
            var balance = await BalanceAsync(client, courier);
            var history = balance.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("transactionId").GetString()!);
            AssertEachOnce(history, mine.Select(i => i.Id), $"{courier}'s points records");
            var (expected, available) = (mine.Sum(i => (long)catalog.FindTask(i.CatalogTask!)!.Points), balance.GetProperty("available").GetInt64());
            Assert.True(expected == available, $"{courier} has {available} points; their accepted earns add up to {expected}.");
        }
    }

    private static async Task<JsonElement> BalanceAsync(HttpClient client, string courier)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/platforms/{PlatformId}/couriers/{courier}/points");
        request.Headers.Add("x-api-key", TestRegistry.PlatformKey);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Each accepted gig event applied, or rejected with a reason where the work was impossible (none left
    /// waiting); each applied one counted once on the ledger under its job or match, none of the rejected;
    /// and the ledger's gig counts, day by day, equal a recount of the applied jobs and matches.
    /// </summary>
    private async Task AssertGigWorkAppliedOnceAsync(Dictionary<string, List<string>> ledger)
    {
        var gig = Accepted(Flow.Gig).ToList();
        foreach (var item in gig)
        {
            var record = await world.Storage.Hub.Table(Tables.GigWork).GetEntityAsync<TableEntity>("ev~" + PlatformId + "~" + accepted[item], "event");
            var (status, reason) = (record.Value.GetString("Status"), record.Value.GetString("Reason"));
            Assert.True(status == (item.GigApplied ? "applied" : "rejected"), $"{accepted[item]} is {status}: {reason}");
            Assert.True(item.GigApplied || !string.IsNullOrEmpty(reason), $"{accepted[item]} was rejected without a reason.");
        }

        foreach (var (kind, prefix) in new[] { ("gig.job.posted", "job~"), ("gig.match.made", "made~"), ("gig.match.completed", "completed~"), ("gig.match.paid", "paid~") })
        {
            AssertEachOnce(ledger.GetValueOrDefault(kind, []), gig.Where(i => i.GigApplied && accepted[i].StartsWith(prefix, StringComparison.Ordinal)).Select(i => i.Subject!), kind + " entries");
        }

        await LedgerRecount.AssertGigEntriesMatchAsync(world);
    }

    private async Task AssertPoisonQueuesEmptyAsync()
    {
        var poisoned = await PoisonedAsync();
        Assert.True(poisoned.Count == 0, $"Poisoned: {string.Join(", ", poisoned)}.");
    }

    /// <summary>The poison queues that hold messages, as "name=count".</summary>
    private async Task<List<string>> PoisonedAsync()
    {
        var poisoned = new List<string>();
        foreach (var queue in Queues.All.Select(q => q + Queues.PoisonSuffix))
        {
            if (await world.Storage.CountMessagesAsync(queue) is > 0 and var count)
            {
                poisoned.Add($"{queue}={count}");
            }
        }

        return poisoned;
    }

    /// <summary>One webhook the platform sends until it gets a 2xx, always under the same webhook-id.</summary>
    private sealed record StreamItem(Flow Flow, string Id, string Path, string Body, string? Courier, string? CatalogTask, string? Subject = null)
    {
        public string WebhookId { get; } = "msg_" + Id;

        /// <summary>A gig event the hub must apply (true) or reject with a reason (false).</summary>
        public bool GigApplied { get; init; } = true;
    }
}
