using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;

namespace StationHub.Points;

/// <summary>The kinds of points transaction. Each is a balanced set of postings.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PointsKind>))]
public enum PointsKind
{
    /// <summary>A task done: issuing → courier.</summary>
    Earned,

    /// <summary>A reward asked for: courier → clearing (reserved), and a voucher issued.</summary>
    Redeemed,

    /// <summary>An earning taken back: courier → issuing.</summary>
    Reversed,

    /// <summary>A voucher honoured at a station: clearing → redeemed:{reward}.</summary>
    Settled,

    /// <summary>A voucher expired unsettled: clearing → courier.</summary>
    Released,
}

/// <summary>The accounts of the double-entry book. The issuing account runs negative by design.</summary>
public static class PointsAccounts
{
    public const string Issuing = "issuing";
    public const string Clearing = "clearing";

    public static string Courier(string pseudonym) => "courier:" + pseudonym;

    public static string Redeemed(string reward) => "redeemed:" + reward;
}

/// <summary>
/// A points transaction asked for, by a platform's webhook, a city resolving a report, a station
/// settling a voucher or the expiry timer. Queued before it is applied; applying is idempotent
/// by <see cref="TransactionId"/>, so the queue function may apply it again safely.
/// </summary>
public sealed record PointsTransactionRequested(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string TransactionId,
    PointsKind Kind,
    string PlatformId,
    string CourierPseudonym,
    string? Task = null,
    string? Reward = null,
    string? Reference = null,
    string? StationId = null,
    string? VoucherCode = null,
    string? PlatformTransactionId = null,
    string? AttemptId = null,
    string? CityId = null)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>One leg of a transaction: never changed, never deleted; corrections are new transactions.</summary>
public sealed record Posting(string Account, long Amount);

/// <summary>A courier's balance (row <c>balance</c> of the courier's partition).</summary>
public sealed class BalanceEntity : ITableEntity
{
    public const string Row = "balance";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>Points the courier can spend.</summary>
    public long Available { get; set; }

    /// <summary>Points held for vouchers not yet settled or released (they sit in the clearing account).</summary>
    public long Reserved { get; set; }
    public int Version { get; set; }

    /// <summary>The city where the courier last earned points (a station's, or a report's): where a voucher without a station of its own is honoured.</summary>
    public string? CityId { get; set; }
}

/// <summary>A transaction's record (row <c>tx~{id}</c>): applied or rejected, and why. Its insert is the idempotency check.</summary>
public sealed class TransactionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = string.Empty;
    public string Status { get; set; } = TransactionStatus.Applied;
    public string? Reason { get; set; }
    public long Points { get; set; }
    public string PlatformId { get; set; } = string.Empty;
    public string? PlatformTransactionId { get; set; }
    public string? Task { get; set; }
    public string? Reward { get; set; }
    public string? Reference { get; set; }
    public string? StationId { get; set; }
    public string? VoucherCode { get; set; }
    public string? ReversedBy { get; set; }

    /// <summary>The courier's available points right after this transaction (what its notice tells).</summary>
    public long AvailableAfter { get; set; }

    /// <summary>The courier's reserved points right after this transaction.</summary>
    public long ReservedAfter { get; set; }

    /// <summary>The request whose message made this record (tells a request its own transaction from a repeat).</summary>
    public string? AttemptId { get; set; }
    public DateTimeOffset At { get; set; }

    public const string RowPrefix = "tx~";

    public static string RowFor(string transactionId) => RowPrefix + transactionId;
}

public static class TransactionStatus
{
    public const string Applied = "applied";
    public const string Rejected = "rejected";
}

/// <summary>A posting (row <c>p~{transactionId}~{n}</c>).</summary>
public sealed class PostingEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string TransactionId { get; set; } = string.Empty;
    public string Account { get; set; } = string.Empty;
    public long Amount { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>A voucher (row <c>v~{code}</c> of the courier's partition).</summary>
public sealed class VoucherEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Code { get; set; } = string.Empty;
    public string Reward { get; set; } = string.Empty;
    public long Cost { get; set; }
    public string Status { get; set; } = VoucherStatus.Reserved;
    public string PlatformId { get; set; } = string.Empty;
    public string ReservedBy { get; set; } = string.Empty;
    public DateTimeOffset ExpiresAt { get; set; }
    public string? StationId { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>The city whose stations may honour the voucher (see docs/points.md).</summary>
    public string? CityId { get; set; }

    public static string RowFor(string code) => "v~" + code;
}

public static class VoucherStatus
{
    public const string Reserved = "reserved";
    public const string Settled = "settled";
    public const string Released = "released";
}
