using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using StationHub.Platform.Telemetry;
using StationHub.Triggers;

namespace StationHub.Platform.Storage;

/// <summary>
/// The hub's queues and tables. Names come from the trigger table; an optional prefix
/// (<c>Storage:Prefix</c>, empty in production) lets tests run side by side on one account.
/// </summary>
public sealed class HubStorage(QueueServiceClient queueService, TableServiceClient tableService, string prefix = "", QueueServiceClient? rawQueueService = null)
{
    private readonly QueueServiceClient? rawQueueService = rawQueueService;
    private readonly ConcurrentDictionary<string, QueueClient> rawQueues = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, QueueClient> queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TableClient> tables = new(StringComparer.Ordinal);

    public string Prefix { get; } = prefix;

    public QueueServiceClient QueueService { get; } = queueService;

    public TableServiceClient TableService { get; } = tableService;

    /// <summary>Every message sent with <see cref="SendAsync{T}"/>, told to the listeners of this process that watch its queue.</summary>
    public QueueSends Sends { get; } = new();

    public string QueueName(string queue) => Prefix + queue;

    public string TableName(string table) => Prefix + table;

    public QueueClient Queue(string queue) =>
        queues.GetOrAdd(queue, static (name, self) => self.QueueService.GetQueueClient(self.QueueName(name)), this);

    public QueueClient PoisonQueue(string queue) => Queue(queue + Queues.PoisonSuffix);

    /// <summary>
    /// The queue without message decoding (a host's listener decodes each message itself, so one
    /// message that is not base64 cannot fail a whole batch); the decoding client when none was given.
    /// </summary>
    public QueueClient RawQueue(string queue) => rawQueueService is null
        ? Queue(queue)
        : rawQueues.GetOrAdd(queue, static (name, self) => self.rawQueueService!.GetQueueClient(self.QueueName(name)), this);

    public TableClient Table(string table) =>
        tables.GetOrAdd(table, static (name, self) => self.TableService.GetTableClient(self.TableName(name)), this);

    /// <summary>
    /// Creates every queue (and its poison twin) and table of the trigger table that does not exist yet.
    /// It lists the queues and the tables under the prefix first (two requests), so a host that starts on
    /// storage already made (every start but the first, and every deploy whose infrastructure made them)
    /// creates nothing, instead of asking once per queue and table. Storage that will not list (a
    /// credential that may create but not list) gets a create of each, as before.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        var existing = await ExistingAsync(cancellationToken);
        var work = new List<Task>();
        foreach (var queue in Queues.All)
        {
            foreach (var name in (string[])[queue, queue + Queues.PoisonSuffix])
            {
                if (existing?.Queues.Contains(QueueName(name)) != true)
                {
                    work.Add(Queue(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
                }
            }
        }

        foreach (var table in Tables.All)
        {
            if (existing?.Tables.Contains(TableName(table)) != true)
            {
                work.Add(Table(table).CreateIfNotExistsAsync(cancellationToken));
            }
        }

        await Task.WhenAll(work);
    }

    /// <summary>
    /// The names of the queues and of the tables under the prefix (one listing of each, paged past 1,000), kept
    /// apart (the queue <c>deliveries</c> is not the table <c>Deliveries</c>); null when storage refuses to list them.
    /// </summary>
    private async Task<(HashSet<string> Queues, HashSet<string> Tables)?> ExistingAsync(CancellationToken cancellationToken)
    {
        var queues = ListQueuesAsync(cancellationToken);
        var tables = ListTablesAsync(cancellationToken);
        try
        {
            await Task.WhenAll(queues, tables);
        }
        catch (RequestFailedException exception) when (exception.Status == 403)
        {
            return null;
        }

        // Queue names are lower case; table names keep the case they were made with and compare without it.
        return (new HashSet<string>(await queues, StringComparer.Ordinal), new HashSet<string>(await tables, StringComparer.OrdinalIgnoreCase));
    }

    private async Task<List<string>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var queue in QueueService.GetQueuesAsync(prefix: Prefix.Length > 0 ? Prefix : null, cancellationToken: cancellationToken))
        {
            names.Add(queue.Name);
        }

