using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// The one intake every platform webhook route goes through, in one fixed order: verify
/// (<see cref="PlatformWebhooks"/>: platform, size, signature, rate, media type, JSON, envelope) →
/// parse (the route's <see cref="IWebhookRoute.ParseAsync"/>: fields, and whatever must be checked
/// before anything is written) → claim the webhook-id (<see cref="WebhookIdClaims"/>, in the route's
/// own table) → accept (the item's own step: queue first and store, <see cref="Storage.QueueFirst.AcceptAsync"/>,
/// or queue then apply, <see cref="Storage.QueueFirst.ThenApplyAsync"/>). The same webhook-id that already
/// named another item gets that item's answer (200) and nothing is made. The same webhook-id again for
/// the same item (a platform's retry) is answered from the stored item (<see cref="WebhookItem.AnswerIfStoredAsync"/>,
/// one read) and nothing is queued: about three requests (the claim's insert that fails, its read, the
/// item's read). Only when the item is not stored yet (the first request is still in flight, or died
/// between its claim and its queue send) is the repeat accepted as the first was, so an item whose first
/// request never queued it is queued by its retry; the item's own attempt id keeps it made once. A route is a row
/// (<c>HttpFunction.Webhook</c>) that names its <see cref="IWebhookRoute"/>; it has no handler of its
/// own to forget a step in.
/// </summary>
public sealed partial class SignedIntake(PlatformWebhooks webhooks, ILogger<SignedIntake> logger)
{
    public async Task<HubResponse> RunAsync(IWebhookRoute route, HubRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(request);
        var read = webhooks.Read(request, route.Types);
        if (read.Problem is { } problem)
        {
            Log.Refused(logger, request.Route("platformId"), problem.Status, problem.Detail);
            return HubResponse.Problem(problem);
        }

        using var webhook = read.Value!;
        var parsed = await route.ParseAsync(webhook, cancellationToken);
        if (parsed.Problem is { } refusal)
        {
            Log.Refused(logger, webhook.Platform.Id, refusal.Status, refusal.Detail);
            return HubResponse.Problem(refusal);
        }

        var item = parsed.Value!;
        var claim = await WebhookIdClaims.ClaimOrFindAsync(route.ClaimTable, webhook.Platform.Id, webhook.WebhookId, item.ClaimId, cancellationToken);
        if (claim.ItemId != item.ClaimId)
        {
            // The same webhook-id with another body: the first item's answer, and nothing made.
            Log.WebhookIdReused(logger, webhook.Platform.Id, webhook.Type);
            return await item.AnswerClaimedAsync(claim.ItemId, cancellationToken);
        }

        if (!claim.IsNew && await item.AnswerIfStoredAsync(cancellationToken) is { } first)
        {
            // A retry of an item already stored (so already queued: the send comes before the store): the first answer, nothing queued.
            Log.Repeated(logger, webhook.Platform.Id, webhook.Type);
            return first;
        }

        return await item.AcceptAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9601, Level = LogLevel.Information, Message = "Webhook refused for platform {PlatformId}: {Status} {Reason}")]
        public static partial void Refused(ILogger logger, string platformId, int status, string? reason);

        [LoggerMessage(EventId = 9602, Level = LogLevel.Warning, Message = "A webhook-id of platform {PlatformId} came again with another body ({Type}); answered with the first item")]
        public static partial void WebhookIdReused(ILogger logger, string platformId, string type);

        [LoggerMessage(EventId = 9603, Level = LogLevel.Information, Message = "A webhook-id of platform {PlatformId} came again for an item already stored ({Type}); answered without queueing")]
        public static partial void Repeated(ILogger logger, string platformId, string type);
    }
}

/// <summary>What a platform webhook route adds to <see cref="SignedIntake"/>: its types, where its claims live, and how it reads an item.</summary>
public interface IWebhookRoute
{
    /// <summary>The envelope types the route takes.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <summary>The flow's own table, where each webhook-id's claim is one row (<see cref="WebhookIdClaims"/>).</summary>
    TableClient ClaimTable { get; }

    /// <summary>Reads the item from a verified webhook, or the problem to answer (nothing written either way).</summary>
    Task<OrProblem<WebhookItem>> ParseAsync(VerifiedWebhook webhook, CancellationToken cancellationToken);
}

/// <summary>An item a webhook names: what its webhook-id claims, how it is accepted, and its answer when another item holds the id.</summary>
public sealed class WebhookItem(
    string claimId,
    Func<CancellationToken, Task<HubResponse>> accept,
    Func<string, CancellationToken, Task<HubResponse>> answerClaimed,
    Func<CancellationToken, Task<HubResponse?>>? answerIfStored = null)
{
    /// <summary>The item the webhook-id names (a hub id, or a kind and a hub id).</summary>
    public string ClaimId { get; } = claimId;

    /// <summary>Queue first and store, or queue then apply; answers 202 (or 200 for this item's repeat).</summary>
    public Task<HubResponse> AcceptAsync(CancellationToken cancellationToken) => accept(cancellationToken);

    /// <summary>The answer about the item <paramref name="heldBy"/> that claimed the webhook-id first.</summary>
    public Task<HubResponse> AnswerClaimedAsync(string heldBy, CancellationToken cancellationToken) => answerClaimed(heldBy, cancellationToken);

    /// <summary>
    /// For a repeat of this item's webhook-id: the first answer when the item is already stored (one
    /// read, nothing queued), or null when it is not (accept it as the first request would). A route
    /// whose accept step already decides a repeat before queueing anything leaves this out.
    /// </summary>
    public async Task<HubResponse?> AnswerIfStoredAsync(CancellationToken cancellationToken) =>
        answerIfStored is null ? null : await answerIfStored(cancellationToken);
}

/// <summary>
/// The answer to an accepted webhook: where to follow the item (the <c>Location</c> header says the
/// same). A hazard report's duplicate decision follows in its status resource, not here (v1.2).
/// </summary>
public sealed record WebhookAnswer(
    string HubId,
    string Status,
    string StatusUrl)
{
    /// <summary>202 for a new item, 200 for a repeat or a webhook-id another item holds.</summary>
    public HubResponse Response(int status) =>
        HubResponse.Json(status, this, HubJsonContext.Default.WebhookAnswer, new Dictionary<string, string> { ["Location"] = StatusUrl });
}
