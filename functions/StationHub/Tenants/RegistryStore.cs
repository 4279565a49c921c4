using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Tenants;

/// <summary>The registry at one stored version: every entry by its key.</summary>
public sealed record RegistryState(long Version, IReadOnlyDictionary<string, RegistryEntry> Entries)
{
    public RegistryEntry? Find(string kind, string id) => Entries.GetValueOrDefault(RegistryEntry.KeyOf(kind, id));

    public IEnumerable<RegistryEntry> OfKind(string kind) => Entries.Values.Where(e => e.Kind == kind).OrderBy(e => e.Id, StringComparer.Ordinal);
}

/// <summary>What an admin change writes (entries put and keys deleted), or why it is refused.</summary>
public sealed record RegistryChange(IReadOnlyList<RegistryEntry> Puts, IReadOnlyList<string> Deletes)
{
    public static RegistryChange Put(params RegistryEntry[] entries) => new(entries, []);
}

/// <summary>What became of a change: the new version, or the problems that kept it out (nothing stored).</summary>
public sealed record RegistryWrite(long Version, IReadOnlyList<string> Problems)
{
    public bool Stored => Problems.Count == 0;
}

/// <summary>
/// The registry in table <c>Registry</c>: one partition holding every entry (row key <c>kind:id</c>,
/// the entry's JSON in the sample registry's shape, the version it was written at) and one version
/// row. Every change is one entity-group transaction that writes its entries and bumps the version row
/// under its ETag, so a change is all or nothing, two admins' changes are serialized, and a crash never
/// leaves half of one visible. Each change is checked first on the would-be registry (the current
/// entries with the change applied), as the file always was. Hosts poll only the version row
/// (<see cref="RegistrySync"/>: one point read per <see cref="TenantOptions.PollInterval"/>) and,
/// when it moved, read the partition whole and swap the snapshot every reader sees (<see cref="HubRegistry.Replace"/>).
/// A change larger than one transaction (100 rows) is staged first and committed by the version row
/// (<c>RegistryStaging.cs</c>): readers see it only then, whole, and never a part of it.
/// A change to a public entry stores its ledger facts in the committing transaction (<see cref="RegistryFacts"/>).
/// </summary>
public sealed partial class RegistryStore(HubStorage storage, HubRegistry registry, RegistrySeed seed, Credentials credentials, ILogger<RegistryStore> logger, RegistryFacts facts, TimeProvider time)
{
    public const string Partition = "registry";
    public const string VersionRow = "~version";
    private const int MaxActions = 100;

    // A table string property holds 64 KiB (32 K UTF-16 characters): a long document is cut across Document, Document1, ...
    private const int ChunkChars = 30_000;

    private readonly SemaphoreSlim reloading = new(1, 1);
    private volatile RegistryState? state;

    private TableClient Table => storage.Table(Tables.Registry);

    /// <summary>The registry version this host serves (0 before the store was first read).</summary>
    public long Version => registry.Version;

    /// <summary>
    /// Brings this host's registry up to the stored version: one point read when nothing changed; the
    /// partition read whole when it did. Seeds empty storage with the file (<see cref="RegistrySeed"/>) first.
    /// A stored registry that does not check out is not served (the log says why); the last good one stays.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        var version = await ReadVersionAsync(cancellationToken);
        if (version is null)
        {
            await SeedAsync(seed.Document, cancellationToken);
            version = await ReadVersionAsync(cancellationToken);
        }

        if (version is not { } stored || (stored.Version == registry.Version && state?.Version == stored.Version))
        {
            return;
        }

