using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.HazardReports;

/// <summary>
/// A report's partition in <c>HazardReports</c> is its hub id: the report itself (row
/// <c>report</c>) and each city update applied to it (rows <c>update~{updateId}</c>), so a report
/// and its updates change together in one entity-group transaction.
/// </summary>
public sealed class ReportEntity : ITableEntity
{
    public const string Row = "report";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Report { get; set; } = string.Empty;
    public string WebhookId { get; set; } = string.Empty;
    public string AttemptId { get; set; } = string.Empty;
    public string Status { get; set; } = "received";
    public string? StatusNotes { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? RoutedAt { get; set; }
    public DateTimeOffset? FirstResponseAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public bool Escalated { get; set; }

    /// <summary>The original this report is linked to (by the hub at intake, or by the city), or null.</summary>
    public string? DuplicateOf { get; set; }

    /// <summary>True once intake or the router decided whether the report duplicates another.</summary>
    public bool DuplicateDecided { get; set; }

    /// <summary>Linked by the hub at intake: never sent to the recipient, which sees only the original.</summary>
    public bool LinkedByHub { get; set; }

    /// <summary>How many reports are linked to this one (the city's view carries it).</summary>
    public int LinkedCount { get; set; }

    /// <summary>The update id of the last city update applied (in the same transaction as its row), or null.</summary>
    public string? LastUpdateId { get; set; }

    /// <summary>How often the platform reopened the report after resolution; the last time.</summary>
    public int Reopenings { get; set; }

    public DateTimeOffset? ReopenedAt { get; set; }

    /// <summary>Counts the changes applied; projections keep the highest version they saw.</summary>
    public int Version { get; set; }

    public HazardReport ToReport() => JsonSerializer.Deserialize(Report, HubJsonContext.Default.HazardReport)!;

    public HazardReportStatus CurrentStatus => HazardReportStatuses.FromWire(Status) ?? HazardReportStatus.Received;

    public static ReportEntity For(HazardReport report, string webhookId, string attemptId) => new()
    {
        PartitionKey = report.HubId,
        Report = JsonSerializer.Serialize(report, HubJsonContext.Default.HazardReport),
        WebhookId = webhookId,
        AttemptId = attemptId,
        ReceivedAt = report.ReceivedAt,
        UpdatedAt = report.ReceivedAt,
    };
}

public sealed class UpdateEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Update { get; set; } = string.Empty;

    public static string RowFor(string updateId) => "update~" + updateId;

    public CityUpdate ToUpdate() => JsonSerializer.Deserialize(Update, HubJsonContext.Default.CityUpdate)!;
}

/// <summary>
/// What a city system reads over Open311: one row per report in <c>CityRequests</c>,
/// partitioned by city and month of receipt, ordered by time within the month.
/// </summary>
public sealed class CityRequestEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string HubId { get; set; } = string.Empty;
    public string ServiceCode { get; set; } = string.Empty;
    public string Description { get; set; } = string.Empty;
    public string? Address { get; set; }
    public double Lat { get; set; }
    public double Lon { get; set; }
    public string? MediaUrl { get; set; }
    public string District { get; set; } = string.Empty;
    public string ReporterId { get; set; } = string.Empty;
    public string Status { get; set; } = "routed";
    public string? StatusNotes { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? RoutedAt { get; set; }
    public bool Escalated { get; set; }
    public int LinkedCount { get; set; }
    public string? DuplicateOf { get; set; }
    public string? Agency { get; set; }
    public DateTimeOffset? ExpectedAt { get; set; }
    public int Version { get; set; }

    public static string PartitionFor(string cityId, DateTimeOffset receivedAt) =>
        cityId + "~" + receivedAt.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);

    public static string RowFor(DateTimeOffset receivedAt, string hubId) => TimeKey(receivedAt) + "~" + hubId;

    internal static string TimeKey(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
}

/// <summary>One row per applied city update, for Open311 <c>servicerequestupdates</c>.</summary>
public sealed class CityUpdateEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string UpdateId { get; set; } = string.Empty;
    public string HubId { get; set; } = string.Empty;
    public string Status { get; set; } = string.Empty;
    public string? Description { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static string PartitionFor(string cityId, DateTimeOffset updatedAt) =>
        cityId + "~updates~" + updatedAt.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);

    public static string RowFor(DateTimeOffset updatedAt, string updateId) => CityRequestEntity.TimeKey(updatedAt) + "~" + updateId;
}

/// <summary>A report linked to the original whose partition holds this row (<c>link~{hubId}</c>).</summary>
public sealed class LinkEntity : ITableEntity
{
    public const string Prefix = "link~";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string HubId { get; set; } = string.Empty;
    public DateTimeOffset LinkedAt { get; set; }
}

