using System.Globalization;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;

namespace StationHub.GigWork;

/// <summary>The five gig-work events a platform sends.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GigEventKind>))]
public enum GigEventKind
{
    /// <summary><c>gig_job.posted</c>: a job at a station wants workers.</summary>
    JobPosted,

    /// <summary><c>gig_match.made</c>: a worker matched to a job.</summary>
    MatchMade,

    /// <summary><c>gig_match.completed</c>: the worker finished the job.</summary>
    MatchCompleted,

    /// <summary><c>gig_match.paid</c>: the worker was paid.</summary>
    MatchPaid,

    /// <summary><c>gig_match.cancelled</c>: the match was called off.</summary>
    MatchCancelled,
}

/// <summary>Wire names of the gig-work events, in and out.</summary>
public static class GigWorkTypes
{
    public const string JobPosted = "gig_job.posted";
    public const string MatchMade = "gig_match.made";
    public const string MatchCompleted = "gig_match.completed";
    public const string MatchPaid = "gig_match.paid";
    public const string MatchCancelled = "gig_match.cancelled";

    /// <summary>Outbound: a match completed and not paid within <see cref="GigWorkRules.PayWithin"/>.</summary>
    public const string PaymentOverdue = "gig_match.payment_overdue";

    public static IReadOnlyList<string> Accepted { get; } = [JobPosted, MatchMade, MatchCompleted, MatchPaid, MatchCancelled];

    public static GigEventKind KindOf(string type) => type switch
    {
        JobPosted => GigEventKind.JobPosted,
        MatchMade => GigEventKind.MatchMade,
        MatchCompleted => GigEventKind.MatchCompleted,
        MatchPaid => GigEventKind.MatchPaid,
        _ => GigEventKind.MatchCancelled,
    };

    /// <summary>The short name in a hub id (<c>made~m-1</c>).</summary>
    public static string ShortName(GigEventKind kind) => kind switch
    {
        GigEventKind.JobPosted => "job",
        GigEventKind.MatchMade => "made",
        GigEventKind.MatchCompleted => "completed",
        GigEventKind.MatchPaid => "paid",
        _ => "cancelled",
    };
}

/// <summary>The rules the hub holds gig work to (documented in README).</summary>
public static class GigWorkRules
{
    /// <summary>A completed match should be paid within this; later, the platform is told (the seed's same-day pay, "paid within two hours").</summary>
    public static readonly TimeSpan PayWithin = TimeSpan.FromHours(2);

    /// <summary>A worker matched again at the same station within this counts as coming back (repeat use).</summary>
    public static readonly TimeSpan ComesBackWithin = TimeSpan.FromDays(30);

    /// <summary>How long one host's claim on an overdue notice holds before another host may send it.</summary>
    public static readonly TimeSpan NoticeLease = TimeSpan.FromMinutes(5);

    /// <summary>An event's time may lie this far back from its receipt (as a hazard report's <c>observedAt</c>), else it is a 400.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    /// <summary>An event's time may lie this far ahead of its receipt (the signature's clock tolerance).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(5);

    public const int MaxWorkersWanted = 10_000;

    /// <summary>Whether an event's own time lies in the window around its receipt.</summary>
    public static bool InWindow(DateTimeOffset at, DateTimeOffset receivedAt) => at >= receivedAt - MaxAge && at <= receivedAt + MaxAhead;

    /// <summary>The largest pay or wage the hub takes for one job or match: 1,000,000 yuan, in fen.</summary>
    public const long MaxFen = 100_000_000;
}

/// <summary>
/// One gig-work event, received and queued before it is recorded; the queue function applies it
/// (idempotently, by <see cref="EventId"/>). <see cref="At"/> is the event's own time
/// (<c>postedAt</c>, <c>matchedAt</c>, <c>completedAt</c>, <c>paidAt</c>; none for a cancellation).
/// The worker is only ever a keyed pseudonym.
/// </summary>
public sealed record GigWorkEvent(
    int SchemaVersion,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string EventId,
    string AttemptId,
    GigEventKind Kind,
    string PlatformId,
    string SubjectId,
    DateTimeOffset? At = null,
    string? JobId = null,
    string? StationId = null,
    int? WorkersWanted = null,
    string? Trade = null,
    long? PayFen = null,
    string? WorkerPseudonym = null,
    long? AmountFen = null,
    string? Reason = null)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>The hub's id of an event, unique per platform: <c>made~m-1</c>.</summary>
    public static string HubIdFor(GigEventKind kind, string subjectId) => GigWorkTypes.ShortName(kind) + "~" + subjectId;

    public static string EventIdFor(string platformId, string hubId) => platformId + "~" + hubId;

    /// <summary>The hub's id of this event, as its platform sees it.</summary>
    [JsonIgnore]
    public string HubId => HubIdFor(Kind, SubjectId);
}

/// <summary>What became of an event: applied, waiting for an earlier one, or rejected with a reason.</summary>
public static class GigEventStatus
{
    public const string Received = "received";
    public const string Pending = "pending";
    public const string Applied = "applied";
    public const string Rejected = "rejected";
}

