using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Security;
using StationHub.Platform.Storage;

namespace StationHub.PickupOrders;

/// <summary>
/// What station staff do with a parcel: mark it arrived (the hub makes the pickup code and sends
/// it to the platform), hand it over against the code, and unlock an order locked by wrong codes.
/// Orders are named by their hub id (the <c>hubId</c> the platform got, printed on the label).
/// Each action takes an <c>Idempotency-Key</c> (<see cref="IdempotencyKey"/>, scoped by the station): a
/// retry with the key gets the first answer byte for byte, also when the first answer was lost (a
/// collection that went through is known by its key on the order), and the key on another action or
/// order, or with another code, is a 422. A keyed action costs one read and one write more.
/// </summary>
public sealed partial class StationActions(PickupOrderStore store, PickupCodes codes, TimeProvider time, ILogger<StationActions> logger)
{
    /// <summary>Wrong codes allowed before the order locks.</summary>
    public const int MaxWrongCodes = 5;

    private const string KeyPurpose = "station-action";
    private const string KeyReused = "Each station action takes its own key; a retry of one action sends the same key and body.";

    public Task<HubResponse> ArrivalAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        KeyedAsync(request, "arrival", readsCode: false, (entity, _, _) => ArriveAsync(entity, cancellationToken), cancellationToken);

    public Task<HubResponse> CollectionAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        KeyedAsync(request, "collection", readsCode: true, (entity, code, keyDigest) => CollectAsync(entity, code!, keyDigest, cancellationToken), cancellationToken);

    public Task<HubResponse> UnlockAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        KeyedAsync(request, "unlock", readsCode: false, (entity, _, _) => UnlockAsync(entity, cancellationToken), cancellationToken);

    /// <summary>
    /// The key (400), the order (404), the body (400; who may act is the runner's, by the row's caller); then the answer kept under
    /// the key, or the action's answer, kept under the key when there is one. Refusals before the action
    /// are not kept: they change nothing, and a retry meets them again.
    /// </summary>
    private async Task<HubResponse> KeyedAsync(HubRequest request, string action, bool readsCode, Func<OrderEntity, string?, string?, Task<HubResponse>> act, CancellationToken cancellationToken)
    {
        var stationId = request.Route("stationId");
        var orderId = request.Route("orderId");
        if (!IdempotencyKey.TryRead(request.Header(IdempotencyKey.Header), out var key, out var keyError))
        {
            return HubResponse.Problem(IdempotencyKey.Invalid(keyError));
        }

        var entity = await store.FindAsync(orderId, cancellationToken);
        if (entity is null || entity.ToOrder().StationId != stationId)
        {
            return HubResponse.Problem(Problem.NotFound("No order of this station has that id."));
        }

        string? code = null;
        if (readsCode)
        {
            code = ReadCode(request, out var problem);
            if (problem is not null)
            {
                return HubResponse.Problem(problem);
            }
        }

        if (key is null)
        {
            return await act(entity, code, null);
        }

        var keyDigest = IdempotencyKey.Digest(KeyPurpose, stationId, key);
        var subject = action + " " + orderId + (code is null ? string.Empty : " " + codes.Digest(orderId, code));
        if (await store.FindKeyedAnswerAsync(stationId, keyDigest, cancellationToken) is { } kept)
        {
            return IdempotencyKey.Replay(kept, subject, KeyReused);
        }

        var answer = await act(entity, code, keyDigest);
        var first = await store.KeepKeyedAnswerAsync(stationId, keyDigest, KeyedAnswer.Of(subject, answer), cancellationToken);
        return IdempotencyKey.Replay(first, subject, KeyReused);
    }

