using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using StationHub.Platform;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
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

    /// <summary>The voucher code of a redemption: derived from its transaction id, so a repeat gives the same code.</summary>
    public string VoucherCodeFor(string transactionId)
    {
        var mac = keys.KeyedBytes("voucher", "points", transactionId);
        return "V" + Base32.Upper(mac.AsSpan(0, 8))[..12];
    }

    public static bool IsVoucherCode(string? value) =>
        value is { Length: 13 } && value[0] == 'V' && value.AsSpan(1).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") < 0;

    public async Task<PointsOutcome> ApplyAsync(PointsTransactionRequested request, CancellationToken cancellationToken = default)
    {
        var partition = PartitionFor(request.CourierPseudonym);
        var recordRow = TransactionEntity.RowFor(request.TransactionId);
        for (var attempt = 0; attempt < 30; attempt++)
        {
            if (await Accounts.FindAsync<TransactionEntity>(partition, recordRow, cancellationToken) is { } seen)
            {
                return new PointsOutcome(seen, Repeat: true);
            }

            var balance = await Accounts.FindAsync<BalanceEntity>(partition, BalanceEntity.Row, cancellationToken);
            var isNew = balance is null;
            balance ??= new BalanceEntity { PartitionKey = partition };
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
                if (!RecordsRejections(request.Kind))
                {
                    return new PointsOutcome(record, Repeat: false);
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

            try
            {
                await Accounts.SubmitTransactionAsync(actions, cancellationToken);
                return new PointsOutcome(record, Repeat: false);
            }
            catch (TableTransactionFailedException exception) when (exception.Status is 409 or 412)
            {
                // The same transaction was applied meanwhile (409 on its record) or the courier's
                // state changed (412, or 409 on a new balance): decide again on fresh state.
            }
        }

        throw new InvalidOperationException($"Courier state kept changing while transaction {request.TransactionId} was applied.");
    }

    /// <summary>The courier partition a voucher code belongs to, or null.</summary>
    public async Task<string?> FindVoucherPartitionAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!IsVoucherCode(code))
        {
            return null;
        }

        var index = await Vouchers.FindAsync<TableEntity>(code, "voucher", cancellationToken);
        return index?.GetString("Partition");
    }

    public Task<VoucherEntity?> FindVoucherAsync(string partition, string code, CancellationToken cancellationToken = default) =>
        Accounts.FindAsync<VoucherEntity>(partition, VoucherEntity.RowFor(code), cancellationToken);

    /// <summary>Vouchers whose validity ended at or before <paramref name="now"/>.</summary>
    public async IAsyncEnumerable<(string Partition, string Code, DateTimeOffset ExpiresAt)> DueVouchersAsync(
        DateTimeOffset now,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and RowKey le {TimeKey(now) + "~~"}");
        await foreach (var row in Vouchers.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return (row.GetString("Partition"), row.GetString("Code"), ParseKey(row.RowKey[..17]));
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
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionFor(courierPseudonym)} and RowKey gt {"tx~"} and RowKey lt {"tx~~"}");
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
                return Decision.Apply(task.Points);
            }

            case PointsKind.Redeemed:
            {
                if (registry.FindReward(request.Reward ?? string.Empty) is not { } reward)
                {
                    return Decision.Reject($"'{request.Reward}' is not a reward of the exchange list.");
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
                var voucher = await FindVoucherAsync(partition, request.VoucherCode ?? string.Empty, cancellationToken);
                if (voucher is null)
                {
                    return Decision.Reject("No such voucher.");
                }

                if (voucher.Status != VoucherStatus.Reserved)
                {
                    return Decision.Reject($"The voucher is already {voucher.Status}.");
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
