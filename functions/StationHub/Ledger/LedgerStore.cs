using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Ledger;

/// <summary>A sealed (or draft) day as stored in <c>LedgerDays</c>: the exact JSON that is published.</summary>
public sealed class LedgerDayEntity : ITableEntity
{
    public const string SealedPartition = "day";
    public const string DraftPartition = "draft";

    /// <summary>A day whose sealing has begun (row: the date), written before its entries are read.</summary>
    public const string SealingPartition = "sealing";

    /// <summary>A sealed day that got entries after its sealing began (row: the date), until a later day carries them.</summary>
    public const string LatePartition = "late";

    public string PartitionKey { get; set; } = SealedPartition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>
    /// The published JSON, whole. A table property holds 32 K characters, so it is kept in
    /// <c>Json</c>, <c>Json1</c>, … <c>Json15</c>, 30,000 characters each (a day of up to 480,000
    /// characters: thousands of stations' or registry entries' figures); a day that fits one keeps only <c>Json</c>.
    /// </summary>
    [IgnoreDataMember]
    public string Json
    {
        get => Chunks.Length == 0 ? Json0 : Json0 + string.Concat(Chunks.Select(chunk => chunk ?? string.Empty));
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length > ChunkChars * (MoreChunks + 1))
            {
                throw new InvalidOperationException($"A ledger day of {value.Length} characters is over the {ChunkChars * (MoreChunks + 1)} a row holds.");
            }

            Json0 = value[..Math.Min(ChunkChars, value.Length)];
            var more = new string?[MoreChunks];
            for (var i = 0; i < MoreChunks && ChunkChars * (i + 1) < value.Length; i++)
            {
                var start = ChunkChars * (i + 1);
                more[i] = value.Substring(start, Math.Min(ChunkChars, value.Length - start));
            }

            (Json1, Json2, Json3, Json4, Json5, Json6, Json7, Json8, Json9, Json10, Json11, Json12, Json13, Json14, Json15) =
                (more[0], more[1], more[2], more[3], more[4], more[5], more[6], more[7], more[8], more[9], more[10], more[11], more[12], more[13], more[14]);
        }
    }

    private const int ChunkChars = 30_000;
    private const int MoreChunks = 15;

    /// <summary>The first 30,000 characters (the property <c>Json</c>, as days were always kept).</summary>
    [DataMember(Name = "Json")]
    public string Json0 { get; set; } = string.Empty;

    public string? Json1 { get; set; }

    public string? Json2 { get; set; }

    public string? Json3 { get; set; }

    public string? Json4 { get; set; }

    public string? Json5 { get; set; }

    public string? Json6 { get; set; }

    public string? Json7 { get; set; }

    public string? Json8 { get; set; }

    public string? Json9 { get; set; }

    public string? Json10 { get; set; }

    public string? Json11 { get; set; }

    public string? Json12 { get; set; }

    public string? Json13 { get; set; }

    public string? Json14 { get; set; }

    public string? Json15 { get; set; }

    private string?[] Chunks => Json1 is null ? [] : [Json1, Json2, Json3, Json4, Json5, Json6, Json7, Json8, Json9, Json10, Json11, Json12, Json13, Json14, Json15];
    public string? Hash { get; set; }
    public string PrevHash { get; set; } = string.Empty;
    public long Outstanding { get; set; }
}

/// <summary>
/// Reads a day's entries (the day's own table, scope by scope) and keeps the days in
/// <c>LedgerDays</c>: sealed days are added once and never replaced.
/// </summary>
public sealed class LedgerStore(HubStorage storage)
{
    /// <summary>Scope partitions read at once when compiling a day.</summary>
    public const int ParallelScopes = 4;

    /// <summary>
    /// How far back <see cref="LastSealedBeforeAsync"/> looks with one bounded query before it
    /// reads the whole chain (only after an outage this long, or before the first seal).
    /// </summary>
    public const int RecentDays = 31;

    /// <summary>What compiling needs of an entry (the rest stays in storage).</summary>
    private static readonly string[] FigureColumns = ["RowKey", nameof(LedgerEntryEntity.Scope), nameof(LedgerEntryEntity.Kind), nameof(LedgerEntryEntity.Amount), nameof(LedgerEntryEntity.Hours), nameof(LedgerEntryEntity.Label)];

    /// <summary>What chaining needs of a sealed day (not its published JSON).</summary>
    private static readonly string[] SummaryColumns = ["RowKey", nameof(LedgerDayEntity.Hash), nameof(LedgerDayEntity.PrevHash), nameof(LedgerDayEntity.Outstanding)];

    private TableClient Days => storage.Table(Tables.LedgerDays);

