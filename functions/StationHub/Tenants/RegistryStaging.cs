using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Storage;

namespace StationHub.Tenants;

/// <summary>
/// Changes larger than one entity-group transaction (a bulk import of stations), all or nothing.
/// <list type="number">
/// <item><b>Stage.</b> Each entry the change puts, and a tombstone for each it deletes, is written as a
/// staged row (<c>!stage:{token}:{kind:id}</c>, in transactions of 100, four at once). Nothing reads a
/// staged row as an entry until its change is committed, so a change that dies here leaves nothing
/// visible, and the entries it would replace are untouched.</item>
/// <item><b>Commit.</b> One transaction bumps the version row under its ETag and names the token
/// (<c>Staged</c>), with the change's ledger facts. This is the moment the change happens.</item>
/// <item><b>Fold.</b> Each staged row is moved onto its entry: the entry written (or deleted) under the
/// ETag it had when read, and the staged row deleted under its own, in one transaction, so two hosts
/// folding at once apply each row once, and a later change to the entry is never overwritten.</item>
/// </list>
/// Until the fold ends, a reader lays the committed token's staged rows over the entries they are
/// newer than; staged rows sort before entries, so a reader that meets a staged row before its fold
/// meets the folded entry after it. The committing host folds at once; should it die first, the next
/// change folds before it writes (its version row drops the mark). What it costs a change of n entries:
/// n/100 transactions to stage, one to commit, one partition read and n/50 transactions to fold.
/// </summary>
public sealed partial class RegistryStore
{
    /// <summary>The version row's column naming the committed bulk change whose staged rows may not all be folded yet.</summary>
    public const string StagedColumn = "Staged";

    /// <summary>Rows that are not entries sort before them (<c>!</c> is below every letter).</summary>
    public const string InternalPrefix = "!";

    public const string StagePrefix = "!stage:";

    private const string KeyColumn = "Key";
    private const string DeletedColumn = "Deleted";
    private const int ParallelBatches = 4;
    private const int MaxFoldRounds = 20;

    /// <summary>Stages the change and commits it; the token, or null when another change got in first (nothing of this one is visible).</summary>
    private async Task<string?> StageAsync(
        IReadOnlyList<RegistryEntry> puts,
        IReadOnlyList<string> deletes,
        long version,
        IReadOnlyList<TableTransactionAction> commit,
        TableEntity versionRow,
        ETag versionETag,
        CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        var rows = puts.Select(entry => Staged(token, entry))
            .Concat(deletes.Select(key => new TableEntity(Partition, StagePrefix + token + ":" + key) { [KeyColumn] = key, ["Version"] = version, [DeletedColumn] = true }))
            .Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row))
            .Chunk(MaxActions)
            .ToList();
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = ParallelBatches, CancellationToken = cancellationToken }, async (chunk, ct) => await Table.SubmitBatchAsync(chunk, ct));

        versionRow[StagedColumn] = token;
        if (await Table.TrySubmitAsync([.. commit, new TableTransactionAction(TableTransactionActionType.UpdateReplace, versionRow, versionETag)], cancellationToken) == TransactionResult.Committed)
        {
            return token;
        }

        // Lost to another change: its staged rows are never read; remove them (a host that dies here leaves them unread).
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = ParallelBatches, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            try
            {
                await Table.SubmitBatchAsync(chunk.Select(action => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, action.Entity.RowKey), ETag.All)), ct);
            }
            catch (RequestFailedException)
            {
                // Left unread; harmless.
            }
        });
        return null;
    }

    /// <summary>What the committing host does once the change is in: writes its ledger facts and folds its staged rows. A failure here is logged; the ledger timers and the next change finish it.</summary>
    private async Task AfterCommitAsync(long version, string? staged, IReadOnlyList<TableEntity> outbox, CancellationToken cancellationToken)
    {
        try
        {
            await facts.WriteAsync(outbox, cancellationToken);
            if (staged is not null)
            {
                await FoldAsync(staged, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The change is committed, and its facts are stored with it: whatever fails here (storage
            // away, the request's deadline) is finished by the ledger timers and the next change.
            Log.AfterCommitFailed(logger, version, exception.GetType().Name, exception.Message);
        }
    }

    /// <summary>Moves the committed change's staged rows onto their entries, until none is left.</summary>
    private async Task FoldAsync(string token, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxFoldRounds; round++)
        {
            var stagedRows = new List<TableEntity>();
            var entries = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            var prefix = StagePrefix + token + ":";
            await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
            {
                if (row.RowKey.StartsWith(prefix, StringComparison.Ordinal))
                {
                    stagedRows.Add(row);
                }
                else if (!row.RowKey.StartsWith(InternalPrefix, StringComparison.Ordinal) && row.RowKey != VersionRow)
                {
                    entries[row.RowKey] = row;
                }
            }

            if (stagedRows.Count == 0)
            {
                return;
            }

            var batches = new List<List<TableTransactionAction>>();
            var batch = new List<TableTransactionAction>();
            foreach (var row in stagedRows)
            {
                var key = row.GetString(KeyColumn) ?? string.Empty;
                var version = row.GetInt64("Version") ?? 0;
                var pair = new List<TableTransactionAction>(2);
                var entry = entries.GetValueOrDefault(key);
                if (entry is null || (entry.GetInt64("Version") ?? 0) < version)
                {
                    if (row.GetBoolean(DeletedColumn) == true)
                    {
                        if (entry is not null)
                        {
                            pair.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, key), entry.ETag));
                        }
                    }
                    else
                    {
                        var folded = ToEntity(FromEntity(row) with { Version = version });
                        pair.Add(entry is null
                            ? new TableTransactionAction(TableTransactionActionType.Add, folded)
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, folded, entry.ETag));
                    }
                }

                pair.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, row.RowKey), row.ETag));
                if (batch.Count + pair.Count > MaxActions)
                {
                    batches.Add(batch);
                    batch = [];
                }

                batch.AddRange(pair);
            }

            batches.Add(batch);
            var lost = 0;
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = ParallelBatches, CancellationToken = cancellationToken }, async (actions, ct) =>
            {
                try
                {
                    await Table.SubmitBatchAsync(actions, ct);
                }
                catch (RequestFailedException)
                {
                    // Another host folded or changed one of these rows since the read: read again.
                    Interlocked.Increment(ref lost);
                }
            });
            if (lost == 0)
            {
                Log.Folded(logger, token, stagedRows.Count);
                return;
            }
        }

        throw new InvalidOperationException($"The registry's staged change {token} could not be folded in {MaxFoldRounds} rounds.");
    }

    /// <summary>Lays committed staged rows over the entries they are newer than (the reader's view of an unfolded change).</summary>
    private static void Overlay(Dictionary<string, RegistryEntry> entries, IEnumerable<TableEntity> stagedRows)
    {
        foreach (var row in stagedRows)
        {
            var key = row.GetString(KeyColumn) ?? string.Empty;
            var version = row.GetInt64("Version") ?? 0;
            if (entries.TryGetValue(key, out var entry) && entry.Version >= version)
            {
                continue;
            }

            if (row.GetBoolean(DeletedColumn) == true)
            {
                entries.Remove(key);
            }
            else
            {
                entries[key] = FromEntity(row) with { Version = version };
            }
        }
    }

    private static string TokenOf(TableEntity stagedRow) => stagedRow.RowKey[StagePrefix.Length..].Split(':', 2)[0];

    private static TableEntity Staged(string token, RegistryEntry entry)
    {
        var row = ToEntity(entry);
        row.RowKey = StagePrefix + token + ":" + entry.Key;
        row[KeyColumn] = entry.Key;
        return row;
    }
}
