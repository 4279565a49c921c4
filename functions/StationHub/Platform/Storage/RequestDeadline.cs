using Microsoft.Extensions.Logging;
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
public sealed partial class RequestDeadline(TimeProvider time, ILogger<RequestDeadline> logger)
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
    /// <remarks>
    /// The answer does not wait for the cancelled work to unwind: a storage call cut short can take a
    /// while to give up (a connection that accepted and never answers), and the caller's promise is the
    /// time of the answer. The work goes on being cancelled behind it; its end is observed and its
    /// tokens released when it comes.
    /// </remarks>
    public async Task<HubResponse> RunAsync(Func<CancellationToken, Task<HubResponse>> work, string detail = MayHaveBeenAccepted, CancellationToken cancellationToken = default, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var deadline = new CancellationTokenSource(budget ?? Budget, time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<HubResponse>? running = null;
        try
        {
            running = work(linked.Token);
            return await running.WaitAsync(linked.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && (deadline.IsCancellationRequested || HubStorage.IsUnreachable(exception)))
        {
            return Unavailable(exception, detail);
        }
        finally
        {
            if (running is null || running.IsCompleted)
            {
                Release(running, linked, deadline);
            }
            else
            {
                _ = running.ContinueWith(done => Release(done, linked, deadline), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private static void Release(Task? work, CancellationTokenSource linked, CancellationTokenSource deadline)
    {
        // Observed, so a failure of work nobody waits for any more is not reported as unobserved.
        _ = work?.Exception;
        linked.Dispose();
        deadline.Dispose();
    }

    /// <summary>
    /// The 503 for a storage failure. A table or queue that does not exist is not a timeout: the answer
    /// says so, and it is logged at Warning (an operator must act); anything else answers <paramref name="detail"/>.
    /// </summary>
    public HubResponse Unavailable(Exception exception, string detail)
    {
        if (HubStorage.MissingResource(exception) is { } missing)
        {
            Log.Missing(logger, missing.Code, missing.Message);
            return HubResponse.Problem(Problem.Unavailable(
                $"Storage answered {missing.Code}: a table or queue the hub needs does not exist (it is made when the hub starts). Nothing timed out; retry later."));
        }

        return HubResponse.Problem(Problem.Unavailable(detail));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9303, Level = LogLevel.Warning, Message = "Storage answered {ErrorCode}: a table or queue the hub needs is missing ({Detail}); answered 503")]
        public static partial void Missing(ILogger logger, string errorCode, string detail);
    }
}