    /// <summary>
    /// Every entry of a city-local day: its table's scope index, then each partition it lists (a
    /// scope, or a shard of the hub's scope, <see cref="LedgerScopes.PartitionOf"/>; a few at once). Reading partition by partition keeps each query's result to one scope, and
    /// the cost to the day's own size: earlier days live in other tables.
    /// </summary>
    public async Task<List<LedgerEntryEntity>> EntriesOfAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var table = storage.Table(Tables.LedgerEntriesOf(day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)));
        var scopes = new List<string>();
        try
        {
            var index = TableClient.CreateQueryFilter($"PartitionKey eq {LedgerEntryEntity.ScopesPartition}");
            await foreach (var scope in table.QueryAsync<TableEntity>(index, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                scopes.Add(scope.RowKey);
            }
        }
        catch (RequestFailedException exception) when (HubStorage.IsTableNotFound(exception))
        {
            return [];
        }

        var parts = new ConcurrentBag<List<LedgerEntryEntity>>();
        await Parallel.ForEachAsync(
            scopes,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelScopes, CancellationToken = cancellationToken },
            async (scope, token) =>
            {
                var list = new List<LedgerEntryEntity>();
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {scope}");
                await foreach (var entry in table.QueryAsync<LedgerEntryEntity>(filter, select: FigureColumns, cancellationToken: token))
                {
                    list.Add(entry);
                }

                parts.Add(list);
            });
        // A hub-wide fact is kept in one shard of the hub's scope; one written once before the shards
        // (under the partition `hub`) and again after is the same fact: counted once.
        return [.. parts.SelectMany(part => part).DistinctBy(entry => (entry.Scope, entry.RowKey))];
    }

    /// <summary>
    /// The last sealed day before <paramref name="day"/>, or null if none: one query over the
    /// recent days, so the cost does not grow with the chain.
    /// </summary>
    public async Task<LedgerDayEntity?> LastSealedBeforeAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        LedgerDayEntity? last = null;
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {LedgerDayEntity.SealedPartition} and RowKey ge {Key(day.AddDays(-RecentDays))} and RowKey lt {Key(day)}");
        await foreach (var sealedDay in Days.QueryAsync<LedgerDayEntity>(filter, select: SummaryColumns, cancellationToken: cancellationToken))
        {
            last = sealedDay;
        }

        return last ?? (await SealedAsync(cancellationToken)).LastOrDefault(d => string.CompareOrdinal(d.RowKey, Key(day)) < 0);
    }

    public Task<LedgerDayEntity?> FindSealedAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.FindAsync<LedgerDayEntity>(LedgerDayEntity.SealedPartition, Key(day), cancellationToken);

    public Task<LedgerDayEntity?> FindDraftAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.FindAsync<LedgerDayEntity>(LedgerDayEntity.DraftPartition, Key(day), cancellationToken);

    /// <summary>Seals a day; false when it was sealed already (by another host, say).</summary>
    public Task<bool> TrySealAsync(LedgerDayEntity day, CancellationToken cancellationToken = default) => Days.TryAddAsync(day, cancellationToken);

    public Task SaveDraftAsync(LedgerDayEntity day, CancellationToken cancellationToken = default) =>
        Days.UpsertEntityAsync(day, TableUpdateMode.Replace, cancellationToken);

    /// <summary>
    /// Marks that sealing the day has begun. Written before the day's entries are read, so a writer
    /// that adds an entry and then does not see the mark wrote it before the read (it is counted),
    /// and a writer that sees it marks the day late (<see cref="MarkLateAsync"/>).
    /// </summary>
    public Task MarkSealingAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.UpsertEntityAsync(new TableEntity(LedgerDayEntity.SealingPartition, Key(day)), TableUpdateMode.Replace, cancellationToken);

    public async Task<bool> IsSealingAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        await Days.FindAsync<TableEntity>(LedgerDayEntity.SealingPartition, Key(day), cancellationToken) is not null;

    /// <summary>Marks a day as having entries its seal may have missed (a later seal carries them as corrections).</summary>
    public Task MarkLateAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.UpsertEntityAsync(new TableEntity(LedgerDayEntity.LatePartition, Key(day)), TableUpdateMode.Replace, cancellationToken);

    /// <summary>The days marked late, oldest first, with the ETags to clear them by.</summary>
    public async Task<List<TableEntity>> LateDaysAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {LedgerDayEntity.LatePartition}");
        await foreach (var day in Days.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            list.Add(day);
        }

        return list;
    }

    /// <summary>Clears a late mark unless it was marked again since it was read (its ETag).</summary>
    public async Task ClearLateAsync(TableEntity mark, CancellationToken cancellationToken = default)
    {
        try
        {
            await Days.DeleteEntityAsync(mark.PartitionKey, mark.RowKey, mark.ETag, cancellationToken);
        }
        catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception) || HubStorage.IsPreconditionFailed(exception))
        {
            // Cleared by another host, or marked again: the next seal looks at it again.
        }
    }

    /// <summary>Every sealed day, oldest first (row keys are ISO dates).</summary>
    public async Task<List<LedgerDayEntity>> SealedAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<LedgerDayEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {LedgerDayEntity.SealedPartition}");
        await foreach (var day in Days.QueryAsync<LedgerDayEntity>(filter, select: SummaryColumns, cancellationToken: cancellationToken))
        {
            list.Add(day);
        }

        return list;
    }

    public static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
