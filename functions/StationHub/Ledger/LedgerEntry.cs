using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using StationHub.Platform;
using StationHub.Platform.Storage;
using StationHub.Triggers;

namespace StationHub.Ledger;

/// <summary>
/// One fact for the public ledger, written by the flow where it happened and summed by the
/// ledger timers. Table: the city-local day's own (<c>LedgerEntries20261122</c>), so compiling a
/// day reads that day alone. Partition: the scope (<c>district~330102</c>, <c>station~st-hz-01</c>,
/// <c>hub</c>). Row: <c>{kind}~{source}</c>, so the same fact written twice is one row.
/// No personal data: sources are hub ids, never couriers.
/// </summary>
public sealed record LedgerEntry(
    string Kind,
    string Scope,
    string SourceId,
    DateTimeOffset At,
    long Amount = 1,
    double? Hours = null,
    string? Label = null);

/// <summary>The kinds of entry the flows write; the ledger issue sums them.</summary>
public static class LedgerKinds
{
    public const string ReportReceived = "report.received";
    public const string ReportRouted = "report.routed";

    /// <summary>The city's first response; <see cref="LedgerEntry.Hours"/> is hours since routing.</summary>
    public const string ReportFirstResponse = "report.first-response";
    public const string ReportResolved = "report.resolved";
    public const string ReportRejected = "report.rejected";
    public const string ReportEscalated = "report.escalated";

    /// <summary>A report linked to an open original of the same place and category (not sent again).</summary>
    public const string ReportLinked = "report.linked";

    /// <summary>A resolved report the platform reopened: it was closed, and not fixed.</summary>
    public const string ReportReopened = "report.reopened";

    /// <summary>
    /// A report of the "Worker needs" category group heard (linked ones too), written beside its
    /// <c>report.received</c> in its district's scope and its responsible body's (<see cref="LedgerScopes.Body"/>).
    /// </summary>
    public const string NeedReceived = "need.received";

    /// <summary>A worker need's first answer from its body; <see cref="LedgerEntry.Hours"/> is hours since routing. The sample of the SLA share.</summary>
    public const string NeedFirstResponse = "need.first-response";

    /// <summary>A worker need first answered within its category's <c>slaHours</c>.</summary>
    public const string NeedAnsweredWithinSla = "need.answered-within-sla";

    public const string NeedResolved = "need.resolved";

    /// <summary>A resolved worker need the platform reopened: its resolution is taken back.</summary>
    public const string NeedReopened = "need.reopened";
    public const string PickupReceived = "pickup.received";
    public const string PickupCollected = "pickup.collected";
    public const string PickupExpired = "pickup.expired";
    public const string PickupCancelled = "pickup.cancelled";

    /// <summary>A collected order's revenue of one kind (handling_fee, commission), in fen.</summary>
    public static string PickupRevenue(string kind) => "pickup.revenue." + kind;

    /// <summary>The governance fund's share of that revenue, in fen (the station keeps the rest).</summary>
    public static string PickupFund(string kind) => "pickup.fund." + kind;

    /// <summary>Points issued for a task (scope: the station where given, else the hub).</summary>
    public static string PointsIssued(string task) => "points.issued." + task;

    public const string PointsReversed = "points.reversed";

    /// <summary>Points reserved for a voucher, by reward.</summary>
    public static string PointsReserved(string reward) => "points.reserved." + reward;

    /// <summary>Points spent: a voucher settled at a station, by reward.</summary>
    public static string PointsRedeemed(string reward) => "points.redeemed." + reward;

    /// <summary>Points given back: a voucher expired unsettled, by reward.</summary>
    public static string PointsReleased(string reward) => "points.released." + reward;

    public const string DeliveryMade = "delivery.made";
    public const string DeliveryFailed = "delivery.failed";

    /// <summary>
    /// A public registry entry (a station, a subsidy policy, the points catalog, a witness) created,
    /// replaced or deleted: scope <see cref="LedgerScopes.Registry"/> (its kind), source <c>kind:id@version</c>,
    /// Label its id, Amount the registry version of the change. Nothing else: no values, no administrator.
    /// </summary>
    public const string RegistryChanged = "registry.changed";
}

public static class LedgerScopes
{
    public const string Hub = "hub";

    public static string District(string code) => "district~" + code;

    public static string Station(string id) => "station~" + id;

