using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Testing;
using StationHub.Tests.Infrastructure;

namespace StationHub.Tests.Platform;

/// <summary>
/// The proxy the benchmark counts the Functions host's storage requests with (tests/Shared): every request
/// goes through signed as it was sent, and is counted under the name the hub's own counter gives it.
/// </summary>
public sealed class StorageCountingProxyTests
{
    [Fact]
    public async Task Every_request_passes_with_its_signature_and_is_counted_as_the_hub_names_it()
    {
        // In front of the run's emulator, on names of this test's own.
        await using var proxy = await StorageCountingProxy.StartAsync((await Azurite.GetAsync()).ConnectionString);
        var name = $"counted{Guid.NewGuid():N}"[..20];
        var tableName = "C" + name;
        var queue = new QueueClient(proxy.ConnectionString, name);
        var table = new TableClient(proxy.ConnectionString, tableName);
        await queue.CreateAsync();
        await table.CreateAsync();
        try
        {
            var mark = proxy.Count;

            // A row key with characters the client encodes in the path it signs.
            const string Row = "r ~'x";
            _ = await queue.ReceiveMessagesAsync(1);
            await queue.SendMessageAsync("one");
            var message = Assert.Single((await queue.ReceiveMessagesAsync(1)).Value);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            await table.AddEntityAsync(new TableEntity("p", Row));
            var entity = (await table.GetEntityAsync<TableEntity>("p", Row)).Value;
            await table.UpdateEntityAsync(entity, entity.ETag);
            await table.UpsertEntityAsync(new TableEntity("p", "s"));
            await foreach (var _ in table.QueryAsync<TableEntity>("PartitionKey eq 'p'"))
            {
            }

            await table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "t"))]);
            await table.DeleteEntityAsync("p", "s");

            var counted = proxy.Since(mark);
            Assert.Equal(
                [
                    ("queue", "poll", name), ("queue", "send", name), ("queue", "receive", name), ("queue", "delete", name),
                    ("table", "insert", tableName), ("table", "point-read", tableName), ("table", "update", tableName), ("table", "upsert", tableName),
                    ("table", "query", tableName), ("table", "batch", "$batch"), ("table", "delete", tableName),
                ],
                counted.Select(r => (r.Service, r.Operation, r.Resource)));
            Assert.All(counted, r => Assert.InRange(r.Status, 200, 299));
        }
        finally
        {
            // The run's emulator is shared: nothing of this test stays on it, passed or failed (AZURITE.md, trap 1).
            await queue.DeleteAsync();
            await table.DeleteAsync();
        }
    }
}
