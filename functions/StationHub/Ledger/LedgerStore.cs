using System.Globalization;
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

    public string PartitionKey { get; set; } = SealedPartition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Json { get; set; } = string.Empty;
    public string? Hash { get; set; }
    public string PrevHash { get; set; } = string.Empty;
    public long Outstanding { get; set; }
}

/// <summary>
/// Reads a day's entries (only that day's partitions of <c>LedgerEntries</c>) and keeps the
/// days in <c>LedgerDays</c>: sealed days are added once and never replaced.
/// </summary>
public sealed class LedgerStore(HubStorage storage)
{
    private TableClient Entries => storage.Table(Tables.LedgerEntries);

    private TableClient Days => storage.Table(Tables.LedgerDays);

    public async Task<List<LedgerEntryEntity>> EntriesOfAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var prefix = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "~";
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "~"}");
        var list = new List<LedgerEntryEntity>();
        await foreach (var entry in Entries.QueryAsync<LedgerEntryEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(entry);
        }

        return list;
    }

    public Task<LedgerDayEntity?> FindSealedAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.FindAsync<LedgerDayEntity>(LedgerDayEntity.SealedPartition, Key(day), cancellationToken);

    public Task<LedgerDayEntity?> FindDraftAsync(DateOnly day, CancellationToken cancellationToken = default) =>
        Days.FindAsync<LedgerDayEntity>(LedgerDayEntity.DraftPartition, Key(day), cancellationToken);

    /// <summary>Seals a day; false when it was sealed already (by another host, say).</summary>
    public Task<bool> TrySealAsync(LedgerDayEntity day, CancellationToken cancellationToken = default) => Days.TryAddAsync(day, cancellationToken);

    public Task SaveDraftAsync(LedgerDayEntity day, CancellationToken cancellationToken = default) =>
        Days.UpsertEntityAsync(day, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Every sealed day, oldest first (row keys are ISO dates).</summary>
    public async Task<List<LedgerDayEntity>> SealedAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<LedgerDayEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {LedgerDayEntity.SealedPartition}");
        await foreach (var day in Days.QueryAsync<LedgerDayEntity>(filter, select: ["RowKey", "Hash", "PrevHash", "Outstanding"], cancellationToken: cancellationToken))
        {
            list.Add(day);
        }

        return list;
    }

    public static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
