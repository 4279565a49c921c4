using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using StationHub.HazardReports;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Tests.Infrastructure;
using StationHub.Triggers;
using Xunit.Abstractions;

namespace StationHub.Tests.Faults;

/// <summary>
/// Intake under a storage outage, timed: the 503 comes within 5 s (a platform with a 10–15 s
/// timeout hears it), it says the item may have been accepted, the platform's retry with the same
/// webhook-id makes exactly one report, and the queue functions pick up work promptly once storage
/// is back. The emulator is stopped cleanly (AZURITE.md, trap 3); an outage of the table service
/// alone, which starts between intake's queue send and its table commit, goes through a
/// <see cref="TcpGate"/> that closes after a given number of table requests. Each outage is a class
/// of its own, so the outages (each with its own emulator, or gates of its own in front of the shared one)
/// run beside each other, not one after another.
/// </summary>
public static class StorageOutageIntakeTests
{
    /// <summary>The whole emulator stopped and restarted (clean stop, data kept).</summary>
    [RunsLong(18)]
    public sealed class StoreStopped(ITestOutputHelper output)
    {
        [Fact]
        public Task A_webhook_during_an_outage_gets_a_503_within_5_seconds_and_its_retry_makes_one_report() => OnStoppableEmulatorAsync(async (azurite, world) =>
        {
            await world.AcceptReportAsync("r-before");
            await azurite.StopAsync();

            var body = Webhooks.HazardReport("r-outage");
            const string webhookId = "msg_r-outage";
            await AssertRefusedInTimeAsync(output, world, "Storage stopped", body, webhookId);

            await azurite.RestartAsync();
            var hubId = await RetryUntilAcceptedAsync(world, body, webhookId);
            await AssertOneReportAsync(world, hubId);
        });
    }

    /// <summary>The table service down between intake's queue send and its table commit.</summary>
    public sealed class TableDownAfterQueueSend(ITestOutputHelper output)
    {
        [Fact]
        public async Task A_503_after_the_queue_send_may_have_accepted_the_report_and_the_retry_makes_exactly_one()
        {
            await using var azurite = await Azurite.GatedAsync();
            await using var world = await StartGatedAsync(azurite);
            var tables = azurite.TableGate;
            var warm = await world.AcceptReportAsync("r-warm");
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(warm));
            await world.WaitForStatusAsync(warm, "routed");

            // Quiet first: the warm report's delivery writes its record and fact after the city has it, and
            // one of those could take the one table request let through, so this report's claim would fail.
            await world.QuietAsync();

            // The table service goes down after intake's first table call (the webhook-id's claim), so
            // the report is queued and then cannot be stored; the queue stays up.
            tables.CloseAfterRequests(1);
            var body = Webhooks.HazardReport("r-split");
            const string webhookId = "msg_r-split";
            await AssertRefusedInTimeAsync(output, world, "Table service down after the queue send", body, webhookId);
            var hubId = HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, "r-split");
            Assert.Null(await world.Storage.Hub.Table(Tables.HazardReports).FindAsync<ReportEntity>(hubId, ReportEntity.Row));

