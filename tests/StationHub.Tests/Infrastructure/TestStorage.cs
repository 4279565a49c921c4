using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using StationHub.Delivery;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// The shared Azurite with names of this test's own (a random prefix), created on start and
/// deleted at the end so no test leaves messages behind to slow the others (AZURITE.md, trap 1).
/// </summary>
public sealed class TestStorage : IAsyncDisposable
{
    private TestStorage(string connectionString, string prefix)
    {
        ConnectionString = connectionString;
        Prefix = prefix;
        Hub = new HubStorage(
            new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }),
            new TableServiceClient(connectionString),
            prefix);
    }

    public string ConnectionString { get; }

    public string Prefix { get; }

    public HubStorage Hub { get; }

    public static async Task<TestStorage> CreateAsync(string? connectionString = null)
    {
        connectionString ??= (await Azurite.GetAsync()).ConnectionString;
        var storage = new TestStorage(connectionString, "t" + Guid.NewGuid().ToString("N")[..10]);
        await storage.Hub.EnsureCreatedAsync();
        return storage;
    }

    public async Task<int> CountMessagesAsync(string queue)
    {
        var properties = await Hub.Queue(queue).GetPropertiesAsync();
        return properties.Value.ApproximateMessagesCount;
    }

    /// <summary>The messages waiting on every shard of the deliveries' queue (each shard's first 32 peeked), shard by shard.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekDeliveriesAsync()
    {
        var shards = await Task.WhenAll(DeliveryQueue.Shards.Select(async queue => (await Hub.Queue(queue).PeekMessagesAsync(32)).Value));
        return [.. shards.SelectMany(messages => messages)];
    }

    /// <summary>The messages on every shard of the deliveries' queue.</summary>
    public async Task<int> CountDeliveriesAsync() => (await Task.WhenAll(DeliveryQueue.Shards.Select(CountMessagesAsync))).Sum();

    /// <summary>
    /// Receives <paramref name="count"/> messages from a queue, waiting for those still hidden (a queued intent's
    /// <see cref="QueueFirst.HeadStart"/>), as the queue function would get them.
    /// </summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int count)
    {
        var received = new List<QueueMessage>();
        await Eventually.UntilAsync(
            async () =>
            {
                received.AddRange((await Hub.Queue(queue).ReceiveMessagesAsync(count - received.Count)).Value);
                return received.Count >= count;
            },
            $"{count} messages on {queue}");
        return received;
    }

    /// <summary>
    /// The queues (poison queues aside) with a message that can be received now, and those holding only messages
    /// hidden for later (a delivery's next try, a queued intent's <see cref="QueueFirst.HeadStart"/>). One request a
    /// queue when it is empty (its properties), and a peek only when it holds a message.
    /// </summary>
    public async Task<(IReadOnlyList<string> Visible, IReadOnlyList<string> Hidden)> QueuesWithWorkAsync()
    {
        var checks = Queues.All.Select(async queue =>
        {
            var client = Hub.Queue(queue);
            if ((await client.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
            {
                return (Queue: queue, Visible: false, Hidden: false);
            }

            var visible = (await client.PeekMessagesAsync(1)).Value.Length > 0;
            return (Queue: queue, Visible: visible, Hidden: !visible);
        });
        var found = await Task.WhenAll(checks);
        return ([.. found.Where(q => q.Visible).Select(q => q.Queue)], [.. found.Where(q => q.Hidden).Select(q => q.Queue)]);
    }

    /// <summary>The entities of a table, or only those with the given row key (say, a flow's items beside its claim rows).</summary>
    public async Task<int> CountEntitiesAsync(string table, string? rowKey = null)
    {
        var count = 0;
        var filter = rowKey is null ? null : TableClient.CreateQueryFilter($"RowKey eq {rowKey}");
        await foreach (var _ in Hub.Table(table).QueryAsync<TableEntity>(filter, select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>Every ledger entry this test's hub wrote, from all the per-day entry tables.</summary>
    public async Task<List<LedgerEntryEntity>> LedgerEntriesAsync()
    {
        var entries = new List<LedgerEntryEntity>();
        var first = Hub.TableName(Tables.LedgerEntries);
        var tables = TableServiceClient.CreateQueryFilter($"TableName ge {first} and TableName lt {first + "~"}");
        var notIndex = TableClient.CreateQueryFilter($"PartitionKey ne {LedgerEntryEntity.ScopesPartition}");
        await foreach (var table in Hub.TableService.QueryAsync(tables))
        {
            await foreach (var entry in Hub.TableService.GetTableClient(table.Name).QueryAsync<LedgerEntryEntity>(notIndex))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Hub.DeleteAllAsync();
        }
        catch (Azure.RequestFailedException)
        {
            // Best effort: the emulator may be gone in tests that stop it.
        }
    }
}
