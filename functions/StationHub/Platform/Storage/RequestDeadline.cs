using StationHub.Platform.Http;

namespace StationHub.Platform.Storage;

/// <summary>
/// Bounds the storage work of every request that changes something (both hosts run every POST and
/// PUT through it, in <c>HttpFunctionRunner</c>), so that the caller hears back before its own
/// timeout: within <see cref="Budget"/> the request is answered from storage, or it is a 503 with
/// <c>Retry-After</c>. A slow or unreachable store is not waited out with the storage clients'
/// retries (a few seconds per call, two or three calls per request); the request's storage calls
/// share one deadline and are cancelled when it passes.
/// </summary>
/// <remarks>
/// A storage call cut short may still have taken effect (a queue send Azure stored but whose answer
/// never came back), so the 503 cannot promise that nothing was accepted. It says so, and asks for
/// the retry every Standard Webhooks sender makes: the same <c>webhook-id</c> and body. That retry
/// meets whatever the first try left (<see cref="QueueFirst"/>) and yields exactly one item.
/// </remarks>
public sealed class RequestDeadline(TimeProvider time)
{
    /// <summary>How long a webhook's storage calls may take together: the answer comes within 5 s.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    /// <summary>What the 503 says.</summary>
    public const string MayHaveBeenAccepted =
        "Storage did not answer in time. What you sent may have been accepted: retry the same request " +
        "(a webhook with the same webhook-id and body; a station action or voucher settlement with the same " +
        "Idempotency-Key) and it is applied once, with exactly one item made and the first answer.";

    /// <summary>
    /// Runs <paramref name="work"/> with a token that is cancelled when the budget is spent; a storage
    /// failure or the deadline becomes a 503 problem (<paramref name="detail"/>). The caller's own
    /// cancellation (the client went away) is passed on as it is.
    /// </summary>
    public async Task<HubResponse> RunAsync(Func<CancellationToken, Task<HubResponse>> work, string detail = MayHaveBeenAccepted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var deadline = new CancellationTokenSource(Budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await work(linked.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && (deadline.IsCancellationRequested || HubStorage.IsUnreachable(exception)))
        {
            return HubResponse.Problem(Problem.Unavailable(detail));
        }
    }
}
