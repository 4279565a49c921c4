using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Security;

namespace StationHub.Points;

/// <summary>
/// <c>GET /api/v1/platforms/{platformId}/couriers/{courierId}/points</c>: a platform reads one of
/// its couriers' balance and history with its key. The courier id is pseudonymised on receipt like
/// any other, so a platform can only ever reach its own couriers. The courier may also be named by the
/// platform's own pseudonym of it (<c>cp_…</c>), as the notices and the answers' <c>statusUrl</c> do.
/// </summary>
public sealed class CourierPointsQuery(Pseudonyms pseudonyms, PointsBook book)
{
    public const int MaxHistory = 500;

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var platformId = request.Route("platformId");
        var courierId = request.Route("courierId");
        if (courierId.Length is 0 or > 128)
        {
            return HubResponse.Problem(Problem.NotFound("No courier of yours has that id."));
        }

        // The platform's own id of the courier, or its pseudonym of it (cp_…: the statusUrl, the notices).
        var pseudonym = PointsBook.IsPlatformCourierRef(courierId)
            ? await book.FindCourierByPlatformRefAsync(platformId, courierId, cancellationToken) ?? pseudonyms.Courier(platformId, courierId)
            : pseudonyms.Courier(platformId, courierId);
        var balance = await book.FindBalanceAsync(pseudonym, cancellationToken);
        var history = await book.HistoryAsync(pseudonym, MaxHistory, cancellationToken);
        var view = new CourierPointsView(
            courierId,
            balance?.Available ?? 0,
            balance?.Reserved ?? 0,
            [.. history.OrderBy(h => h.At).Select(h => new PointsHistoryItem(h.PlatformTransactionId ?? PointsBook.TransactionIdOf(h), h.Kind.ToLowerInvariant(), h.Status, h.Points, h.Task ?? h.Reward, h.VoucherCode, h.Reason, h.At))]);
        return HubResponse.Json(StatusCodes.Ok, view, HubJsonContext.Default.CourierPointsView);
    }
}

public sealed record CourierPointsView(string CourierId, long Available, long Reserved, IReadOnlyList<PointsHistoryItem> History);

public sealed record PointsHistoryItem(string TransactionId, string Kind, string Status, long Points, string? Item, string? VoucherCode, string? Reason, DateTimeOffset At);