        await CurrentAsync(stored.Version, cancellationToken, stored.Staged);
    }

    /// <summary>The stored registry, read whole when this host's copy is not at the stored version.</summary>
    public async Task<RegistryState> CurrentAsync(CancellationToken cancellationToken = default)
    {
        var version = await ReadVersionAsync(cancellationToken);
        if (version is null)
        {
            // Read before this host's first sync seeded empty storage: seed it now, as the sync would.
            await SeedAsync(seed.Document, cancellationToken);
            version = await ReadVersionAsync(cancellationToken);
        }

        return await CurrentAsync(version?.Version ?? 0, cancellationToken, version?.Staged);
    }

    /// <summary>
    /// How long an administrator's change may spend on storage before it is answered 503. Not a
    /// webhook's 4 s: an operator's client waits, and a change answered 503 after it committed would
    /// have lost what a create answers once (its credentials' secrets). A suite run on a loaded machine
    /// met exactly that: the station committed, its ledger facts were still being written at 4 s.
    /// </summary>
    public static readonly TimeSpan ChangeDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Applies a change decided on the current registry, as one transaction guarded by the version row;
    /// tried again on fresh reads when another change got in first. Nothing is stored when the
    /// would-be registry has a problem.
    /// </summary>
    public Task<(RegistryWrite Write, T Answer)> ChangeAsync<T>(Func<RegistryState, (RegistryChange? Change, T Answer)> decide, CancellationToken cancellationToken = default) =>
        Optimistic.RetryAsync("the registry", async _ =>
        {
            var read = await ReadVersionAsync(cancellationToken);
            if (read is null)
            {
                await SeedAsync(seed.Document, cancellationToken);
                return Attempt<(RegistryWrite, T)>.Retry;
            }

            if (read.Value.Staged is { } pending)
            {
                // A bulk change committed before this one is folded into its entries first: this change's
                // version row drops the mark, so nothing of that one may still be staged.
                await FoldAsync(pending, cancellationToken);
            }

            var current = await CurrentAsync(read.Value.Version, cancellationToken, read.Value.Staged);
            var (change, answer) = decide(current);
            if (change is null || (change.Puts.Count == 0 && change.Deletes.Count == 0))
            {
                return Attempt<(RegistryWrite, T)>.Done((new RegistryWrite(current.Version, []), answer));
            }

            var version = current.Version + 1;
            var entries = new Dictionary<string, RegistryEntry>(current.Entries, StringComparer.Ordinal);
            foreach (var key in change.Deletes)
            {
                entries.Remove(key);
            }

            var puts = change.Puts.Select(e => e with { Version = version }).ToList();
            foreach (var entry in puts)
            {
                entries[entry.Key] = entry;
            }

            var (document, problems) = RegistryEntries.Assemble(entries.Values);
            if (document is null)
            {
                return Attempt<(RegistryWrite, T)>.Done((new RegistryWrite(current.Version, problems), answer));
            }

            var deletes = change.Deletes.Where(current.Entries.ContainsKey).ToList();
            var actions = puts.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(e)))
                .Concat(deletes.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, key), ETag.All)))
                .ToList();
            var versionRow = new TableEntity(Partition, VersionRow) { ["Version"] = version };

            // The ledger facts of the change ride in the transaction that commits it (no request of their own).
            var outbox = facts.Outbox(current, puts, deletes, version, time.GetUtcNow());
            var commit = outbox.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)).ToList();
            string? staged = null;
            if (actions.Count + commit.Count + 1 <= MaxActions)
            {
                if (await Table.TrySubmitAsync([.. actions, .. commit, new TableTransactionAction(TableTransactionActionType.UpdateReplace, versionRow, read.Value.ETag)], cancellationToken) != TransactionResult.Committed)
                {
                    return Attempt<(RegistryWrite, T)>.Retry;
                }
            }
            else
            {
                staged = await StageAsync(puts, deletes, version, commit, versionRow, read.Value.ETag, cancellationToken);
                if (staged is null)
                {
                    return Attempt<(RegistryWrite, T)>.Retry;
                }
            }

            Publish(new RegistryState(version, entries), document);
            await AfterCommitAsync(version, staged, outbox, cancellationToken);
            return Attempt<(RegistryWrite, T)>.Done((new RegistryWrite(version, []), answer));
        }, cancellationToken);

    private async Task<RegistryState> CurrentAsync(long storedVersion, CancellationToken cancellationToken, string? staged)
    {
        if (state is { } held && held.Version == storedVersion)
        {
            return held;
        }

        if (storedVersion == 0)
        {
            return new RegistryState(0, new Dictionary<string, RegistryEntry>(StringComparer.Ordinal)); // not seeded yet: the file serves
        }

        await reloading.WaitAsync(cancellationToken);
        try
        {
            if (state is { } again && again.Version == storedVersion)
            {
                return again;
            }

            var loaded = await LoadAsync(storedVersion, staged, cancellationToken);
            var (document, problems) = RegistryEntries.Assemble(loaded.Entries.Values);
            if (document is null)
            {
                Log.StoredRegistryRefused(logger, loaded.Version, string.Join("; ", problems));
                return loaded;
            }

            Publish(loaded, document);
            return loaded;
        }
        finally
        {
            reloading.Release();
        }
    }

    private void Publish(RegistryState loaded, RegistryDocument document)
    {
        if (loaded.Version < registry.Version)
        {
            return;
        }

        state = loaded;
        credentials.Publish(loaded); // before the registry, so a new tenant is never served without its credentials
        registry.Replace(document, loaded.Version);
        Log.RegistrySwapped(logger, loaded.Version, loaded.Entries.Count);
    }

    private async Task<(long Version, ETag ETag, string? Staged)?> ReadVersionAsync(CancellationToken cancellationToken)
    {
        var row = await Table.FindAsync<TableEntity>(Partition, VersionRow, cancellationToken);
        return row is null ? null : (row.GetInt64("Version") ?? 0, row.ETag, row.GetString(StagedColumn));
    }

    /// <summary>
    /// Reads the partition whole, labelled with the version read before the scan (<paramref name="version"/>):
    /// a change that commits during the scan makes the next poll read again rather than be taken for
    /// this one. Staged rows (sorted first) of the committed bulk change are laid over the entries
    /// they have not been folded into yet; staged rows of any other change are not read as entries.
    /// </summary>
    private async Task<RegistryState> LoadAsync(long version, string? staged, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
        var stagedRows = new List<TableEntity>();
        var committed = new HashSet<string>(StringComparer.Ordinal);
        if (staged is not null)
        {
            committed.Add(staged);
        }

        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey == VersionRow)
            {
                if (row.GetString(StagedColumn) is { } token)
                {
                    committed.Add(token);
                }

                version = version == 0 ? row.GetInt64("Version") ?? 0 : version;
                continue;
            }

            if (row.RowKey.StartsWith(StagePrefix, StringComparison.Ordinal))
            {
                stagedRows.Add(row);
                continue;
            }

            if (row.RowKey.StartsWith(InternalPrefix, StringComparison.Ordinal))
            {
                continue; // the ledger's outbox (RegistryFacts)
            }

            var entry = FromEntity(row);
            entries[entry.Key] = entry;
        }

        Overlay(entries, stagedRows.Where(row => committed.Contains(TokenOf(row))));
        return new RegistryState(version, entries);
    }

    /// <summary>Writes the file's entries into empty storage; the version row is added last, so a second host seeding at once changes nothing.</summary>
    private async Task SeedAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var entries = RegistryEntries.Split(document).Select(e => e with { Version = 1 }).ToList();
        var actions = entries.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(e))).ToList();
        if (await SubmitAsync(actions, new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, VersionRow) { ["Version"] = 1L }), cancellationToken))
        {
            Log.Seeded(logger, entries.Count);
        }
    }

    /// <summary>Sends the actions in transactions of 100, <paramref name="last"/> in the final one; false when that one lost to another writer.</summary>
    private async Task<bool> SubmitAsync(List<TableTransactionAction> actions, TableTransactionAction last, CancellationToken cancellationToken)
    {
        var head = Math.Max(0, actions.Count - (MaxActions - 1));
        foreach (var chunk in actions.Take(head).Chunk(MaxActions))
        {
            await Table.SubmitBatchAsync(chunk, cancellationToken);
        }

        return await Table.TrySubmitAsync([.. actions.Skip(head), last], cancellationToken) == TransactionResult.Committed;
    }

    internal static TableEntity ToEntity(RegistryEntry entry)
    {
        var entity = new TableEntity(Partition, entry.Key) { ["Kind"] = entry.Kind, ["Id"] = entry.Id, ["Version"] = entry.Version };
        if (entry.Parent is not null)
        {
            entity["Parent"] = entry.Parent;
        }

        for (int i = 0, start = 0; start < entry.Json.Length || i == 0; i++, start += ChunkChars)
        {
            entity[i == 0 ? "Document" : "Document" + i] = entry.Json.Substring(start, Math.Min(ChunkChars, entry.Json.Length - start));
        }

        return entity;
    }

    internal static RegistryEntry FromEntity(TableEntity row)
    {
        var json = new StringBuilder(row.GetString("Document") ?? string.Empty);
        for (var i = 1; row.GetString("Document" + i) is { } more; i++)
        {
            json.Append(more);
        }

        return new RegistryEntry(row.GetString("Kind") ?? string.Empty, row.GetString("Id") ?? string.Empty, row.GetString("Parent"), json.ToString(), row.GetInt64("Version") ?? 0);
    }
}