        return names;
    }

    private async Task<List<string>> ListTablesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var filter = Prefix.Length > 0 ? TableServiceClient.CreateQueryFilter($"TableName ge {Prefix} and TableName lt {Prefix + "~"}") : null;
        await foreach (var table in TableService.QueryAsync(filter, cancellationToken: cancellationToken))
        {
            names.Add(table.Name);
        }

        return names;
    }

    /// <summary>Deletes everything <see cref="EnsureCreatedAsync"/> made (tests clean up with it).</summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken = default)
    {
        var work = new List<Task>();
        foreach (var queue in Queues.All)
        {
            work.Add(Queue(queue).DeleteIfExistsAsync(cancellationToken));
            work.Add(PoisonQueue(queue).DeleteIfExistsAsync(cancellationToken));
        }

        foreach (var table in Tables.All)
        {
            work.Add(Table(table).DeleteAsync(cancellationToken));
        }

        // The ledger's per-day entry tables, made as entries were written.
        var first = TableName(Tables.LedgerEntries);
        var filter = TableServiceClient.CreateQueryFilter($"TableName ge {first} and TableName lt {first + "~"}");
        await foreach (var table in TableService.QueryAsync(filter, cancellationToken: cancellationToken))
        {
            work.Add(TableService.DeleteTableAsync(table.Name, cancellationToken));
        }

        await Task.WhenAll(work);
    }

    /// <summary>
    /// Sends a message as UTF-8 JSON (the client Base64-encodes it, as Functions expects), carrying
    /// the current trace context (<see cref="QueueTrace"/>), and tells <see cref="Sends"/> once it is stored.
    /// </summary>
    public async Task SendAsync<T>(string queue, T message, JsonTypeInfo<T> typeInfo, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default)
    {
        await Queue(queue).SendMessageAsync(
            new BinaryData(QueueTrace.Attach(JsonSerializer.SerializeToUtf8Bytes(message, typeInfo))),
            visibilityDelay,
            timeToLive: TimeSpan.FromSeconds(-1),
            cancellationToken);
        Sends.Sent(queue, visibilityDelay ?? TimeSpan.Zero);
    }

    /// <summary>True when a storage call failed because the entity or item already exists.</summary>
    public static bool IsConflict(RequestFailedException exception) => exception.Status == 409;

    /// <summary>True when a conditional write lost to a concurrent one.</summary>
    public static bool IsPreconditionFailed(RequestFailedException exception) => exception.Status == 412;

    public static bool IsNotFound(RequestFailedException exception) => exception.Status == 404;

    /// <summary>True when the table itself does not exist (as opposed to an entity in it).</summary>
    public static bool IsTableNotFound(RequestFailedException exception) =>
        exception.Status == 404 && exception.ErrorCode is null or "TableNotFound";

    /// <summary>The error code and message when a call failed because its queue or table does not exist (however wrapped); else null.</summary>
    public static (string Code, string Message)? MissingResource(Exception exception) => exception switch
    {
        RequestFailedException { Status: 404, ErrorCode: "QueueNotFound" or "TableNotFound" } failed => (failed.ErrorCode!, failed.Message.Split('\n')[0]),
        AggregateException aggregate => aggregate.InnerExceptions.Select(MissingResource).FirstOrDefault(found => found is not null),
        { InnerException: { } inner } => MissingResource(inner),
        _ => null,
    };

    /// <summary>
    /// True when a call failed because storage could not be reached or failed on its side: the
    /// request can be tried again later (503), unlike a bug (500). A queue or table that is
    /// missing at run time (deleted, or not made yet) counts too: start-up makes them. The SDK
    /// reports a call whose retries were all spent as an <see cref="AggregateException"/> of the failed tries.
    /// </summary>
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 or >= 500 } or HttpRequestException or TimeoutException or System.Net.Sockets.SocketException or IOException => true,

        // The storage client's own network timeout: Azure.Core cancels the try with a TaskCanceledException
        // ("exceeded the configured timeout"). Every caller first tells its own cancellation apart by its token.
        TaskCanceledException => true,
        RequestFailedException { Status: 404, ErrorCode: "QueueNotFound" or "TableNotFound" } => true,
        ConcurrencyExhaustedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnreachable),
        _ => exception.InnerException is HttpRequestException,
    };
}
