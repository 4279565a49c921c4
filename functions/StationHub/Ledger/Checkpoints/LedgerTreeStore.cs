using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// One perfect subtree of the ledger's tree over all sealed days, in <c>LedgerTree</c>: partition
/// <c>L&lt;level, 2 digits&gt;</c>, row key the node's index on its level (13 digits).
/// </summary>
public sealed class LedgerTreeNodeEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public byte[] Hash { get; set; } = [];

    public static string Partition(int level) => "L" + level.ToString("D2", CultureInfo.InvariantCulture);

    public static string Row(long index) => index.ToString("D13", CultureInfo.InvariantCulture);
}

/// <summary>
/// A sealed day's place in the tree, in <c>LedgerCheckpoints</c> (partition <c>day</c>, row key the
/// date): the tree's size before and after the day's leaves, the root and frontier after them, and
/// the signed checkpoint. Cosignatures live in partition <c>cosig</c>, row key <c>date~witness</c>;
/// the size each witness last cosigned in partition <c>witness</c>, row key its id (<see cref="TreeSize"/>).
/// </summary>
public sealed class LedgerCheckpointEntity : ITableEntity
{
    public const string DayPartition = "day";
    public const string CosignaturePartition = "cosig";
    public const string WitnessPartition = "witness";

    public string PartitionKey { get; set; } = DayPartition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The tree's size before the day: the global index of the day's first leaf.</summary>
    public long TreeStart { get; set; }

    /// <summary>The tree's size after the day.</summary>
    public long TreeSize { get; set; }

    /// <summary>The root after the day (base64, as in the checkpoint).</summary>
    public string Root { get; set; } = string.Empty;

    /// <summary>The frontier after the day (<see cref="MerkleFrontier.Encode"/>).</summary>
    public string Frontier { get; set; } = string.Empty;

    public string DayHash { get; set; } = string.Empty;

    /// <summary>The checkpoint as a signed note with the hub's signature (no cosignatures).</summary>
    public string Note { get; set; } = string.Empty;

    /// <summary>On a cosignature row: the witness's signature line, newline included.</summary>
    public string? Line { get; set; }
}

/// <summary>The stored tree: its nodes, and each sealed day's checkpoint and cosignatures.</summary>
public sealed class LedgerTreeStore(HubStorage storage)
{
    /// <summary>Entity-group transactions written at once when adding a day's nodes.</summary>
    public const int ParallelBatches = 4;

    /// <summary>The most operations in one entity-group transaction (Azure's limit; Azurite does not enforce it).</summary>
    public const int BatchSize = 100;

    private TableClient Nodes => storage.Table(Tables.LedgerTree);

    private TableClient Checkpoints => storage.Table(Tables.LedgerCheckpoints);