    /// <summary>
    /// A responsible body's view (<c>body~hz-hr-bureau</c>): the recipient of a worker need, the city
    /// itself when no body of the city takes its category. It repeats facts already counted under
    /// their district, so the day's totals leave it out.
    /// </summary>
    public static string Body(string recipientId) => BodyPrefix + recipientId;

    public const string BodyPrefix = "body~";

    /// <summary>
    /// How many partitions of a day's table the hub-wide scope is spread over (<c>hub~0</c>…<c>hub~7</c>):
    /// every delivery of the hub writes a <c>delivery.made</c> under it, and one partition takes about
    /// 2,000 entities/s. The shard is a hash of the entry's row key, so an entry written again lands on
    /// its own row; compiling reads every partition the day's index lists and sums by the entries'
    /// <c>Scope</c> column, so the published figures say <c>hub</c> as before. Days written before the
    /// shards (one <c>hub</c> partition) read the same way.
    /// </summary>
    public const int HubShards = 8;

    /// <summary>Every partition of the hub-wide scope.</summary>
    public static IReadOnlyList<string> HubPartitions { get; } = [.. Enumerable.Range(0, HubShards).Select(shard => Hub + "~" + shard.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// A registry kind's scope (<c>registry~station</c>): the day's changes to its public entries
    /// (<see cref="LedgerKinds.RegistryChanged"/>). A bulk import changes thousands of entries at once,
    /// so, as the hub's scope is, each is kept in <see cref="RegistryShards"/> partitions
    /// (<c>registry~station~0</c>…) chosen by a hash of the entry's row key, and read back as one scope.
    /// </summary>
    public static string Registry(string kind) => RegistryPrefix + kind;

    public const string RegistryPrefix = "registry~";

    /// <summary>How many partitions of a day's table hold the registry's scopes.</summary>
    public const int RegistryShards = 8;

    /// <summary>The partition an entry of <paramref name="scope"/> is kept in: the scope itself, or for the hub-wide scope and the registry's scopes a shard.</summary>
    public static string PartitionOf(string scope, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(rowKey);
        if (scope.StartsWith(RegistryPrefix, StringComparison.Ordinal))
        {
            return scope + "~" + StableHash.Shard(rowKey, RegistryShards).ToString(CultureInfo.InvariantCulture);
        }

        if (scope != Hub)
        {
            return scope;
        }

        return Hub + "~" + StableHash.Shard(rowKey, HubShards).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Whether a scope repeats facts counted elsewhere (a body's view), so totals leave it out.</summary>
    public static bool IsView(string scope) => scope.StartsWith(BodyPrefix, StringComparison.Ordinal);
}

/// <summary>Ledger settings (section <c>Ledger</c>).</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>The IANA time zone whose calendar days the ledger publishes (default Asia/Shanghai).</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>
    /// The first day the chain seals (yyyy-MM-dd). Unset: the day before the first seal runs, so
    /// a new hub starts its chain with its first complete day.
    /// </summary>
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}$", ErrorMessage = "Ledger:StartDate must be yyyy-MM-dd.")]
    public string? StartDate { get; set; }

    /// <summary>
    /// How long after the city's midnight a day may be sealed (default 1 h), so entries still in
    /// the queues at midnight (written under their event's day) make it into their day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SealGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How far hosts' clocks may differ (default 10 min). From this long before a day's end, a
    /// writer asks, after writing an entry of that day, whether its sealing has begun; if so it
    /// marks the day late, and the next sealed day carries the entry as a correction.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "2.00:00:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Checks <see cref="LedgerOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class LedgerOptionsValidator : IValidateOptions<LedgerOptions>;

public sealed class LedgerEntryEntity : ITableEntity
{
    /// <summary>
    /// The partition of a day's table that lists its scopes (row key: the scope), written before
    /// the scope's first entry, so a day is read scope by scope without guessing which exist.
    /// </summary>
    public const string ScopesPartition = "scopes";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = string.Empty;
    public string Scope { get; set; } = string.Empty;
    public string SourceId { get; set; } = string.Empty;
    public DateTimeOffset At { get; set; }
    public long Amount { get; set; }
    public double? Hours { get; set; }
    public string? Label { get; set; }
}

/// <summary>
/// Writes ledger entries idempotently: per city day, the day's scope index first (once per scope
/// and process), then one transaction per scope partition and 100 entries. The day's table is
/// made by its first write. An entry is always written under its own day, however late. Written
/// to a day that may be sealed already (near or past its end, <see cref="LedgerOptions.ClockSkew"/>),
/// the writer then asks whether the day's sealing has begun, and if so marks the day late: the
/// next day sealed carries what its seal missed as a correction (<see cref="LedgerSealer"/>).
/// </summary>
public sealed class LedgerEntryWriter(HubStorage storage, LedgerStore store, IOptions<LedgerOptions> options, TimeProvider time)
{
    /// <summary>Azure Tables takes at most 100 operations in one entity-group transaction.</summary>
    public const int MaxBatch = 100;

    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>Scopes this process has already put in a day's index ("yyyyMMdd~scope").</summary>
    private readonly ConcurrentDictionary<string, bool> indexed = new(StringComparer.Ordinal);

    /// <summary>Days this process has seen the sealing of (a day once sealing stays so).</summary>
    private readonly ConcurrentDictionary<DateOnly, bool> sealing = new();

    public string DayOf(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public async Task WriteAsync(IReadOnlyCollection<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        var work = new List<Task>();
        foreach (var day in entries.GroupBy(e => DayOf(e.At), StringComparer.Ordinal))
        {
            work.Add(WriteDayAsync(day.Key, [.. day], cancellationToken));
        }

        await Task.WhenAll(work);
    }

    private async Task WriteDayAsync(string day, IReadOnlyCollection<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var table = storage.Table(Tables.LedgerEntriesOf(day));
        // The index lists partitions (a scope, or a shard of the hub's scope): what compiling reads. The
        // hub's shards are listed all at once (one batch), so the first hub-wide fact of the day on a
        // host costs that, and no later one.
        var newScopes = entries
            .SelectMany(e => e.Scope == LedgerScopes.Hub ? LedgerScopes.HubPartitions : [LedgerScopes.PartitionOf(e.Scope, e.Kind + "~" + e.SourceId)])
            .Distinct(StringComparer.Ordinal)
            .Where(scope => !indexed.ContainsKey(day + "~" + scope))
            .ToList();
        if (newScopes.Count > 0)
        {
            await WithTableAsync(table, () => UpsertAllAsync(table, newScopes.Select(scope => new TableEntity(LedgerEntryEntity.ScopesPartition, scope)), cancellationToken), cancellationToken);
            newScopes.ForEach(scope => indexed[day + "~" + scope] = true);
        }

        await WithTableAsync(table, () => UpsertAllAsync(table, entries.Select(ToEntity), cancellationToken), cancellationToken);

        // Asked after the write: if sealing had not begun by now, the seal's read comes later and counts it.
        var date = DateOnly.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture);
        if (date < CityDay(time.GetUtcNow() + options.Value.ClockSkew)
            && (sealing.ContainsKey(date) || await store.IsSealingAsync(date, cancellationToken)))
        {
            sealing[date] = true;
            await store.MarkLateAsync(date, cancellationToken);
        }
    }

    private DateOnly CityDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    private static async Task UpsertAllAsync(TableClient table, IEnumerable<ITableEntity> entities, CancellationToken cancellationToken)
    {
        var work = new List<Task>();
        foreach (var partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.DistinctBy(e => e.RowKey, StringComparer.Ordinal).Chunk(MaxBatch))
            {
                work.Add(table.SubmitBatchAsync(
                    chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                    cancellationToken));
            }
        }

        await Task.WhenAll(work);
    }

    /// <summary>Runs a write; if the day's table does not exist yet, makes it and runs the write again.</summary>
    private static async Task WithTableAsync(TableClient table, Func<Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write();
        }
        catch (RequestFailedException exception) when (HubStorage.IsTableNotFound(exception))
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            await write();
        }
    }

    private static LedgerEntryEntity ToEntity(LedgerEntry entry) => new()
    {
        PartitionKey = LedgerScopes.PartitionOf(entry.Scope, entry.Kind + "~" + entry.SourceId),
        RowKey = entry.Kind + "~" + entry.SourceId,
        Kind = entry.Kind,
        Scope = entry.Scope,
        SourceId = entry.SourceId,
        At = entry.At,
        Amount = entry.Amount,
        Hours = entry.Hours,
        Label = entry.Label,
    };
}