/// <summary>An event's record (partition <c>ev~{eventId}</c>): its insert makes intake idempotent; its status is what the platform reads.</summary>
public sealed class GigEventEntity : ITableEntity
{
    public const string Row = "event";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string HubId { get; set; } = string.Empty;
    public string Type { get; set; } = string.Empty;
    public string PlatformId { get; set; } = string.Empty;
    public string Status { get; set; } = GigEventStatus.Received;
    public string? Reason { get; set; }
    public string AttemptId { get; set; } = string.Empty;
    public DateTimeOffset ReceivedAt { get; set; }

    public static string PartitionFor(string eventId) => "ev~" + eventId;
}

/// <summary>A job (partition <c>job~{platform}~{jobId}</c>, row <c>job</c>); matches waiting for it have rows <c>m~{matchId}</c> beside it.</summary>
public sealed class GigJobEntity : ITableEntity
{
    public const string Row = "job";
    public const string WaitingPrefix = "m~";

    /// <summary>A worker's place on the job (row <c>w~{pseudonym}</c>, with the match that holds it): one worker, one match per job.</summary>
    public const string ClaimPrefix = "w~";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string PlatformId { get; set; } = string.Empty;
    public string JobId { get; set; } = string.Empty;
    public string StationId { get; set; } = string.Empty;
    public int WorkersWanted { get; set; }
    public string Trade { get; set; } = string.Empty;
    public long? PayFen { get; set; }
    public DateTimeOffset PostedAt { get; set; }

    /// <summary>
    /// The places taken: one per match applied to the job, never more than <see cref="WorkersWanted"/>.
    /// Raised only in the same entity-group transaction that inserts the match's claim row
    /// (<see cref="ClaimPrefix"/>), under this row's ETag.
    /// </summary>
    public int MatchesTaken { get; set; }

    /// <summary>When the hub recorded it: the ledger day it counts in.</summary>
    public DateTimeOffset RecordedAt { get; set; }
    public string AttemptId { get; set; } = string.Empty;

    public static string PartitionFor(string platformId, string jobId) => "job~" + platformId + "~" + jobId;
}

/// <summary>
/// A match (partition <c>match~{platform}~{matchId}</c>, row <c>match</c>): every event received
/// for it, applied or waiting, and what became of each. Its ETag guards every change, so events
/// that arrive together, in any order, settle to one state.
/// </summary>
public sealed class GigMatchEntity : ITableEntity
{
    public const string Row = "match";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string PlatformId { get; set; } = string.Empty;
    public string MatchId { get; set; } = string.Empty;

    // gig_match.made
    public string? MadeStatus { get; set; }
    public string? MadeReason { get; set; }
    public string? JobId { get; set; }
    public string? WorkerPseudonym { get; set; }
    public DateTimeOffset? MatchedAt { get; set; }
    public string? StationId { get; set; }
    public bool? Returning { get; set; }

    /// <summary>When the hub applied <c>made</c> (its ledger day); likewise for the other events.</summary>
    public DateTimeOffset? MadeRecordedAt { get; set; }

    // gig_match.completed
    public string? CompletedStatus { get; set; }
    public string? CompletedReason { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? CompletedRecordedAt { get; set; }

    // gig_match.paid
    public string? PaidStatus { get; set; }
    public string? PaidReason { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public long? AmountFen { get; set; }
    public DateTimeOffset? PaidRecordedAt { get; set; }

    // gig_match.cancelled
    public string? CancelledStatus { get; set; }
    public string? CancelledReason { get; set; }
    public string? CancelReason { get; set; }
    public DateTimeOffset? CancelledRecordedAt { get; set; }

    // gig_match.payment_overdue
    public DateTimeOffset? OverdueClaimedAt { get; set; }
    public DateTimeOffset? OverdueNotifiedAt { get; set; }

    public int Version { get; set; }

    public static string PartitionFor(string platformId, string matchId) => "match~" + platformId + "~" + matchId;

    public bool IsMade => MadeStatus == GigEventStatus.Applied;

    public bool IsCompleted => CompletedStatus == GigEventStatus.Applied;

    public bool IsPaid => PaidStatus == GigEventStatus.Applied;

    public bool IsCancelled => CancelledStatus == GigEventStatus.Applied;

    /// <summary>When the payment falls due: completed, not paid or cancelled.</summary>
    public DateTimeOffset? PaymentDueAt => IsCompleted && !IsPaid && !IsCancelled ? CompletedAt + GigWorkRules.PayWithin : null;

    /// <summary>Minutes from completion to pay, when both are applied (a pay is applied only at or after its completion).</summary>
    public long? MinutesToPay => IsPaid && IsCompleted
        ? (long)Math.Max(0, Math.Floor((PaidAt!.Value - CompletedAt!.Value).TotalMinutes))
        : null;
}

/// <summary>Keys ordered by time, as the payment index and the workers' histories use them.</summary>
public static class TimeKeys
{
    public const string Format = "yyyyMMddHHmmssfff";

    public static string Of(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}