            // Back up: the router stores the report from the queued message and routes it (it was
            // accepted after all), and the platform's retry gets the first answer, not a second report.
            tables.Reopen();
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(hubId), TimeSpan.FromSeconds(30));
            Assert.Equal(hubId, await RetryUntilAcceptedAsync(world, body, webhookId, expect: HttpStatusCode.OK));
            await AssertOneReportAsync(world, hubId);
        }
    }

    /// <summary>The queue service down between intake's webhook-id claim and its queue send.</summary>
    public sealed class QueueDownAfterClaim(ITestOutputHelper output)
    {
        [Fact]
        public async Task A_webhook_id_claimed_by_a_request_that_never_queued_its_report_is_queued_by_the_retry_once()
        {
            await using var azurite = await Azurite.GatedAsync();
            await using var world = await StartGatedAsync(azurite);
            var warm = await world.AcceptReportAsync("r-warm");
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(warm));

            // The queue service goes down while the table service stays up: the request claims the
            // webhook-id, and then cannot queue (so it stores nothing either).
            azurite.QueueGate.Close();
            var body = Webhooks.HazardReport("r-unqueued");
            const string webhookId = "msg_r-unqueued";
            await AssertRefusedInTimeAsync(output, world, "Queue service down after the claim", body, webhookId);
            var hubId = HazardReport.HubIdFor(TestRegistry.HubIds, TestRegistry.Platform, "r-unqueued");
            Assert.Null(await world.Storage.Hub.Table(Tables.HazardReports).FindAsync<ReportEntity>(hubId, ReportEntity.Row));

            // Back up: the retry finds the claim (its own) and no stored report, so it is the first to queue
            // and store it: accepted now (202), routed, and once.
            azurite.QueueGate.Reopen();
            Assert.Equal(hubId, await RetryUntilAcceptedAsync(world, body, webhookId, expect: HttpStatusCode.Accepted));
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(hubId), TimeSpan.FromSeconds(30));
            await AssertOneReportAsync(world, hubId);
            await world.QuietAsync();
            Assert.Single(MixedStream.ReportSubjects(world.City.All), id => id == hubId);
        }
    }

    /// <summary>A table service that accepts connections and never answers.</summary>
    public sealed class StoreHangs(ITestOutputHelper output)
    {
        [Fact]
        public async Task A_webhook_meeting_a_store_that_hangs_gets_a_503_within_5_seconds()
        {
            await using var azurite = await Azurite.GatedAsync();
            await using var world = await StartGatedAsync(azurite);
            var tables = azurite.TableGate;
            await world.AcceptReportAsync("r-warm");

            // Each table call would wait out the clients' 15 s network timeout, and then be retried.
            tables.Stall();
            await AssertRefusedInTimeAsync(output, world, "Table service hanging", Webhooks.HazardReport("r-hang"), "msg_r-hang");
            tables.Reopen();
        }
    }

    /// <summary>The table service down in the middle of a platform's stream.</summary>
    public sealed class TableOutageMidStream(ITestOutputHelper output)
    {
        [Fact]
        public async Task A_mixed_stream_retried_after_503s_from_a_table_outage_applies_every_accepted_item_once()
        {
            await using var azurite = await Azurite.GatedAsync();
            await using var world = await StartGatedAsync(azurite);
            var tables = azurite.TableGate;
            var stream = MixedStream.Create(world, "split");
            using var client = new HttpClient { BaseAddress = world.Hub.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

            // The table service drops mid-stream while the queue stays up: requests in flight have queued
            // their item and cannot commit it, and are told 503. The platform retries with the same webhook-ids.
            var sending = stream.SendAsync(client, pace: TimeSpan.FromMilliseconds(50));
            await stream.WaitForAcceptedAsync(stream.Count / 3);
            tables.Close();
            await Eventually.UntilAsync(() => stream.Refusals.Count >= 4 || sending.IsCompleted, "requests met the table outage");
            tables.Reopen();
            await sending;
            await stream.RetryUntilAcceptedAsync(client);

            output.WriteLine($"Answers refused during the outage: {string.Join(", ", stream.Refusals.GroupBy(s => s).Select(g => $"{(int)g.Key} ×{g.Count()}"))}.");
            Assert.Contains(HttpStatusCode.ServiceUnavailable, stream.Refusals);
            Assert.All(stream.Refusals, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
            await stream.AssertEachAppliedOnceAsync(client, TimeSpan.FromSeconds(90));
        }
    }

    /// <summary>How soon queue functions pick up work once storage is back.</summary>
    [RunsLong(25)]
    public sealed class StoreBack(ITestOutputHelper output)
    {
        [Fact]
        public Task Queue_functions_resume_within_seconds_of_storage_coming_back() => OnStoppableEmulatorAsync(async (azurite, world) =>
        {
            var before = await world.AcceptReportAsync("r-before");
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(before));

            // Until every queue's poll has failed and backed off as far as it goes: four failed polls
            // double the wait from 0.1 s to the test hubs' 1 s ceiling, the fifth waits that out, each
            // after the storage clients' own retries (0.2 + 0.4 + 0.8 + 1 s).
            await azurite.StopAsync();
            var listeners = HubTriggers.Queue.Count();
            await Eventually.UntilAsync(() => world.Log.Count(PollFailed) >= 5 * listeners, "every queue's poll failed five times");
            await azurite.RestartAsync();
            var back = Stopwatch.GetTimestamp();

            var hubId = await RetryUntilAcceptedAsync(world, Webhooks.HazardReport("r-after"), "msg_r-after");
            var accepted = Stopwatch.GetElapsedTime(back);
            await world.City.WaitForAsync(received => MixedStream.ReportSubjects(received).Contains(hubId), TimeSpan.FromSeconds(30));
            var routed = Stopwatch.GetElapsedTime(back);
            output.WriteLine($"Storage back: a report accepted after {accepted.TotalSeconds:0.00} s, at its city after {routed.TotalSeconds:0.00} s.");

            Assert.True(routed < TimeSpan.FromSeconds(6), $"Work resumed {routed.TotalSeconds:0.00} s after storage came back.");
        });
    }

    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    /// <summary>The queue listener's "polling queue … failed" warning.</summary>
    private const int PollFailed = 9005;

    /// <summary>
    /// Runs <paramref name="test"/> on an emulator of its own that keeps its data in a folder (a
    /// restart keeps it), with a world on it whose client does not retry a 503; removes both after.
    /// </summary>
    private static async Task OnStoppableEmulatorAsync(Func<Azurite, HubScenario, Task> test)
    {
        var folder = Directory.CreateTempSubdirectory("stationhub-azurite-").FullName;
        var azurite = await Azurite.StartAsync(folder);
        try
        {
            await using var world = await HubScenario.StartAsync(storageConnection: azurite.ConnectionString);
            world.PlatformRetries = false;
            await test(azurite, world);
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The hub reaches storage through the emulator's gates, the test past them; a 503 reaches the test as it is.</summary>
    private static async Task<HubScenario> StartGatedAsync(Azurite azurite)
    {
        var world = await HubScenario.StartBehindGatesAsync(azurite);
        world.PlatformRetries = false;
        return world;
    }

    /// <summary>Posts the webhook and expects, within <see cref="AnswerWithin"/>, the 503 that says it may have been accepted.</summary>
    private static async Task AssertRefusedInTimeAsync(ITestOutputHelper output, HubScenario world, string what, string body, string webhookId)
    {
        var started = Stopwatch.GetTimestamp();
        using var refused = await world.PostReportAsync(body, webhookId);
        var elapsed = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"{what}: 503 after {elapsed.TotalSeconds:0.00} s.");
        await AssertMayHaveBeenAcceptedAsync(refused);
        Assert.True(elapsed < AnswerWithin, $"The 503 took {elapsed.TotalSeconds:0.00} s.");
    }

    private static async Task AssertMayHaveBeenAcceptedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {text}");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(RequestDeadline.MayHaveBeenAccepted, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    /// <summary>The platform's retries (same webhook-id, same body) until a 2xx; returns the hub id.</summary>
    private static async Task<string> RetryUntilAcceptedAsync(HubScenario world, string body, string webhookId, HttpStatusCode? expect = null)
    {
        var answer = await Eventually.UntilAsync(
            async () =>
            {
                using var response = await world.PostReportAsync(body, webhookId);
                Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}");
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            answer => answer.StatusCode != HttpStatusCode.ServiceUnavailable,
            _ => "Storage came back, but the webhook is still refused.",
            TimeSpan.FromSeconds(30));
        if (expect is { } status)
        {
            Assert.Equal(status, answer.StatusCode);
        }

        return JsonDocument.Parse(answer.Body).RootElement.GetProperty("hubId").GetString()!;
    }

    /// <summary>One stored report, one delivery to its city (repeats only under one webhook-id), one <c>report.received</c>, no poison.</summary>
    private static async Task AssertOneReportAsync(HubScenario world, string hubId)
    {
        await world.WaitForStatusAsync(hubId, "routed");
        await world.QuietAsync();

        var reports = new List<string>();
        await foreach (var entity in world.Storage.Hub.Table(Tables.HazardReports).QueryAsync<TableEntity>(e => e.PartitionKey == hubId, select: ["RowKey"]))
        {
            reports.Add(entity.RowKey);
        }

        Assert.Equal([ReportEntity.Row], reports);
        var routed = world.City.All.Where(r => MixedStream.ReportSubjects([r]).Contains(hubId)).ToList();
        Assert.NotEmpty(routed);
        MixedStream.AssertRepeatsOnlyBySameWebhookId(routed, r => hubId);
        var received = (await world.Storage.LedgerEntriesAsync()).Where(e => e.Kind == LedgerKinds.ReportReceived && e.SourceId == hubId);
        Assert.Single(received);
        Assert.Equal(0, await world.Storage.CountMessagesAsync(Queues.HazardReportsAccepted + Queues.PoisonSuffix));
    }
}
