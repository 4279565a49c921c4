using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Ledger;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Tenants;

/// <summary>
/// Every change to a public registry entry (a station, a subsidy policy, the points catalog, a
/// witness: created, replaced, deleted or imported) is a ledger fact of its day:
/// <see cref="LedgerKinds.RegistryChanged"/> in its kind's scope (<c>registry~station</c>), source
/// <c>kind:id@version</c>, label the id, amount the version; the day publishes each id with the version
/// of its last change (<see cref="RegistryLedgerSection"/>). Kind, id and version only: no values, no
/// administrator; cities, bodies and platforms (endpoints, admin-only fields) are not published
/// (their changes are logged, event 1105).
/// <para>Exactly once: the facts are an outbox row (<c>!facts:{version}</c>) written in the very
/// transaction that commits the change, so they exist if and only if the change does. The
/// committing host writes them to the ledger right after (entries keyed by their source, so a second
/// write is the same row) and deletes the row; if it dies first, the ledger timers drain the outbox
/// before they read a day (<see cref="ILedgerOutbox"/>), and the fact lands on the day of the change.</para>
/// </summary>
public sealed class RegistryFacts(HubStorage storage, LedgerEntryWriter ledger, ILogger<RegistryFacts> logger) : ILedgerOutbox
{
    public const string OutboxPrefix = "!facts:";

    // A table string property holds 32 K UTF-16 characters; an entity 1 MiB: 15 of them per row.
    private const int ChunkChars = 30_000;
    private const int ChunksPerRow = 15;

    private TableClient Table => storage.Table(Tables.Registry);

    /// <summary>Whether changes to the entry are published: stations, subsidy policies, witnesses and the points catalog.</summary>
    public static bool IsPublic(string kind, string id) =>
        kind == TenantKind.Station.Kind || kind == TenantKind.SubsidyPolicy.Kind || kind == TenantKind.Witness.Kind
        || (kind == TenantKind.CatalogKind && id == "pointsCatalog");

    /// <summary>The outbox rows of a change (none when it changes no public entry): the keys of the public entries it puts with new content or deletes.</summary>
    public List<TableEntity> Outbox(RegistryState current, IReadOnlyList<RegistryEntry> puts, IReadOnlyList<string> deletes, long version, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(puts);
        ArgumentNullException.ThrowIfNull(deletes);
        var keys = puts.Where(entry => IsPublic(entry.Kind, entry.Id) && current.Entries.GetValueOrDefault(entry.Key)?.Json != entry.Json).Select(entry => entry.Key)
            .Concat(deletes.Where(key => current.Entries.TryGetValue(key, out var entry) && IsPublic(entry.Kind, entry.Id)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (keys.Count == 0)
        {
            return [];
        }

        var text = string.Join('\n', keys);
        var rows = new List<TableEntity>();
        for (int start = 0, number = 0; start < text.Length; number++)
        {
            var row = new TableEntity(RegistryStore.Partition, OutboxPrefix + version.ToString("D19", CultureInfo.InvariantCulture) + ":" + number.ToString(CultureInfo.InvariantCulture))
            {
                ["Version"] = version,
                ["At"] = at,
            };
            for (var chunk = 0; chunk < ChunksPerRow && start < text.Length; chunk++, start += ChunkChars)
            {
                row["Keys" + chunk.ToString(CultureInfo.InvariantCulture)] = text.Substring(start, Math.Min(ChunkChars, text.Length - start));
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Writes the facts of these outbox rows to the ledger, then deletes the rows.</summary>
    public async Task WriteAsync(IReadOnlyCollection<TableEntity> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var change in rows.GroupBy(row => row.GetInt64("Version") ?? 0))
        {
            var version = change.Key;
            var at = change.First().GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch;
            var text = new StringBuilder();
            foreach (var row in change.OrderBy(row => row.RowKey.Length).ThenBy(row => row.RowKey, StringComparer.Ordinal))
            {
                for (var chunk = 0; row.GetString("Keys" + chunk.ToString(CultureInfo.InvariantCulture)) is { } part; chunk++)
                {
                    text.Append(part);
                }
            }

            var entries = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(key => key.Split(':', 2))
                .Select(parts => new LedgerEntry(LedgerKinds.RegistryChanged, LedgerScopes.Registry(parts[0]), $"{parts[0]}:{parts[1]}@{version}", at, version, Label: parts[1]))
                .ToList();
            await ledger.WriteAsync(entries, cancellationToken);
            foreach (var row in change)
            {
                try
                {
                    await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                }
                catch (RequestFailedException exception) when (HubStorage.IsNotFound(exception))
                {
                    // Drained by another host at the same time.
                }
            }

            Log.FactsWritten(logger, version, entries.Count);
        }
    }

    /// <summary>Writes what a host that died after a change left in the outbox (one query when it is empty).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RegistryStore.Partition} and RowKey ge {OutboxPrefix} and RowKey lt {"!facts;"}");
        try
        {
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }
        }
        catch (RequestFailedException exception) when (HubStorage.IsTableNotFound(exception))
        {
            return; // no registry in this storage yet: nothing changed
        }

        if (rows.Count > 0)
        {
            await WriteAsync(rows, cancellationToken);
        }
    }
}
