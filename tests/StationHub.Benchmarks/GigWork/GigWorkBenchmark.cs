using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StationHub.GigWork;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Testing;

namespace StationHub.Benchmarks.GigWork;

/// <summary>One phase of the gig-work part: events handled, how fast, and the storage requests they made.</summary>
public sealed record GigPhase(string What, int Concurrency, int Events, double Seconds, long Requests)
{
    public double PerSecond => Events / Seconds;

    public double RequestsPerEvent => (double)Requests / Events;
}

/// <summary>
/// Part 6, gig work: the hub's own intake and apply code in this process over a private Azurite, with
/// every storage request counted by a pipeline policy on the hub's clients (each try counts; nothing
/// else shares them). Intake is what a webhook does once it is checked (<see cref="GigWorkBook.AcceptAsync"/>:
/// queue first, then the event's record); apply is the queue function (<see cref="GigWorkRouter"/>) on
/// each message, without the host's receive and delete. The work: jobs wanting 4 workers, each with 4
/// matches made, completed and paid in order; then F1's burst, matches of one worker on one job
/// wanting 1, all but one rejected.
/// </summary>
public sealed class GigWorkBenchmark(TextWriter progress)
{
    public const int Jobs = 60;
    public const int Burst = 400;
    public const int Concurrency = 4;

    public async Task<IReadOnlyList<GigPhase>> RunAsync()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var registry = new TestRegistry(new Uri("http://127.0.0.1:9/c"), new Uri("http://127.0.0.1:9/o"), new Uri("http://127.0.0.1:9/p"), new Uri("http://127.0.0.1:9/q"));
        var prefix = "g" + Guid.NewGuid().ToString("N")[..10];
        var settings = registry.Settings(azurite.ConnectionString, prefix);
        var counter = new CountingPolicy();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddStationHub(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton(Counted(azurite.ConnectionString, prefix, counter))
            .BuildServiceProvider();
        await services.GetRequiredService<HubStorage>().EnsureCreatedAsync();
        var book = services.GetRequiredService<GigWorkBook>();
        var router = services.GetRequiredService<GigWorkRouter>();
        var pseudonyms = services.GetRequiredService<Pseudonyms>();
        var now = TimeProvider.System.GetUtcNow();
        var t0 = now.AddHours(-6);
        var run = prefix;

        GigWorkEvent Event(GigEventKind kind, string subject, DateTimeOffset? at, string? jobId = null, int? wanted = null, string? worker = null, long? amount = null) =>
            new(GigWorkEvent.CurrentSchemaVersion, "msg_" + Guid.NewGuid().ToString("N"), TimeProvider.System.GetUtcNow(),
                GigWorkEvent.EventIdFor(TestRegistry.Platform, GigWorkEvent.HubIdFor(kind, subject)), Guid.NewGuid().ToString("N"), kind, TestRegistry.Platform, subject,
                At: at, JobId: jobId ?? (kind == GigEventKind.JobPosted ? subject : null), StationId: kind == GigEventKind.JobPosted ? TestRegistry.Station : null,
                WorkersWanted: wanted, Trade: kind == GigEventKind.JobPosted ? "porter" : null,
                WorkerPseudonym: worker is null ? null : pseudonyms.Keyed("gig-worker", TestRegistry.Platform, worker), AmountFen: amount);

        var jobs = Enumerable.Range(0, Jobs).Select(j => Event(GigEventKind.JobPosted, $"{run}-j{j}", t0, wanted: 4)).ToList();
        var matches = Enumerable.Range(0, Jobs * 4).Select(m => ($"{run}-m{m}", $"{run}-j{m / 4}", $"worker-{m}")).ToList();
        var made = matches.Select(m => Event(GigEventKind.MatchMade, m.Item1, t0.AddMinutes(5), jobId: m.Item2, worker: m.Item3)).ToList();
        var completed = matches.Select(m => Event(GigEventKind.MatchCompleted, m.Item1, t0.AddHours(2))).ToList();
        var paid = matches.Select(m => Event(GigEventKind.MatchPaid, m.Item1, t0.AddHours(3), amount: 18_000)).ToList();
        var burstJob = Event(GigEventKind.JobPosted, $"{run}-burst", t0, wanted: 1);
        var burst = Enumerable.Range(0, Burst).Select(n => Event(GigEventKind.MatchMade, $"{run}-b{n}", t0.AddMinutes(5), jobId: burstJob.SubjectId, worker: "worker-burst")).ToList();

        var phases = new List<GigPhase>();
        async Task PhaseAsync(string what, IReadOnlyList<GigWorkEvent> events, Func<GigWorkEvent, Task> handle)
        {
            var before = counter.Requests;
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (gigEvent, _) => await handle(gigEvent));
            var phase = new GigPhase(what, Concurrency, events.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, counter.Requests - before);
            phases.Add(phase);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  gig {what}: {phase.PerSecond:0} events/s, {phase.RequestsPerEvent:0.00} storage requests an event"));
        }

        Task Accept(GigWorkEvent gigEvent) => book.AcceptAsync(gigEvent);
        Task Apply(GigWorkEvent gigEvent) => router.HandleAsync(BinaryData.FromBytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(gigEvent, HubJsonContext.Default.GigWorkEvent)));

        // The queue is not drained here (the apply phases call the router on the same events): clear it after intake.
        var all = jobs.Concat(made).Concat(completed).Concat(paid).Append(burstJob).Concat(burst).ToList();
        await PhaseAsync("intake (accept: queue, record)", all, Accept);
        await services.GetRequiredService<HubStorage>().Queue(StationHub.Triggers.Queues.GigWorkEvents).ClearMessagesAsync();
        await PhaseAsync("apply gig_job.posted", [.. jobs, burstJob], Apply);
        await PhaseAsync("apply gig_match.made", made, Apply);
        await PhaseAsync("apply gig_match.completed", completed, Apply);
        await PhaseAsync("apply gig_match.paid", paid, Apply);
        await PhaseAsync("apply F1 burst (made, one worker, one place)", burst, Apply);
        var applied = 0;
        foreach (var gigEvent in burst)
        {
            applied += (await book.FindEventAsync(gigEvent.EventId))?.Status == GigEventStatus.Applied ? 1 : 0;
        }

        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  gig F1 burst: {applied} of {Burst} applied"));
        return phases;
    }

    public static void Print(IReadOnlyList<GigPhase> phases, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Gig work (in process, c = {Concurrency}, {Jobs} jobs × 4 matches made, completed and paid; F1 burst of {Burst}):");
        output.WriteLine("| phase | events | events/s | storage requests / event |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var phase in phases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {phase.What} | {phase.Events} | {phase.PerSecond:0} | {phase.RequestsPerEvent:0.00} |"));
        }
    }

    /// <summary>The hub's storage, as <see cref="StorageClients"/> builds it, with every request counted.</summary>
    private static HubStorage Counted(string connection, string prefix, CountingPolicy counter)
    {
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var rawQueueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var tableOptions = new TableClientOptions();
        queueOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        rawQueueOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return new HubStorage(new QueueServiceClient(connection, queueOptions), new TableServiceClient(connection, tableOptions), prefix, new QueueServiceClient(connection, rawQueueOptions));
    }

    /// <summary>Counts each request sent (each try), client side.</summary>
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private long requests;

        public long Requests => Interlocked.Read(ref requests);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref requests);
    }
}
