using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.HazardReports;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.GigWork;

/// <summary>
/// <c>POST /api/v1/platforms/{platformId}/gig-work</c>: <c>gig_job.posted</c> and
/// <c>gig_match.made|completed|paid|cancelled</c>, with the same signing, validation and
/// idempotency as every webhook (<see cref="SignedIntake"/>: the webhook-id claimed, then queue first). The worker id
/// is replaced by a keyed pseudonym here and never stored raw. The event is applied by the queue
/// function: in any order, each at most once; what became of it (applied, waiting for its match's
/// <c>made</c>, or rejected and why) is at its status URL.
/// </summary>
public sealed class GigWorkIntake(
    HubRegistry registry,
    Pseudonyms pseudonyms,
    GigWorkBook book,
    TimeProvider time,
    ILogger<GigWorkIntake> logger) : IWebhookRoute
{
    public IReadOnlyCollection<string> Types => GigWorkTypes.Accepted;

    public TableClient ClaimTable => book.ClaimTable;

    public Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var fields = new FieldReader();
        if (Parse(webhook, fields) is not { } gigEvent)
        {
            return Task.FromResult<OrProblem<WebhookItem>>(Problem.BadRequest("The gig-work event is not valid.", fields.Errors));
        }

        // A webhook-id names one event (its hub id): the same id with another body gets that event's answer.
        var platformId = gigEvent.PlatformId;
        return Task.FromResult<OrProblem<WebhookItem>>(new WebhookItem(
            gigEvent.HubId,
            async token =>
            {
                if (await book.AcceptAsync(gigEvent, token))
                {
                    Log.EventAccepted(logger, gigEvent.EventId, gigEvent.Kind);
                    return AnswerFor(platformId, gigEvent.HubId).Response(StatusCodes.Accepted);
                }

                return AnswerFor(platformId, gigEvent.HubId).Response(StatusCodes.Ok);
            },
            (held, _) => Task.FromResult(AnswerFor(platformId, held).Response(StatusCodes.Ok)),
            // A retried webhook-id: the first answer when the event's record is stored (one read), nothing queued.
            async token => await book.FindEventAsync(gigEvent.EventId, token) is null ? null : AnswerFor(platformId, gigEvent.HubId).Response(StatusCodes.Ok)));
    }

    private static WebhookAnswer AnswerFor(string platformId, string hubId) => new(hubId, GigEventStatus.Received, StatusUrlFor(platformId, hubId));

    public static string StatusUrlFor(string platformId, string hubId) =>
        "/" + Routes.GigWorkStatus.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{hubId}", Uri.EscapeDataString(hubId), StringComparison.Ordinal);

    private GigWorkEvent? Parse(VerifiedWebhook webhook, FieldReader fields)
    {
        var data = webhook.Data;
        var platformId = webhook.Platform.Id;
        var kind = GigWorkTypes.KindOf(webhook.Type);
        string? subject;
        GigWorkEvent? parsed = null;
        var attemptId = Guid.NewGuid().ToString("N");
        var now = time.GetUtcNow();
        GigWorkEvent Event(string subjectId) =>
            new(GigWorkEvent.CurrentSchemaVersion, webhook.WebhookId, now, GigWorkEvent.EventIdFor(platformId, GigWorkEvent.HubIdFor(kind, subjectId)), attemptId, kind, platformId, subjectId);

        switch (kind)
        {
            case GigEventKind.JobPosted:
            {
                subject = fields.Identifier(data, "jobId", "data.jobId");
                var stationId = fields.Identifier(data, "stationId", "data.stationId");
                if (stationId is not null && registry.FindStation(stationId) is null)
                {
                    fields.Fail("data.stationId", "is not a station the hub serves.");
                }

                var wanted = fields.Integer(data, "workersWanted", "data.workersWanted", 1, GigWorkRules.MaxWorkersWanted);
                var trade = fields.String(data, "trade", "data.trade", maxLength: 64);
                var postedAt = InWindow(fields, fields.Timestamp(data, "postedAt", "data.postedAt"), "data.postedAt", now);
                var pay = fields.Integer(data, "payFen", "data.payFen", 0, GigWorkRules.MaxFen, required: false);
                if (!fields.HasErrors)
                {
                    parsed = Event(subject!) with { At = postedAt, JobId = subject, StationId = stationId, WorkersWanted = (int)wanted!.Value, Trade = trade, PayFen = pay };
                }

                break;
            }

            case GigEventKind.MatchMade:
            {
                subject = fields.Identifier(data, "matchId", "data.matchId");
                var jobId = fields.Identifier(data, "jobId", "data.jobId");
                var workerId = fields.String(data, "workerId", "data.workerId", maxLength: 128);
                var matchedAt = InWindow(fields, fields.Timestamp(data, "matchedAt", "data.matchedAt"), "data.matchedAt", now);
                if (!fields.HasErrors)
                {
                    parsed = Event(subject!) with { At = matchedAt, JobId = jobId, WorkerPseudonym = pseudonyms.Keyed("gig-worker", platformId, workerId!) };
                }

                break;
            }

            case GigEventKind.MatchCompleted:
            {
                subject = fields.Identifier(data, "matchId", "data.matchId");
                var completedAt = InWindow(fields, fields.Timestamp(data, "completedAt", "data.completedAt"), "data.completedAt", now);
                if (!fields.HasErrors)
                {
                    parsed = Event(subject!) with { At = completedAt };
                }

                break;
            }

            case GigEventKind.MatchPaid:
            {
                subject = fields.Identifier(data, "matchId", "data.matchId");
                var paidAt = InWindow(fields, fields.Timestamp(data, "paidAt", "data.paidAt"), "data.paidAt", now);
                var amount = fields.Integer(data, "amountFen", "data.amountFen", 0, GigWorkRules.MaxFen);
                if (!fields.HasErrors)
                {
                    parsed = Event(subject!) with { At = paidAt, AmountFen = amount };
                }

                break;
            }

            default:
            {
                subject = fields.Identifier(data, "matchId", "data.matchId");
                var reason = fields.String(data, "reason", "data.reason", maxLength: 500);
                if (!fields.HasErrors)
                {
                    parsed = Event(subject!) with { Reason = reason };
                }

                break;
            }
        }

        return parsed;
    }

    /// <summary>An event's time within 30 days back and 5 minutes ahead of its receipt (as hazard reports' <c>observedAt</c>), else a field error.</summary>
    private static DateTimeOffset? InWindow(FieldReader fields, DateTimeOffset? at, string path, DateTimeOffset now)
    {
        if (at is not { } value || GigWorkRules.InWindow(value, now))
        {
            return at;
        }

        fields.Fail(path, value > now
            ? $"is in the future (more than {GigWorkRules.MaxAhead.TotalMinutes:0} minutes ahead)."
            : $"is more than {GigWorkRules.MaxAge.TotalDays:0} days ago; send gig work of the last {GigWorkRules.MaxAge.TotalDays:0} days.");
        return null;
    }
}