/// <summary>Which report a city's update id belongs to (see <see cref="HazardReportStore.ClaimUpdateIdAsync"/>).</summary>
public sealed class UpdateIdClaimEntity : ITableEntity
{
    public const string PartitionSuffix = "~update-ids";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string HubId { get; set; } = string.Empty;
}

/// <summary>Storage operations of the hazard-report flow.</summary>
public sealed class HazardReportStore(HubStorage storage, HubRegistry registry)
{
    /// <summary>Queues the accepted report, then stores it; true when this attempt's copy is the stored one.</summary>
    public Task<bool> AcceptAsync(HazardReportAccepted message, ReportEntity entity, CancellationToken cancellationToken = default) =>
        QueueFirst.AcceptAsync(storage, Queues.HazardReportsAccepted, message, HubJsonContext.Default.HazardReportAccepted, Reports, entity, e => e.AttemptId, cancellationToken);

    /// <summary>Claims the platform's webhook-id for the report; returns the hub id of the report it names (see <see cref="WebhookIdClaims"/>).</summary>
    /// <summary>Where the hazard-report route's webhook-ids are claimed (<see cref="WebhookIdClaims"/>).</summary>
    public TableClient ClaimTable => Reports;


    private TableClient Reports => storage.Table(Tables.HazardReports);

    private TableClient CityRequests => storage.Table(Tables.CityRequests);

    /// <summary>The report, or null; a string that is not a hub id (from a URL, say) finds nothing without a storage call.</summary>
    public Task<ReportEntity?> FindAsync(string hubId, CancellationToken cancellationToken = default) =>
        HazardReport.IsHubId(hubId) ? Reports.FindAsync<ReportEntity>(hubId, ReportEntity.Row, cancellationToken) : Task.FromResult<ReportEntity?>(null);

    /// <summary>Stores a new report; false when one with that hub id is already stored.</summary>
    public Task<bool> TryAddAsync(ReportEntity entity, CancellationToken cancellationToken = default) =>
        Reports.TryAddAsync(entity, cancellationToken);

    /// <summary>The queue side of accepting a report (<see cref="QueueFirst.ReplayAsync"/>): the stored report, and whether it is this message's.</summary>
    public Task<Replayed<ReportEntity>> ReplayAsync(ReportEntity fromMessage, CancellationToken cancellationToken = default) =>
        QueueFirst.ReplayAsync(Reports, fromMessage, report => report.AttemptId, cancellationToken);

    /// <summary>Replaces the report if nobody changed it since it was read; false if somebody did.</summary>
    public Task<bool> TryReplaceAsync(ReportEntity entity, CancellationToken cancellationToken = default) =>
        Reports.TryReplaceAsync(entity, cancellationToken);

    public Task<UpdateEntity?> FindUpdateAsync(string hubId, string updateId, CancellationToken cancellationToken = default) =>
        HazardReport.IsHubId(hubId) ? Reports.FindAsync<UpdateEntity>(hubId, UpdateEntity.RowFor(updateId), cancellationToken) : Task.FromResult<UpdateEntity?>(null);

    public async Task<IReadOnlyList<CityUpdate>> ListUpdatesAsync(string hubId, CancellationToken cancellationToken = default)
    {
        var updates = new List<CityUpdate>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hubId} and RowKey gt {"update~"} and RowKey lt {"update~~"}");
        await foreach (var entity in Reports.QueryAsync<UpdateEntity>(filter, cancellationToken: cancellationToken))
        {
            updates.Add(entity.ToUpdate());
        }

