using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Benchmarks.HazardReports;
using StationHub.Benchmarks.Measurement;
using StationHub.Testing;

namespace StationHub.Benchmarks.Soak;

/// <summary>
/// What one storage request costs the emulator as its data grows, with no hub in between (<c>--parts
/// emulator</c>): table inserts and point reads as one table grows to 80,000 entities (the slowest read of
/// 11 s waits for a save of the whole database, which Azurite on disk makes every 5 s), and a queue
/// message's update and delete as another queue holds up to 10,000 messages. The soak's drift and its
/// stall after the freeze are read against these figures (docs/benchmarks.md). Azurite on disk, as the
/// soak runs it; c = 8 for the inserts, one at a time for the rest.
/// </summary>
public sealed class EmulatorProbe(TextWriter progress)
{
    private static readonly int[] TableSizes = [0, 10_000, 40_000, 80_000];

    private static readonly int[] StoredMessages = [0, 1_000, 5_000, 10_000];

    private static readonly TimeSpan ReadWindow = TimeSpan.FromSeconds(11);

    public async Task<EmulatorRun> RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("probe-azurite-");
        var azurite = await AzuriteProcess.StartAsync(folder.FullName);
        try
        {
            var tables = new List<EmulatorTableRow>();
            var table = new TableClient(azurite.ConnectionString, "ProbeGrowing");
            await table.CreateIfNotExistsAsync();
            var size = 0;
            foreach (var target in TableSizes)
            {
                await InsertAsync(table, target - size);
                size = target;
                var inserts = await InsertAsync(table, 1_000);
                size += 1_000;
                // One read after another for longer than Azurite's autosave period (5 s): the slowest one
                // waited for a save of the whole database, which blocks its one thread.
                var reads = new List<double>();
                var window = Stopwatch.GetTimestamp();
                for (var i = 0; Stopwatch.GetElapsedTime(window) < ReadWindow; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await table.GetEntityIfExistsAsync<TableEntity>("p1", "absent" + i.ToString(CultureInfo.InvariantCulture));
                    reads.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                var insertTimes = LatencySummary.Of(inserts);
                var readTimes = LatencySummary.Of(reads);
                var row = new EmulatorTableRow(target, insertTimes.P50, insertTimes.P99, readTimes.P50, readTimes.Max);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   table of {row.Entities:N0}: insert p50 {row.InsertP50:0.0} ms, p99 {row.InsertP99:0.0} ms; point read p50 {row.ReadP50:0.0} ms, slowest {row.ReadMax:0} ms"));
                tables.Add(row);
            }

            var queues = new List<EmulatorQueueRow>();
            var stored = new QueueClient(azurite.ConnectionString, "probe-stored", StorageLimitClient.QueueOptions);
            var work = new QueueClient(azurite.ConnectionString, "probe-work", StorageLimitClient.QueueOptions);
            await stored.CreateIfNotExistsAsync();
            await work.CreateIfNotExistsAsync();
            var held = 0;
            foreach (var target in StoredMessages)
            {
                await Parallel.ForAsync(0, target - held, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) => await stored.SendMessageAsync("stored", ct));
                held = target;
                var updates = new List<double>();
                var deletes = new List<double>();
                for (var round = 0; round < 2; round++)
                {
                    for (var i = 0; i < 20; i++)
                    {
                        await work.SendMessageAsync("work");
                    }

                    foreach (var message in (await work.ReceiveMessagesAsync(20, TimeSpan.FromMinutes(1))).Value)
                    {
                        var started = Stopwatch.GetTimestamp();
                        var updated = await work.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.FromMinutes(1));
                        updates.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        started = Stopwatch.GetTimestamp();
                        await work.DeleteMessageAsync(message.MessageId, updated.Value.PopReceipt);
                        deletes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }

                var row = new EmulatorQueueRow(target, LatencySummary.Of(updates).P50, LatencySummary.Of(deletes).P50);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {row.StoredMessages:N0} messages stored in another queue: update p50 {row.UpdateP50:0.0} ms, delete p50 {row.DeleteP50:0.0} ms"));
                queues.Add(row);
            }

            return new EmulatorRun(tables, queues);
        }
        finally
        {
            await azurite.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }

    public static void Print(EmulatorRun run, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("Azurite on disk, one request's cost as its data grows (no hub):");
        output.WriteLine("| entities in the table | insert p50 ms (c = 8) | insert p99 ms | point read p50 ms | slowest point read in 11 s, ms |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var row in run.Tables)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Entities:N0} | {row.InsertP50:0.0} | {row.InsertP99:0.0} | {row.ReadP50:0.0} | {row.ReadMax:0} |"));
        }

        output.WriteLine("| messages stored in another queue | update p50 ms | delete p50 ms |");
        output.WriteLine("|---|---|---|");
        foreach (var row in run.Queues)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.StoredMessages:N0} | {row.UpdateP50:0.0} | {row.DeleteP50:0.0} |"));
        }
    }

    /// <summary>Inserts <paramref name="count"/> entities spread over 64 partitions, 8 at a time; returns each one's time in ms.</summary>
    private static async Task<List<double>> InsertAsync(TableClient table, int count)
    {
        var times = new List<double>(count);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            await table.AddEntityAsync(new TableEntity("p" + (i % 64).ToString(CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N")) { ["Body"] = new string('x', 300) }, ct);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (times)
            {
                times.Add(elapsed);
            }
        });
        return times;
    }
}

public sealed record EmulatorRun(IReadOnlyList<EmulatorTableRow> Tables, IReadOnlyList<EmulatorQueueRow> Queues);

public sealed record EmulatorTableRow(int Entities, double InsertP50, double InsertP99, double ReadP50, double ReadMax);

public sealed record EmulatorQueueRow(int StoredMessages, double UpdateP50, double DeleteP50);