    private async Task<HubResponse> ArriveAsync(OrderEntity entity, CancellationToken cancellationToken)
    {
        var code = codes.NewCode();
        var change = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, Guid.NewGuid().ToString("N"), time.GetUtcNow(), PickupOrderEventKind.Arrived, entity.PartitionKey, Guid.NewGuid().ToString("N"), PickupCode: code);
        var outcome = await PickupOrderChanges.ApplyAsync(store, entity.PartitionKey, change, codes.Digest(entity.PartitionKey, code), entity, cancellationToken);
        return outcome.Result switch
        {
            ChangeResult.Applied or ChangeResult.AlreadyThere => View(outcome.Entity!),
            ChangeResult.Refused => HubResponse.Problem(Problem.Conflict($"The order is {outcome.Entity!.Status}; it cannot arrive now.")),
            _ => HubResponse.Problem(Problem.NotFound("No order of this station has that id.")),
        };
    }

    private async Task<HubResponse> CollectAsync(OrderEntity entity, string code, string? keyDigest, CancellationToken cancellationToken)
    {
        var hubId = entity.PartitionKey;
        return await Optimistic.RetryAsync($"Order {hubId}", async attempt =>
        {
            if (attempt > 0)
            {
                entity = await store.FindAsync(hubId, cancellationToken) ?? throw new InvalidOperationException($"Order {hubId} vanished.");
            }

            if (CollectedUnder(entity, keyDigest))
            {
                // This very collection went through, but its answer was lost (a 503 after the write): the same answer.
                return Attempt<HubResponse>.Done(View(entity));
            }

            if (entity.CurrentStatus != PickupOrderStatus.Arrived)
            {
                return Attempt<HubResponse>.Done(HubResponse.Problem(Problem.Conflict($"The order is {entity.Status}; only an arrived order can be collected.")));
            }

            if (entity.Locked)
            {
                return Attempt<HubResponse>.Done(Locked());
            }

            if (codes.Matches(hubId, code, entity.CodeDigest))
            {
                // The key travels with the queued change: if this request's write does not land (a 503), the
                // router applies the change from its message, and the order still knows whose it was.
                var change = new PickupOrderEvent(PickupOrderEvent.CurrentSchemaVersion, Guid.NewGuid().ToString("N"), time.GetUtcNow(), PickupOrderEventKind.Collected, hubId, Guid.NewGuid().ToString("N"), ActionKey: keyDigest);
                var outcome = await PickupOrderChanges.ApplyAsync(store, hubId, change, null, entity, cancellationToken);

                // Applied now; or by the router from this very change's queued event before this request's write
                // landed (the event is queued first, so on a busy host it can be applied first); or from the first
                // try's queued change between this retry's read and its write (the soak found it): either way this
                // collection went through.
                return Attempt<HubResponse>.Done(outcome.Result == ChangeResult.Applied || AppliedAs(outcome.Entity, change) || CollectedUnder(outcome.Entity, keyDigest)
                    ? View(outcome.Entity!)
                    : HubResponse.Problem(Problem.Conflict($"The order is {outcome.Entity?.Status}; it was not collected now.")));
            }

            // A wrong code counts before it is answered, under the order's ETag: parallel guesses
            // each land one count, so the limit holds however many arrive at once.
            entity.WrongCodes++;
            entity.Locked = entity.WrongCodes >= MaxWrongCodes;
            if (!await store.TryReplaceAsync(entity, cancellationToken))
            {
                return Attempt<HubResponse>.Retry;
            }

            Log.WrongCode(logger, hubId, entity.ToOrder().StationId, entity.WrongCodes);
            if (entity.Locked)
            {
                Log.Locked(logger, hubId, entity.WrongCodes);
                return Attempt<HubResponse>.Done(Locked());
            }

            return Attempt<HubResponse>.Done(HubResponse.Problem(Problem.Forbidden($"The pickup code is wrong; {MaxWrongCodes - entity.WrongCodes} tries are left before the order locks.")));
        }, cancellationToken);
    }

    /// <summary>Whether the order was collected by the request that carried this <c>Idempotency-Key</c>.</summary>
    /// <summary>The order's latest change is this very event (its attempt id), applied by whichever of request and router came first.</summary>
    private static bool AppliedAs(OrderEntity? entity, PickupOrderEvent change) =>
        entity is not null && entity.CurrentStatus == PickupOrderMachine.Target(change.Kind) && entity.LastAttemptId == change.AttemptId;

    private static bool CollectedUnder(OrderEntity? entity, string? keyDigest) =>
        keyDigest is not null && entity is { CurrentStatus: PickupOrderStatus.Collected } && entity.ActionKey == keyDigest;

    private async Task<HubResponse> UnlockAsync(OrderEntity entity, CancellationToken cancellationToken)
    {
        var unlocked = await Optimistic.RetryAsync($"Order {entity.PartitionKey}", async attempt =>
        {
            if (attempt > 0)
            {
                entity = await store.FindAsync(entity.PartitionKey, cancellationToken) ?? throw new InvalidOperationException("The order vanished.");
            }

            if (!entity.Locked && entity.WrongCodes == 0)
            {
                return Attempt<OrderEntity>.Done(entity);
            }

            entity.Locked = false;
            entity.WrongCodes = 0;
            return await store.TryReplaceAsync(entity, cancellationToken) ? Attempt<OrderEntity>.Done(entity) : Attempt<OrderEntity>.Retry;
        }, cancellationToken);
        return View(unlocked);
    }

    private static string? ReadCode(HubRequest request, out Problem? problem)
    {
        problem = null;
        if (request.BodyTooLarge)
        {
            problem = Problem.TooLarge(RequestBody.MaxBytes);
            return null;
        }

        if (!request.IsJson)
        {
            problem = Problem.UnsupportedMediaType();
            return null;
        }

        using var document = JsonBody.Parse(request.Body, out problem);
        if (document is null)
        {
            return null;
        }

        var fields = new FieldReader();
        var code = document.RootElement.ValueKind == JsonValueKind.Object
            ? fields.String(document.RootElement, "pickupCode", "pickupCode", minLength: 6, maxLength: 6, pattern: CodePattern(), patternHint: "must be six digits.")
            : null;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            fields.Fail("pickupCode", "is required.");
        }

        if (fields.HasErrors)
        {
            problem = Problem.BadRequest("The collection is not valid.", fields.Errors);
        }

        return code;
    }

    private static HubResponse Locked() =>
        HubResponse.Problem(new Problem("urn:stationhub:problem:locked", "The order is locked.", 423, $"{MaxWrongCodes} wrong pickup codes: station staff must unlock it."));

    private static HubResponse View(OrderEntity entity) =>
        HubResponse.Json(StatusCodes.Ok, PickupOrderView.Of(entity), HubJsonContext.Default.PickupOrderView);

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex CodePattern();
}

/// <summary>Pickup codes: six digits from a cryptographic generator, kept only as a keyed digest.</summary>
public sealed class PickupCodes(Pseudonyms keys)
{
    public string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public string Digest(string hubId, string code) => keys.Keyed("pickup-code", hubId, code);

    public bool Matches(string hubId, string code, string? digest) =>
        digest is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Digest(hubId, code)), Encoding.ASCII.GetBytes(digest));
}

/// <summary>An order as platforms and stations see it (never the code).</summary>
public sealed record PickupOrderView(
    string HubId,
    string OrderId,
    string StationId,
    string Status,
    int Parcels,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? CollectedAt,
    bool Locked)
{
    public static PickupOrderView Of(OrderEntity entity)
    {
        var order = entity.ToOrder();
        return new(order.HubId, order.OrderId, order.StationId, entity.Status, order.Parcels, order.ReceivedAt, entity.ArrivedAt, entity.ExpiresAt, entity.CollectedAt, entity.Locked);
    }
}
