using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.GigWork;

/// <summary>
/// <c>GET /api/v1/platforms/{platformId}/gig-work/{hubId}</c>: what became of one of the
/// platform's events (its key): received, pending (waiting for an earlier event), applied, or
/// rejected with the reason.
/// </summary>
public sealed class GigWorkStatusQuery(GigWorkBook book)
{
    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var platformId = request.Route("platformId");
        var hubId = request.Route("hubId");
        var record = hubId.Length is > 0 and <= 80
            ? await book.FindEventAsync(GigWorkEvent.EventIdFor(platformId, hubId), cancellationToken)
            : null;
        if (record is null)
        {
            return HubResponse.Problem(Problem.NotFound("You have no gig-work event with that id."));
        }

        var view = new GigEventView(record.HubId, record.Status, record.Reason, record.ReceivedAt);
        return HubResponse.Json(StatusCodes.Ok, view, HubJsonContext.Default.GigEventView);
    }
}

public sealed record GigEventView(string HubId, string Status, string? Reason, DateTimeOffset ReceivedAt);