        return [.. updates.OrderBy(u => u.ReceivedAt)];
    }

    /// <summary>
    /// Applies an update and the report's new state in one transaction (same partition): both or
    /// neither. Returns <see cref="ApplyOutcome.Conflict"/> when the report changed since it was
    /// read, <see cref="ApplyOutcome.AlreadyApplied"/> when the update id is already stored.
    /// </summary>
    public async Task<ApplyOutcome> TryApplyAsync(ReportEntity report, CityUpdate update, CancellationToken cancellationToken = default)
    {
        var updateEntity = new UpdateEntity
        {
            PartitionKey = report.PartitionKey,
            RowKey = UpdateEntity.RowFor(update.UpdateId),
            Update = JsonSerializer.Serialize(update, HubJsonContext.Default.CityUpdate),
        };
        var result = await Reports.TrySubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, updateEntity),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, report, report.ETag),
            ],
            cancellationToken);
        return result switch
        {
            TransactionResult.Committed => ApplyOutcome.Applied,
            TransactionResult.Conflict => ApplyOutcome.AlreadyApplied,
            _ => ApplyOutcome.Conflict,
        };
    }

    /// <summary>Links <paramref name="linkedHubId"/> to the original (idempotent), and returns how many reports are linked to it.</summary>
    /// <summary>
    /// Adds a link's row to its original's partition and replaces the original (its count of links one higher, read
    /// with its ETag), in one transaction: Conflict when the link is there already, Changed when the original changed.
    /// </summary>
    public Task<TransactionResult> TryLinkAsync(ReportEntity counted, string linkedHubId, DateTimeOffset linkedAt, CancellationToken cancellationToken = default) =>
        Reports.TrySubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new LinkEntity { PartitionKey = counted.PartitionKey, RowKey = LinkEntity.Prefix + linkedHubId, HubId = linkedHubId, LinkedAt = linkedAt }),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, counted, counted.ETag),
            ],
            cancellationToken);

    /// <summary>The reports linked to an original, in the order they were linked.</summary>
    public async Task<IReadOnlyList<string>> ListLinksAsync(string originalHubId, CancellationToken cancellationToken = default)
    {
        var links = new List<LinkEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {originalHubId} and RowKey gt {LinkEntity.Prefix} and RowKey lt {"link~~"}");
        await foreach (var entity in Reports.QueryAsync<LinkEntity>(filter, cancellationToken: cancellationToken))
        {
            links.Add(entity);
        }

        return [.. links.OrderBy(l => l.LinkedAt).ThenBy(l => l.HubId, StringComparer.Ordinal).Select(l => l.HubId)];
    }

    /// <summary>When the recipient is expected to have answered: the category's SLA after the report was (last) routed.</summary>
    public DateTimeOffset? ExpectedAt(ReportEntity entity, HazardReport report) =>
        entity.RoutedAt + (registry.FindCategory(report.Category)?.Sla ?? TimeSpan.FromHours(HazardCategory.DefaultSlaHours));

    /// <summary>
    /// Writes the recipient's (city's or body's) view of the report unless a newer version is already
    /// there. <paramref name="firstWrite"/> (the router's): the view most likely does not exist yet, so
    /// it is added without reading first (one request), and read only if it does.
    /// </summary>
    public async Task ProjectAsync(ReportEntity entity, string reporterId, CancellationToken cancellationToken = default, bool firstWrite = false)
    {
        var report = entity.ToReport();
        var partition = CityRequestEntity.PartitionFor(report.RecipientId, report.ReceivedAt);
        var row = CityRequestEntity.RowFor(report.ReceivedAt, report.HubId);
        var projection = new CityRequestEntity
        {
            PartitionKey = partition,
            RowKey = row,
            HubId = report.HubId,
            ServiceCode = report.Category,
            Description = report.Description,
            Address = report.Location.Address,
            Lat = report.Location.Lat,
            Lon = report.Location.Lon,
            MediaUrl = report.MediaUrls.Count > 0 ? report.MediaUrls[0] : null,
            District = report.District,
            ReporterId = reporterId,
            Status = entity.Status,
            StatusNotes = entity.StatusNotes,
            RequestedAt = report.ReceivedAt,
            UpdatedAt = entity.UpdatedAt,
            RoutedAt = entity.RoutedAt,
            Escalated = entity.Escalated,
            LinkedCount = entity.LinkedCount,
            DuplicateOf = entity.DuplicateOf,
            Agency = registry.AgencyName(report.RecipientId),
            ExpectedAt = ExpectedAt(entity, report),
            Version = entity.Version,
        };

        if (firstWrite && await CityRequests.TryAddAsync(projection, cancellationToken))
        {
            return;
        }

        // Somebody may write it in between: read again and compare versions.
        await Optimistic.RetryAsync($"The city view of {report.HubId}", async _ =>
        {
            var existing = await CityRequests.FindAsync<CityRequestEntity>(partition, row, cancellationToken);
            var written = existing is null
                ? await CityRequests.TryAddAsync(projection, cancellationToken)
                : existing.Version >= projection.Version || await CityRequests.TryReplaceAsync(WithETag(projection, existing.ETag), cancellationToken);
            return written ? Attempt<bool>.Done(true) : Attempt<bool>.Retry;
        }, cancellationToken);
    }

    private static CityRequestEntity WithETag(CityRequestEntity entity, ETag etag)
    {
        entity.ETag = etag;
        return entity;
    }

    /// <summary>
    /// Claims a city's update id for one report (row <c>{cityId}~update-ids</c> / <c>{updateId}</c> in
    /// <c>CityRequests</c>), so that <c>servicerequestupdates</c> never lists two updates with one
    /// <c>update_id</c>. Returns the report that holds the id: this one when the claim is new or
    /// repeated, another when the city used the id before; and whether this call claimed it (it was new).
    /// </summary>
    public async Task<(string HubId, bool IsNew)> ClaimUpdateIdAsync(string cityId, string updateId, string hubId, CancellationToken cancellationToken = default)
    {
        var claim = new UpdateIdClaimEntity { PartitionKey = cityId + UpdateIdClaimEntity.PartitionSuffix, RowKey = updateId, HubId = hubId };
        if (await CityRequests.TryAddAsync(claim, cancellationToken))
        {
            return (hubId, true);
        }

        var held = await CityRequests.FindAsync<UpdateIdClaimEntity>(claim.PartitionKey, claim.RowKey, cancellationToken)
            ?? throw new InvalidOperationException($"The claim on update id {updateId} of {cityId} vanished.");
        return (held.HubId, false);
    }

    /// <summary>Records an applied update for Open311 <c>servicerequestupdates</c> (idempotent).</summary>
    public Task RecordCityUpdateAsync(string cityId, string hubId, CityUpdate update, CancellationToken cancellationToken = default) =>
        CityRequests.UpsertEntityAsync(
            new CityUpdateEntity
            {
                PartitionKey = CityUpdateEntity.PartitionFor(cityId, update.ReceivedAt),
                RowKey = CityUpdateEntity.RowFor(update.ReceivedAt, update.UpdateId),
                UpdateId = update.UpdateId,
                HubId = hubId,
                Status = update.Status.ToWire(),
                Description = update.Note,
                UpdatedAt = update.UpdatedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The city's reports received in [from, to), newest first.</summary>
    public async IAsyncEnumerable<CityRequestEntity> QueryCityRequestsAsync(
        string cityId,
        DateTimeOffset from,
        DateTimeOffset to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var month in MonthsDescending(from, to))
        {
            var partition = cityId + "~" + month;
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition} and RowKey ge {CityRequestEntity.TimeKey(from)} and RowKey lt {CityRequestEntity.TimeKey(to)}");

            var rows = new List<CityRequestEntity>();
            await foreach (var entity in CityRequests.QueryAsync<CityRequestEntity>(filter, cancellationToken: cancellationToken))
            {
                rows.Add(entity);
            }

            for (var i = rows.Count - 1; i >= 0; i--)
            {
                yield return rows[i];
            }
        }
    }

    /// <summary>
    /// The recipient's view rows in [from, to) that match <paramref name="filter"/>, in no set order, read
    /// with one query over the range of its month partitions (<c>{recipient}~yyyyMM</c>: no other partition
    /// of the table sorts between two of them, since the others go on with a letter, as in
    /// <c>~updates~</c>, <c>~dup3~</c> and <c>~update-ids</c>, and a registry id has no <c>~</c>:
    /// <c>TenantKind.IsValidId</c>). A watch that finds nothing makes one request
    /// per recipient, not one per month.
    /// </summary>
    public IAsyncEnumerable<CityRequestEntity> QueryCityRequestsOverMonthsAsync(
        string recipientId,
        DateTimeOffset from,
        DateTimeOffset to,
        string filter,
        CancellationToken cancellationToken = default)
    {
        var range = TableClient.CreateQueryFilter(
            $"PartitionKey ge {CityRequestEntity.PartitionFor(recipientId, from)} and PartitionKey le {CityRequestEntity.PartitionFor(recipientId, to)} and RowKey ge {CityRequestEntity.TimeKey(from)} and RowKey lt {CityRequestEntity.TimeKey(to)}");
        return CityRequests.QueryAsync<CityRequestEntity>($"{range} and ({filter})", cancellationToken: cancellationToken);
    }

    /// <summary>The city's applied updates in [from, to), oldest first.</summary>
    public async IAsyncEnumerable<CityUpdateEntity> QueryCityUpdatesAsync(
        string cityId,
        DateTimeOffset from,
        DateTimeOffset to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var month in MonthsDescending(from, to).Reverse())
        {
            var partition = cityId + "~updates~" + month;
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition} and RowKey ge {CityRequestEntity.TimeKey(from)} and RowKey lt {CityRequestEntity.TimeKey(to)}");
            await foreach (var entity in CityRequests.QueryAsync<CityUpdateEntity>(filter, cancellationToken: cancellationToken))
            {
                yield return entity;
            }
        }
    }

    private static IEnumerable<string> MonthsDescending(DateTimeOffset from, DateTimeOffset to)
    {
        var first = new DateTime(from.UtcDateTime.Year, from.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var last = to.UtcDateTime;
        for (var month = new DateTime(last.Year, last.Month, 1, 0, 0, 0, DateTimeKind.Utc); month >= first; month = month.AddMonths(-1))
        {
            yield return month.ToString("yyyyMM", CultureInfo.InvariantCulture);
        }
    }
}

public enum ApplyOutcome
{
    Applied,
    AlreadyApplied,
    Conflict,
}
