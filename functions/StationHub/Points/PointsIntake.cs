using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;
using StationHub.Platform.Webhooks;
using StationHub.Triggers;

namespace StationHub.Points;

/// <summary>
/// <c>POST /api/v1/platforms/{platformId}/points-transactions</c>: <c>points.earned</c>,
/// <c>points.redeemed</c>, <c>points.reversed</c>. Amounts come only from the catalog. The
/// transaction is queued, then applied at once, so the platform learns the outcome in the answer:
/// 202 applied (with the voucher code of a redemption), or a 409 whose rejection is recorded —
/// the same transaction id always gets the same answer.
/// </summary>
public sealed class PointsIntake(
    PlatformWebhooks webhooks,
    HubRegistry registry,
    Pseudonyms pseudonyms,
    PointsBook book,
    HubStorage storage,
    TimeProvider time,
    ILogger<PointsIntake> logger)
{
    public const string EarnedType = "points.earned";
    public const string RedeemedType = "points.redeemed";
    public const string ReversedType = "points.reversed";

    private static readonly string[] AcceptedTypes = [EarnedType, RedeemedType, ReversedType];

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var read = webhooks.Read(request, AcceptedTypes);
        if (read.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        using var webhook = read.Webhook!;
        var fields = new FieldReader();
        var data = webhook.Data;
        var transactionId = fields.Identifier(data, "transactionId", "data.transactionId");
        var courierId = fields.String(data, "courierId", "data.courierId", maxLength: 128);
        string? task = null, reward = null, reference = null;
        var kind = webhook.Type switch
        {
            EarnedType => PointsKind.Earned,
            RedeemedType => PointsKind.Redeemed,
            _ => PointsKind.Reversed,
        };
        switch (kind)
        {
            case PointsKind.Earned:
                task = fields.String(data, "task", "data.task", maxLength: 64);
                if (task is not null && registry.FindTask(task) is null)
                {
                    fields.Fail("data.task", "is not a task of the governance pricing catalog.");
                }

                reference = fields.String(data, "reference", "data.reference", required: false, maxLength: 128);
                break;
            case PointsKind.Redeemed:
                reward = fields.String(data, "reward", "data.reward", maxLength: 64);
                if (reward is not null && registry.FindReward(reward) is null)
                {
                    fields.Fail("data.reward", "is not a reward of the service exchange list.");
                }

                break;
            default:
                reference = fields.Identifier(data, "reference", "data.reference");
                break;
        }

        var stationId = fields.Identifier(data, "stationId", "data.stationId", required: false);
        if (stationId is not null && registry.FindStation(stationId) is null)
        {
            fields.Fail("data.stationId", "is not a station the hub serves.");
        }

        if (fields.HasErrors)
        {
            return HubResponse.Problem(Problem.BadRequest("The points transaction is not valid.", fields.Errors));
        }

        var platformId = webhook.Platform.Id;
        var transaction = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion,
            webhook.WebhookId,
            time.GetUtcNow(),
            HubTransactionId(platformId, transactionId!),
            kind,
            platformId,
            pseudonyms.Courier(platformId, courierId!),
            task,
            reward,
            kind == PointsKind.Reversed ? HubTransactionId(platformId, reference!) : reference,
            stationId,
            PlatformTransactionId: transactionId,
            AttemptId: Guid.NewGuid().ToString("N"));

        // Queue first (the queue function applies it if this request stops half-way), then apply.
        await storage.SendAsync(Queues.PointsTransactions, transaction, HubJsonContext.Default.PointsTransactionRequested, cancellationToken: cancellationToken);
        var outcome = await book.ApplyAsync(transaction, cancellationToken);
        Log.Applied(logger, transaction.TransactionId, outcome.Record.Kind, outcome.Record.Status, outcome.Repeat);
        // Applied by the queue function from this request's own message is still this request's first answer.
        var repeat = outcome.Repeat && outcome.Record.AttemptId != transaction.AttemptId;
        return Answer(StatusUrlFor(platformId, courierId!), outcome with { Repeat = repeat });
    }

    /// <summary>Platforms' transaction ids are unique per platform; the hub's are prefixed by it.</summary>
    public static string HubTransactionId(string platformId, string transactionId) => platformId + "~" + transactionId;

    /// <summary>Where the platform reads the courier's balance and history.</summary>
    public static string StatusUrlFor(string platformId, string courierId) =>
        "/" + Routes.CourierPoints.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{courierId}", Uri.EscapeDataString(courierId), StringComparison.Ordinal);

    private static HubResponse Answer(string statusUrl, PointsOutcome outcome)
    {
        var record = outcome.Record;
        if (!outcome.Applied)
        {
            return HubResponse.Problem(new Problem("urn:stationhub:problem:points-rejected", "The points transaction was rejected.", StatusCodes.Conflict, record.Reason));
        }

        var hubId = record.RowKey["tx~".Length..];
        var answer = new PointsAnswer(hubId, TransactionStatus.Applied, statusUrl, record.Points, record.VoucherCode);
        return HubResponse.Json(outcome.Repeat ? StatusCodes.Ok : StatusCodes.Accepted, answer, HubJsonContext.Default.PointsAnswer);
    }
}

/// <summary>The answer to an applied points transaction.</summary>
public sealed record PointsAnswer(string HubId, string Status, string StatusUrl, long Points, string? VoucherCode);
