using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using StationHub.Platform;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>Points settings (section <c>Points</c>).</summary>
public sealed class PointsOptions
{
    public const string Section = "Points";

    /// <summary>How long a voucher can be settled before its points are released back (default 30 days).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan VoucherValidity { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>Checks <see cref="PointsOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class PointsOptionsValidator : IValidateOptions<PointsOptions>;

/// <summary>What applying a transaction came to: its record, and whether it was already there.</summary>
public sealed record PointsOutcome(TransactionEntity Record, bool Repeat)
{
    public bool Applied => Record.Status == TransactionStatus.Applied;
}

/// <summary>
/// The double-entry book. Everything a courier holds lives in one partition of
/// <c>PointsAccounts</c> (<c>c~{pseudonym}</c>): the balance, a record per transaction, the
/// postings and the vouchers. So each transaction — its record, its balanced postings, the new
/// balance and any voucher or earlier record it changes — is ONE entity-group transaction,
/// guarded by ETags: all of it or none. The record's insert fails when the transaction id was
/// seen before, which makes applying idempotent under at-least-once delivery; a concurrent change
/// to the same courier fails the ETag and the transaction is decided again on fresh state. See
/// docs/points.md.
/// </summary>
public sealed class PointsBook(HubStorage storage, HubRegistry registry, IOptions<PointsOptions> options, Pseudonyms keys)
{
    /// <summary>Azure Tables takes at most 100 operations in one entity-group transaction; the largest here is 5.</summary>
    public const int MaxOperations = 100;
    public const string DuePartition = "due";

    private TableClient Accounts => storage.Table(Tables.PointsAccounts);

    private TableClient Vouchers => storage.Table(Tables.Vouchers);

    public static string PartitionFor(string courierPseudonym) => "c~" + courierPseudonym;

    /// <summary>The courier a record, voucher or balance of the book belongs to.</summary>
    public static string CourierOf(ITableEntity entity) => entity.PartitionKey["c~".Length..];

    /// <summary>The transaction id a record is kept under.</summary>
    public static string TransactionIdOf(TransactionEntity record) => record.RowKey[TransactionEntity.RowPrefix.Length..];

    /// <summary>A platform's transaction id in the book: unique per platform (<c>swiftride~t-1</c>).</summary>
    public static string PlatformTransactionId(string platformId, string transactionId) => platformId + "~" + transactionId;

    /// <summary>The one settlement a voucher can have, whichever station asks.</summary>
    public static string SettlementId(string voucherCode) => "settle~" + voucherCode;

    /// <summary>The one release a voucher can have.</summary>
    public static string ReleaseId(string voucherCode) => "release~" + voucherCode;

    /// <summary>Points the hub issues itself, once per cause (a report and its task).</summary>
    public static string HubIssuedId(string cause, string task) => "hub~" + cause + "~" + task;

    private static string ClaimPartition(string platformId) => "txid~" + platformId;

    private static string PlatformCourierPartition(string platformId) => "cp~" + platformId;

    /// <summary>The pseudonym a platform sees for one of its couriers (<c>cp_…</c>, as in its notices).</summary>
    public string PlatformCourierRef(string platformId, string courierPseudonym) => keys.ForRecipient("platform:" + platformId, courierPseudonym);

    /// <summary>The city a station belongs to, or null.</summary>
    public string? CityOfStation(string? stationId) =>
        stationId is not null && registry.FindStation(stationId) is { } station && registry.FindDistrict(station.District) is { } found ? found.City.Id : null;

    /// <summary>The voucher code of a redemption: derived from its transaction id, so a repeat gives the same code.</summary>
    public string VoucherCodeFor(string transactionId)
    {
        var mac = keys.KeyedBytes("voucher", "points", transactionId);
        return "V" + Base32.Upper(mac.AsSpan(0, 8))[..12];
    }

    public static bool IsVoucherCode(string? value) =>
        value is { Length: 13 } && value[0] == 'V' && value.AsSpan(1).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") < 0;

    public Task<PointsOutcome> ApplyAsync(PointsTransactionRequested request, CancellationToken cancellationToken = default) =>
        ApplyAsync(request, newId: false, cancellationToken);

