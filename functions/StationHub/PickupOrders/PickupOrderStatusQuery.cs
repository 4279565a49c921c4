using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.PickupOrders;

/// <summary><c>GET /api/v1/platforms/{platformId}/pickup-orders/{hubId}</c>: the order's <c>statusUrl</c>.</summary>
public sealed class PickupOrderStatusQuery(PickupOrderStore store)
{
    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var platformId = request.Route("platformId");
        var entity = await store.FindAsync(request.Route("hubId"), cancellationToken);
        if (entity is null || entity.ToOrder().PlatformId != platformId)
        {
            return HubResponse.Problem(Problem.NotFound("No order of yours has that id."));
        }

        return HubResponse.Json(StatusCodes.Ok, PickupOrderView.Of(entity), HubJsonContext.Default.PickupOrderView);
    }
}
