using System.Text.RegularExpressions;
using Azure.Data.Tables;
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
public sealed partial class PointsIntake(
    HubRegistry registry,
    Pseudonyms pseudonyms,
    PointsBook book,
    TimeProvider time,
    ILogger<PointsIntake> logger) : IWebhookRoute
{
    public const string EarnedType = "points.earned";
    public const string RedeemedType = "points.redeemed";
    public const string ReversedType = "points.reversed";

    public IReadOnlyCollection<string> Types { get; } = [EarnedType, RedeemedType, ReversedType];

    public TableClient ClaimTable => book.ClaimTable;

    public Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken) =>
        Task.FromResult(Parse(webhook));

    private OrProblem<WebhookItem> Parse(VerifiedWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var fields = new FieldReader();
        var data = webhook.Data;
        var transactionId = fields.Identifier(data, "transactionId", "data.transactionId");
        var courierId = fields.String(data, "courierId", "data.courierId", maxLength: 128, pattern: CourierIdPattern(), patternHint: CourierIdHint);
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
                var price = task is null ? null : registry.FindTask(task);
                if (task is not null && price is null)
                {
                    fields.Fail("data.task", "is not a task of the governance pricing catalog.");
                }
                else if (price is { HubOnly: true })
                {
                    fields.Fail("data.task", "is issued only by the hub (for a hazard report a city resolved as valid), never by a platform.");
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
            return Problem.BadRequest("The points transaction is not valid.", fields.Errors);
        }

        var platformId = webhook.Platform.Id;
        var courier = pseudonyms.Courier(platformId, courierId!);
        var hubTransactionId = PointsBook.PlatformTransactionId(platformId, transactionId!);
        var transaction = new PointsTransactionRequested(
            PointsTransactionRequested.CurrentSchemaVersion,
            webhook.WebhookId,
            time.GetUtcNow(),
            hubTransactionId,
            kind,
            platformId,
            courier,
            task,
            reward,
            kind == PointsKind.Reversed ? PointsBook.PlatformTransactionId(platformId, reference!) : reference,
            stationId,
            PlatformTransactionId: transactionId,
            AttemptId: Guid.NewGuid().ToString("N"));

        // The same webhook-id with another body (another transaction) gets the first one's answer and applies nothing.
        return new WebhookItem(
            PointsBook.ClaimIdFor(courier, hubTransactionId),
            token => AcceptAsync(transaction, token),
            (held, token) => FirstAnswerAsync(platformId, PointsBook.ClaimedBy(held), "That webhook-id is being applied for another transaction; retry to get its answer.", token),
            token => AnswerIfStoredAsync(platformId, courier, hubTransactionId, token));
    }

    /// <summary>A retried webhook-id: the first answer when the transaction's record is stored (one read, nothing queued), null when it is not yet.</summary>
    private async Task<HubResponse?> AnswerIfStoredAsync(string platformId, string courier, string transactionId, CancellationToken cancellationToken) =>
        await book.FindTransactionAsync(courier, transactionId, cancellationToken) is { } first
            ? Answer(platformId, new PointsOutcome(first, Repeat: true))
            : null;

    private async Task<HubResponse> AcceptAsync(PointsTransactionRequested transaction, CancellationToken cancellationToken)
    {
        // A transaction id belongs to the first courier it was sent for: sent again for another courier,
        // it gets that first answer and nothing is applied (nor queued) for this one.
        var platformId = transaction.PlatformId;
        var (owner, newId) = await book.ClaimTransactionIdAsync(platformId, transaction.PlatformTransactionId!, transaction.CourierPseudonym, cancellationToken);
        if (owner != transaction.CourierPseudonym)
        {
            return await FirstAnswerAsync(platformId, (owner, transaction.TransactionId), "That transactionId is being applied for another courier; retry to get its answer.", cancellationToken);
        }

        // Queue first (the queue function applies it if this request stops half-way), then apply: a new
        // transaction id has no record to look for.
        var outcome = await book.QueueThenApplyAsync(transaction, newId, cancellationToken);
        Log.Applied(logger, transaction.TransactionId, outcome.Record.Kind, outcome.Record.Status, outcome.Repeat);
        // Applied by the queue function from this request's own message is still this request's first answer.
        var repeat = outcome.Repeat && outcome.Record.AttemptId != transaction.AttemptId;
        return Answer(platformId, outcome with { Repeat = repeat });
    }

    /// <summary>The answer of the transaction that holds a webhook-id or transaction id first (200); a 409 while it is still being applied.</summary>
    private async Task<HubResponse> FirstAnswerAsync(string platformId, (string Courier, string TransactionId) held, string whileApplying, CancellationToken cancellationToken) =>
        await book.FindTransactionAsync(held.Courier, held.TransactionId, cancellationToken) is { } first
            ? Answer(platformId, new PointsOutcome(first, Repeat: true))
            : HubResponse.Problem(Problem.Conflict(whileApplying));

    /// <summary>Platforms' transaction ids are unique per platform; the hub's are prefixed by it.</summary>
    public static string HubTransactionId(string platformId, string transactionId) => PointsBook.PlatformTransactionId(platformId, transactionId);

    /// <summary>
    /// Where the platform reads the courier's balance and history: the courier named by the platform's
    /// own pseudonym of it (<c>cp_…</c>, as in its notices), so the answer is made from the record alone.
    /// </summary>
    public static string StatusUrlFor(string platformId, string courierRef) =>
        "/" + Routes.CourierPoints.Replace("{platformId}", platformId, StringComparison.Ordinal).Replace("{courierId}", Uri.EscapeDataString(courierRef), StringComparison.Ordinal);

    /// <summary>The answer, made from the stored record only: the same transaction always gets the same bytes.</summary>
    private HubResponse Answer(string platformId, PointsOutcome outcome)
    {
        var record = outcome.Record;
        if (!outcome.Applied)
        {
            return HubResponse.Problem(new Problem("urn:stationhub:problem:points-rejected", "The points transaction was rejected.", StatusCodes.Conflict, record.Reason));
        }

        var statusUrl = StatusUrlFor(platformId, book.PlatformCourierRef(platformId, PointsBook.CourierOf(record)));
        var answer = new PointsAnswer(PointsBook.TransactionIdOf(record), TransactionStatus.Applied, statusUrl, record.Points, record.VoucherCode);
        return HubResponse.Json(outcome.Repeat ? StatusCodes.Ok : StatusCodes.Accepted, answer, HubJsonContext.Default.PointsAnswer);
    }

    /// <summary>
    /// What a courier id may be: what the points route (<c>…/couriers/{courierId}/points</c>) carries
    /// back unchanged, so a platform can always read its courier back. No '/', '\\', '%', spaces or
    /// controls; not "." or ".." (path segments a URL normaliser removes); and not <c>cp_…</c>, which
    /// names a courier by the platform's pseudonym of it.
    /// </summary>
    public const string CourierIdHint = "must be 1 to 128 of A-Z, a-z, 0-9, '.', '_', '-', '~', ':', '@' and '+', not '.' or '..', and not starting with 'cp_'.";

    [GeneratedRegex(@"\A(?!\.{1,2}\z)(?!cp_)[A-Za-z0-9._~:@+\-]{1,128}\z", RegexOptions.CultureInvariant)]
    public static partial Regex CourierIdPattern();
}

/// <summary>The answer to an applied points transaction.</summary>
public sealed record PointsAnswer(string HubId, string Status, string StatusUrl, long Points, string? VoucherCode);