    /// <summary>
    /// Applies the transaction once. The record is looked for first (a repeat is answered from it), except on
    /// the first try when <paramref name="newId"/>: the caller has just claimed the transaction id, so nothing
    /// was applied under it yet. Either way the record's insert, in the transaction that applies, is what
    /// keeps it applied once: a record stored meanwhile fails it (409), and the next try finds that record.
    /// </summary>
    public async Task<PointsOutcome> ApplyAsync(PointsTransactionRequested request, bool newId, CancellationToken cancellationToken = default)
    {
        var partition = PartitionFor(request.CourierPseudonym);
        var recordRow = TransactionEntity.RowFor(request.TransactionId);
        return await Optimistic.RetryAsync($"Courier state (transaction {request.TransactionId})", async number =>
        {
            if ((number > 0 || !newId) && await Accounts.FindAsync<TransactionEntity>(partition, recordRow, cancellationToken) is { } seen)
            {
                return Attempt<PointsOutcome>.Done(new PointsOutcome(seen, Repeat: true));
            }

            var balance = await Accounts.FindAsync<BalanceEntity>(partition, BalanceEntity.Row, cancellationToken);
            var isNew = balance is null;
            balance ??= new BalanceEntity { PartitionKey = partition };
            if (isNew)
            {
                // The platform's own pseudonym of the courier (cp_…) leads back here (idempotent, before the courier exists).
                await Accounts.UpsertEntityAsync(new TableEntity(PlatformCourierPartition(request.PlatformId), PlatformCourierRef(request.PlatformId, request.CourierPseudonym)) { ["Courier"] = request.CourierPseudonym }, TableUpdateMode.Replace, cancellationToken);
            }

            var record = new TransactionEntity
            {
                PartitionKey = partition,
                RowKey = recordRow,
                Kind = request.Kind.ToString(),
                PlatformId = request.PlatformId,
                PlatformTransactionId = request.PlatformTransactionId,
                Task = request.Task,
                Reward = request.Reward,
                Reference = request.Reference,
                StationId = request.StationId,
                VoucherCode = request.VoucherCode,
                AttemptId = request.AttemptId,
                At = request.OccurredAt,
            };

            var decision = await DecideAsync(request, record, balance, cancellationToken);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, record) };
            if (decision.Rejection is { } reason)
            {
                record.Status = TransactionStatus.Rejected;
                record.Reason = reason;
                record.AvailableAfter = balance.Available;
                record.ReservedAfter = balance.Reserved;
                if (!RecordsRejections(request.Kind))
                {
                    // This was decided on state read after the record was looked for: another attempt of this
                    // same transaction (the request, or the queue function) may have committed in between, and
                    // what looks like "already settled" is then its own success. Answer from its record.
                    if (await Accounts.FindAsync<TransactionEntity>(partition, recordRow, cancellationToken) is { } applied)
                    {
                        return Attempt<PointsOutcome>.Done(new PointsOutcome(applied, Repeat: true));
                    }

                    return Attempt<PointsOutcome>.Done(new PointsOutcome(record, Repeat: false));
                }
            }
            else
            {
                record.Points = decision.Points;
                var postings = PostingRules.For(request.Kind, request.CourierPseudonym, decision.Points, decision.Reward);
                for (var i = 0; i < postings.Count; i++)
                {
                    actions.Add(new(TableTransactionActionType.Add, new PostingEntity
                    {
                        PartitionKey = partition,
                        RowKey = $"p~{request.TransactionId}~{i}",
                        TransactionId = request.TransactionId,
                        Account = postings[i].Account,
                        Amount = postings[i].Amount,
                        At = request.OccurredAt,
                    }));
                }

                balance.Version++;
                record.AvailableAfter = balance.Available;
                record.ReservedAfter = balance.Reserved;
                actions.Add(isNew ? new(TableTransactionActionType.Add, balance) : new(TableTransactionActionType.UpdateReplace, balance, balance.ETag));
                actions.AddRange(decision.Changes);
                if (decision.NewVoucher is { } voucher)
                {
                    // The code's index and due row first (idempotent): a voucher is findable once it exists.
                    await Vouchers.UpsertEntityAsync(new TableEntity(voucher.Code, "voucher") { ["Partition"] = partition }, TableUpdateMode.Replace, cancellationToken);
                    await Vouchers.UpsertEntityAsync(new TableEntity(DuePartition, DueRow(voucher.ExpiresAt, voucher.Code)) { ["Partition"] = partition, ["Code"] = voucher.Code }, TableUpdateMode.Replace, cancellationToken);
                }
            }

            if (actions.Count > MaxOperations)
            {
                throw new InvalidOperationException("A points transaction would exceed the 100 operations of an entity-group transaction.");
            }

            // The same transaction was applied meanwhile (409 on its record) or the courier's
            // state changed (412, or 409 on a new balance): decide again on fresh state.
            return await Accounts.TrySubmitAsync(actions, cancellationToken) == TransactionResult.Committed
                ? Attempt<PointsOutcome>.Done(new PointsOutcome(record, Repeat: false))
                : Attempt<PointsOutcome>.Retry;
        }, cancellationToken);
    }

    /// <summary>The voucher with that code, wherever it lives, or null.</summary>
    public async Task<VoucherEntity?> FindVoucherAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!IsVoucherCode(code))
        {
            return null;
        }

        var index = await Vouchers.FindAsync<TableEntity>(code, "voucher", cancellationToken);
        return index?.GetString("Partition") is { } partition
            ? await Accounts.FindAsync<VoucherEntity>(partition, VoucherEntity.RowFor(code), cancellationToken)
            : null;
    }

    /// <summary>One of a courier's vouchers, or null.</summary>
    public Task<VoucherEntity?> FindCourierVoucherAsync(string courierPseudonym, string code, CancellationToken cancellationToken = default) =>
        Accounts.FindAsync<VoucherEntity>(PartitionFor(courierPseudonym), VoucherEntity.RowFor(code), cancellationToken);

    /// <summary>
    /// Whether a station may honour the voucher: any station of the voucher's city (set at redemption:
    /// the city of the redemption's station, or else where the courier last earned points).
    /// </summary>
    public bool IsHonouredAt(VoucherEntity voucher, string? stationId) =>
        CityOfStation(stationId) is { } city && (voucher.CityId is null || voucher.CityId == city);

    /// <summary>One of a courier's transaction records, or null.</summary>
    public Task<TransactionEntity?> FindTransactionAsync(string courierPseudonym, string transactionId, CancellationToken cancellationToken = default) =>
        Accounts.FindAsync<TransactionEntity>(PartitionFor(courierPseudonym), TransactionEntity.RowFor(transactionId), cancellationToken);

    /// <summary>
    /// A platform's transaction ids are unique per platform, not per courier: the first courier a
    /// transaction id is used for owns it (written once, before the transaction is queued). Returns
    /// the owner: <paramref name="courierPseudonym"/> itself, or the courier who had it first.
    /// </summary>
    /// <summary>Claims a platform's webhook-id for one transaction (<see cref="WebhookIdClaims"/>): the (courier, transaction) that holds it.</summary>
    /// <summary>Where the points route's webhook-ids are claimed (<see cref="WebhookIdClaims"/>), for a courier's transaction.</summary>
    public TableClient ClaimTable => Accounts;

    /// <summary>What a points webhook-id names: the courier and the transaction.</summary>
    public static string ClaimIdFor(string courierPseudonym, string transactionId) => courierPseudonym + "\n" + transactionId;

    /// <summary>The courier and transaction of a claim made by <see cref="ClaimIdFor"/>.</summary>
    public static (string Courier, string TransactionId) ClaimedBy(string claimId)
    {
        var split = claimId.IndexOf('\n', StringComparison.Ordinal);
        return (claimId[..split], claimId[(split + 1)..]);
    }

    /// <summary>
    /// Queue then apply (<see cref="QueueFirst.ThenApplyAsync"/>): the queue function applies the
    /// transaction if the caller stops half-way.
    /// </summary>
    public Task<PointsOutcome> QueueThenApplyAsync(PointsTransactionRequested transaction, CancellationToken cancellationToken = default) =>
        QueueThenApplyAsync(transaction, newId: false, cancellationToken);

    /// <summary>Queue then apply; <paramref name="newId"/>: the caller has just claimed the transaction id (see <see cref="ApplyAsync(PointsTransactionRequested, bool, CancellationToken)"/>).</summary>
    public Task<PointsOutcome> QueueThenApplyAsync(PointsTransactionRequested transaction, bool newId, CancellationToken cancellationToken = default) =>
        QueueFirst.ThenApplyAsync(storage, Queues.PointsTransactions, transaction, HubJsonContext.Default.PointsTransactionRequested, token => ApplyAsync(transaction, newId, token), cancellationToken);

    /// <summary>The owner of the transaction id (see above), and whether this call claimed it (it was new).</summary>
    public async Task<(string Owner, bool IsNew)> ClaimTransactionIdAsync(string platformId, string transactionId, string courierPseudonym, CancellationToken cancellationToken = default)
    {
        var claim = new TableEntity(ClaimPartition(platformId), transactionId) { ["Courier"] = courierPseudonym };
        if (await Accounts.TryAddAsync(claim, cancellationToken))
        {
            return (courierPseudonym, true);
        }

        var owner = await Accounts.FindAsync<TableEntity>(ClaimPartition(platformId), transactionId, cancellationToken);
        return (owner?.GetString("Courier") ?? courierPseudonym, false);
    }

    /// <summary>The courier behind a platform's own pseudonym of it (<c>cp_…</c>), or null.</summary>
    public async Task<string?> FindCourierByPlatformRefAsync(string platformId, string courierRef, CancellationToken cancellationToken = default)
    {
        if (!IsPlatformCourierRef(courierRef))
        {
            return null;
        }

        var row = await Accounts.FindAsync<TableEntity>(PlatformCourierPartition(platformId), courierRef, cancellationToken);
        return row?.GetString("Courier");
    }

    public static bool IsPlatformCourierRef(string value) =>
        value.StartsWith("cp_", StringComparison.Ordinal) && value.Length <= 128 && value.AsSpan(3).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    /// <summary>The answer kept under an <c>Idempotency-Key</c> of a caller (<paramref name="scope"/>), or null.</summary>
    public Task<KeyedAnswer?> FindKeyedAnswerAsync(string scope, string keyDigest, CancellationToken cancellationToken = default) =>
        Vouchers.FindKeyedAnswerAsync(scope, keyDigest, cancellationToken);

    /// <summary>Keeps the first answer under the key; returns the one kept (this one, or an earlier one).</summary>
    public Task<KeyedAnswer> KeepKeyedAnswerAsync(string scope, string keyDigest, KeyedAnswer answer, CancellationToken cancellationToken = default) =>
        Vouchers.KeepKeyedAnswerAsync(scope, keyDigest, answer, cancellationToken);

    /// <summary>Vouchers whose validity ended at or before <paramref name="now"/>.</summary>
    public async IAsyncEnumerable<(string CourierPseudonym, string Code, DateTimeOffset ExpiresAt)> DueVouchersAsync(
        DateTimeOffset now,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and RowKey le {TimeKey(now) + "~~"}");
        await foreach (var row in Vouchers.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return (row.GetString("Partition")["c~".Length..], row.GetString("Code"), ParseKey(row.RowKey[..17]));
        }
    }

    public async Task RemoveDueAsync(string code, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        try
        {
            await Vouchers.DeleteEntityAsync(DuePartition, DueRow(expiresAt, code), cancellationToken: cancellationToken);
        }
        catch (Azure.RequestFailedException exception) when (HubStorage.IsNotFound(exception))
        {
        }
    }

    public async Task<BalanceEntity?> FindBalanceAsync(string courierPseudonym, CancellationToken cancellationToken = default) =>
        await Accounts.FindAsync<BalanceEntity>(PartitionFor(courierPseudonym), BalanceEntity.Row, cancellationToken);

    /// <summary>A courier's transaction records, oldest id first.</summary>
    public async Task<IReadOnlyList<TransactionEntity>> HistoryAsync(string courierPseudonym, int max, CancellationToken cancellationToken = default)
    {
        var list = new List<TransactionEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionFor(courierPseudonym)} and RowKey gt {TransactionEntity.RowPrefix} and RowKey lt {TransactionEntity.RowPrefix + "~"}");
        await foreach (var record in Accounts.QueryAsync<TransactionEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(record);
            if (list.Count >= max)
            {
                break;
            }
        }

        return list;
    }

    private static bool RecordsRejections(PointsKind kind) => kind is PointsKind.Earned or PointsKind.Redeemed or PointsKind.Reversed;

    private async Task<Decision> DecideAsync(PointsTransactionRequested request, TransactionEntity record, BalanceEntity balance, CancellationToken cancellationToken)
    {
        var partition = balance.PartitionKey;
        switch (request.Kind)
        {
            case PointsKind.Earned:
            {
                if (registry.FindTask(request.Task ?? string.Empty) is not { } task)
                {
                    return Decision.Reject($"'{request.Task}' is not a task of the catalog.");
                }

                balance.Available += task.Points;
                balance.CityId = request.CityId ?? CityOfStation(request.StationId) ?? balance.CityId;
                return Decision.Apply(task.Points);
            }

            case PointsKind.Redeemed:
            {
                if (registry.FindReward(request.Reward ?? string.Empty) is not { } reward)
                {
                    return Decision.Reject($"'{request.Reward}' is not a reward of the exchange list.");
                }

                var city = CityOfStation(request.StationId) ?? balance.CityId;
                if (city is null)
                {
                    return Decision.Reject("Neither the redemption nor the courier's points name a city: name the stationId where the voucher will be used.");
                }

                if (balance.Available < reward.Cost)
                {
                    return Decision.Reject($"The courier has {balance.Available} points; {reward.Code} costs {reward.Cost}.");
                }

                balance.Available -= reward.Cost;
                balance.Reserved += reward.Cost;
                var voucher = new VoucherEntity
                {
                    PartitionKey = partition,
                    Code = VoucherCodeFor(request.TransactionId),
                    Reward = reward.Code,
                    Cost = reward.Cost,
                    PlatformId = request.PlatformId,
                    ReservedBy = request.TransactionId,
                    ExpiresAt = request.OccurredAt + options.Value.VoucherValidity,
                    CityId = city,
                };
                voucher.RowKey = VoucherEntity.RowFor(voucher.Code);
                record.VoucherCode = voucher.Code;
                return Decision.Apply(reward.Cost, changes: [new(TableTransactionActionType.Add, voucher)], newVoucher: voucher);
            }

            case PointsKind.Reversed:
            {
                var original = await Accounts.FindAsync<TransactionEntity>(partition, TransactionEntity.RowFor(request.Reference ?? string.Empty), cancellationToken);
                if (original is null || original.Kind != nameof(PointsKind.Earned) || original.Status != TransactionStatus.Applied)
                {
                    return Decision.Reject("The reference names no points earned by this courier.");
                }

                if (original.ReversedBy is not null)
                {
                    return Decision.Reject($"Those points were already reversed by {original.ReversedBy}.");
                }

                if (balance.Available < original.Points)
                {
                    return Decision.Reject($"The courier has {balance.Available} points left; reversing {original.Points} would go below zero.");
                }

                balance.Available -= original.Points;
                original.ReversedBy = request.TransactionId;
                return Decision.Apply(original.Points, changes: [new(TableTransactionActionType.UpdateReplace, original, original.ETag)]);
            }

            case PointsKind.Settled:
            case PointsKind.Released:
            {
                var voucher = await FindCourierVoucherAsync(request.CourierPseudonym, request.VoucherCode ?? string.Empty, cancellationToken);
                if (voucher is null)
                {
                    return Decision.Reject("No such voucher.");
                }

                if (voucher.Status != VoucherStatus.Reserved)
                {
                    return Decision.Reject($"The voucher is already {voucher.Status}.");
                }

                if (request.Kind == PointsKind.Settled && !IsHonouredAt(voucher, request.StationId))
                {
                    return Decision.Reject("The voucher is not valid at that station.");
                }

                var expired = request.OccurredAt >= voucher.ExpiresAt;
                if (request.Kind == PointsKind.Settled && expired)
                {
                    return Decision.Reject("The voucher has expired.");
                }

                if (request.Kind == PointsKind.Released && !expired)
                {
                    return Decision.Reject("The voucher has not expired yet.");
                }

                balance.Reserved -= voucher.Cost;
                if (request.Kind == PointsKind.Released)
                {
                    balance.Available += voucher.Cost;
                }

                voucher.Status = request.Kind == PointsKind.Settled ? VoucherStatus.Settled : VoucherStatus.Released;
                voucher.StationId = request.StationId;
                voucher.ClosedAt = request.OccurredAt;
                record.Reward = voucher.Reward;
                return Decision.Apply(voucher.Cost, changes: [new(TableTransactionActionType.UpdateReplace, voucher, voucher.ETag)], reward: voucher.Reward);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(request));
        }
    }

    /// <summary>Whether a due row's time is the voucher's own expiry (a row of an attempt that lost has another).</summary>
    public static bool IsDueAt(VoucherEntity voucher, DateTimeOffset dueRowTime) => TimeKey(voucher.ExpiresAt) == TimeKey(dueRowTime);

    private static string DueRow(DateTimeOffset expiresAt, string code) => TimeKey(expiresAt) + "~" + code;

    private static string TimeKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseKey(string key) =>
        DateTimeOffset.ParseExact(key, "yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

    private sealed record Decision(long Points, string? Rejection, IReadOnlyList<TableTransactionAction> Changes, VoucherEntity? NewVoucher, string? Reward)
    {
        public static Decision Apply(long points, IReadOnlyList<TableTransactionAction>? changes = null, VoucherEntity? newVoucher = null, string? reward = null) =>
            new(points, null, changes ?? [], newVoucher, reward);

        public static Decision Reject(string reason) => new(0, reason, [], null, null);
    }
}
