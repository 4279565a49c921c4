using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StationHub.Ledger.Integrity;

namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// The one append-only Merkle tree over every sealed day. After sealing, <see cref="CatchUpAsync"/>
/// appends each sealed day that has no checkpoint yet, in order: the day's leaves (the same
/// figures, in the same order, as the day's own tree) go after the previous day's, using only
/// the previous day's frontier, so a day costs its own leaves, never the history. Each appended
/// day gets a checkpoint (C2SP tlog-checkpoint: origin, size, root, and the extension line
/// <c>day &lt;date&gt; &lt;day hash&gt;</c>) signed with the hub's Ed25519 key; the witnesses are
/// then asked to cosign it. Everything is computed from sealed data only, and Ed25519 is
/// deterministic, so two hosts catching up at once write the same nodes and the same checkpoint.
/// </summary>
public sealed partial class LedgerCheckpoints(
    LedgerTreeStore tree,
    LedgerStore days,
    LedgerSigningKey key,
    WitnessRequests witnesses,
    TimeProvider time,
    ILogger<LedgerCheckpoints> logger)
{
    /// <summary>The ledger's origin line (the signing key's name).</summary>
    public string Origin => key.Origin;

    /// <summary>Appends every sealed day that has no checkpoint yet; the number appended.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        var last = await LatestAsync(cancellationToken);
        DateOnly day;
        long size;
        IReadOnlyList<byte[]> frontier;
        if (last is null)
        {
            var first = (await days.SealedAsync(cancellationToken)).FirstOrDefault();
            if (first is null)
            {
                return 0;
            }

            day = ParseDay(first.RowKey);
            size = 0;
            frontier = [];
        }
        else
        {
            day = ParseDay(last.RowKey).AddDays(1);
            size = last.TreeSize;
            frontier = MerkleFrontier.Decode(last.Frontier);
        }

        var count = 0;
        while (await days.FindSealedAsync(day, cancellationToken) is { } sealedDay)
        {
            var checkpoint = await AppendAsync(sealedDay, size, frontier, cancellationToken);
            size = checkpoint.TreeSize;
            frontier = MerkleFrontier.Decode(checkpoint.Frontier);
            day = day.AddDays(1);
            count++;
        }

        return count;
    }

    /// <summary>The latest checkpoint, or null before the first.</summary>
    public Task<LedgerCheckpointEntity?> LatestAsync(CancellationToken cancellationToken = default) =>
        tree.LastBeforeAsync(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(2), cancellationToken);

    /// <summary>A day's checkpoint, or null if the day is not (yet) in the tree.</summary>
    public Task<LedgerCheckpointEntity?> OfDayAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        tree.CheckpointOfAsync(day, cancellationToken);

    /// <summary>A checkpoint as served: the hub's signed note with the cosignatures collected for it appended.</summary>
    public async Task<string> WithCosignaturesAsync(LedgerCheckpointEntity checkpoint, CancellationToken cancellationToken = default)
    {
        var lines = await tree.CosignaturesOfAsync(checkpoint.RowKey, cancellationToken);
        return checkpoint.Note + string.Concat(lines);
    }

    /// <summary>The RFC 9162 consistency proof from size <paramref name="from"/> to size <paramref name="to"/> (0 ≤ from ≤ to ≤ the tree's size).</summary>
    public async Task<IReadOnlyList<byte[]>> ConsistencyAsync(long from, long to, CancellationToken cancellationToken = default)
    {
        var ranges = MerkleRanges.ConsistencyRanges(from, to);
        var nodes = await tree.NodesAsync(MerkleRanges.NodesOf(ranges), cancellationToken);
        return MerkleRanges.Resolve(ranges, (level, index) => nodes[(level, index)]);
    }

    /// <summary>The RFC 9162 inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves.</summary>
    public async Task<IReadOnlyList<byte[]>> InclusionAsync(long index, long size, CancellationToken cancellationToken = default)
    {
        var ranges = MerkleRanges.InclusionRanges(index, size);
        var nodes = await tree.NodesAsync(MerkleRanges.NodesOf(ranges), cancellationToken);
        return MerkleRanges.Resolve(ranges, (level, at) => nodes[(level, at)]);
    }

    /// <summary>The frontier of the tree's first <paramref name="size"/> leaves (its root is their fold).</summary>
    public async Task<IReadOnlyList<byte[]>> FrontierAsync(long size, CancellationToken cancellationToken = default)
    {
        var shape = MerkleRanges.PerfectNodes(0, size);
        var nodes = await tree.NodesAsync(shape, cancellationToken);
        return [.. shape.Select(p => nodes[p])];
    }

    private async Task<LedgerCheckpointEntity> AppendAsync(LedgerDayEntity sealedDay, long size, IReadOnlyList<byte[]> frontier, CancellationToken cancellationToken)
    {
        IReadOnlyList<byte[]> leaves;
        using (var document = JsonDocument.Parse(sealedDay.Json))
        {
            leaves = LedgerLeaf.Leaves(LedgerDay.FiguresOf(document.RootElement));
        }

        var (after, nodes) = MerkleFrontier.Append(size, frontier, leaves);
        await tree.AddNodesAsync(nodes, cancellationToken);
        var newSize = size + leaves.Count;
        var root = MerkleFrontier.Root(after);
        var text = new Checkpoint(key.Origin, newSize, root, [Checkpoint.DayExtension(sealedDay.RowKey, sealedDay.Hash!)]).Text;
        var checkpoint = new LedgerCheckpointEntity
        {
            RowKey = sealedDay.RowKey,
            TreeStart = size,
            TreeSize = newSize,
            Root = Convert.ToBase64String(root),
            Frontier = MerkleFrontier.Encode(after),
            DayHash = sealedDay.Hash!,
            Note = key.Signer.SignNote(text).ToString(),
        };
        if (await tree.TryAddCheckpointAsync(checkpoint, cancellationToken))
        {
            Log.Appended(logger, checkpoint.RowKey, leaves.Count, newSize);

            // Lost if the queue is down right now: then the next checkpoint's request catches the witnesses up.
            await witnesses.RequestAllAsync(checkpoint.RowKey, cancellationToken);
            return checkpoint;
        }

        return await tree.CheckpointOfAsync(ParseDay(sealedDay.RowKey), cancellationToken)
            ?? throw new InvalidOperationException($"The checkpoint of {sealedDay.RowKey} vanished.");
    }

    private static DateOnly ParseDay(string key) => DateOnly.ParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Ledger day {Date} appended to the tree: {Leaves} leaves, tree size {TreeSize}; checkpoint signed")]
        public static partial void Appended(ILogger logger, string date, int leaves, long treeSize);
    }
}