    /// <summary>Writes nodes (upserts: a node's hash never changes, so a repeat is harmless), one transaction per level and 100 nodes.</summary>
    public Task AddNodesAsync(IEnumerable<MerkleNode> nodes, CancellationToken cancellationToken = default)
    {
        var batches = nodes
            .GroupBy(n => n.Level)
            .SelectMany(level => level.Chunk(BatchSize))
            .ToList();
        return Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelBatches, CancellationToken = cancellationToken },
            async (batch, token) => await Nodes.SubmitBatchAsync(
                batch.Select(n => new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace,
                    new LedgerTreeNodeEntity { PartitionKey = LedgerTreeNodeEntity.Partition(n.Level), RowKey = LedgerTreeNodeEntity.Row(n.Index), Hash = n.Hash })),
                token));
    }

    /// <summary>The hashes of the given perfect nodes (point reads, a few at once).</summary>
    /// <exception cref="InvalidOperationException">A node is missing.</exception>
    public async Task<IReadOnlyDictionary<(int Level, long Index), byte[]>> NodesAsync(IEnumerable<(int Level, long Index)> wanted, CancellationToken cancellationToken = default)
    {
        var found = new ConcurrentDictionary<(int Level, long Index), byte[]>();
        await Parallel.ForEachAsync(
            wanted.Distinct(),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (node, token) =>
            {
                var entity = await Nodes.FindAsync<LedgerTreeNodeEntity>(LedgerTreeNodeEntity.Partition(node.Level), LedgerTreeNodeEntity.Row(node.Index), token)
                    ?? throw new InvalidOperationException($"The ledger tree has no node at level {node.Level}, index {node.Index}.");
                found[node] = entity.Hash;
            });
        return found;
    }

    public Task<LedgerCheckpointEntity?> CheckpointOfAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Checkpoints.FindAsync<LedgerCheckpointEntity>(LedgerCheckpointEntity.DayPartition, LedgerStore.Key(day), cancellationToken);

    /// <summary>Adds a day's checkpoint; false when it is there already (another host made the same one).</summary>
    public Task<bool> TryAddCheckpointAsync(LedgerCheckpointEntity checkpoint, CancellationToken cancellationToken = default) =>
        Checkpoints.TryAddAsync(checkpoint, cancellationToken);

    /// <summary>
    /// The checkpoint of the last day before <paramref name="day"/>, or null: one query over the
    /// recent month, then (only after a long outage, or before the first checkpoint) the whole partition.
    /// </summary>
    public async Task<LedgerCheckpointEntity?> LastBeforeAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var recent = TableClient.CreateQueryFilter(
            $"PartitionKey eq {LedgerCheckpointEntity.DayPartition} and RowKey ge {LedgerStore.Key(day.AddDays(-LedgerStore.RecentDays))} and RowKey lt {LedgerStore.Key(day)}");
        var last = await LastAsync(recent, cancellationToken);
        if (last is not null)
        {
            return last;
        }

        var all = TableClient.CreateQueryFilter($"PartitionKey eq {LedgerCheckpointEntity.DayPartition} and RowKey lt {LedgerStore.Key(day)}");
        return await LastAsync(all, cancellationToken);
    }

    /// <summary>Keeps a witness's cosignature of a day's checkpoint (the latest one per witness).</summary>
    public Task SaveCosignatureAsync(string date, string witnessId, string line, CancellationToken cancellationToken = default) =>
        Checkpoints.UpsertEntityAsync(
            new LedgerCheckpointEntity { PartitionKey = LedgerCheckpointEntity.CosignaturePartition, RowKey = date + "~" + witnessId, Line = line },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The cosignature lines collected for a day's checkpoint.</summary>
    public async Task<List<string>> CosignaturesOfAsync(string date, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {LedgerCheckpointEntity.CosignaturePartition} and RowKey gt {date + "~"} and RowKey lt {date + "~~"}");
        await foreach (var row in Checkpoints.QueryAsync<LedgerCheckpointEntity>(filter, select: [nameof(LedgerCheckpointEntity.Line)], cancellationToken: cancellationToken))
        {
            if (!string.IsNullOrEmpty(row.Line))
            {
                lines.Add(row.Line);
            }
        }

        return lines;
    }

    /// <summary>The tree size a witness last cosigned (0 before its first cosignature).</summary>
    public async Task<long> WitnessSizeAsync(string witnessId, CancellationToken cancellationToken = default) =>
        (await Checkpoints.FindAsync<LedgerCheckpointEntity>(LedgerCheckpointEntity.WitnessPartition, witnessId, cancellationToken))?.TreeSize ?? 0;

    public Task SaveWitnessSizeAsync(string witnessId, long size, CancellationToken cancellationToken = default) =>
        Checkpoints.UpsertEntityAsync(
            new LedgerCheckpointEntity { PartitionKey = LedgerCheckpointEntity.WitnessPartition, RowKey = witnessId, TreeSize = size },
            TableUpdateMode.Replace,
            cancellationToken);

    private async Task<LedgerCheckpointEntity?> LastAsync(string filter, CancellationToken cancellationToken)
    {
        LedgerCheckpointEntity? last = null;
        await foreach (var checkpoint in Checkpoints.QueryAsync<LedgerCheckpointEntity>(filter, cancellationToken: cancellationToken))
        {
            last = checkpoint;
        }

        return last;
    }
}
