using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Security;

namespace StationHub.PickupOrders;

/// <summary><c>GET /api/v1/platforms/{platformId}/pickup-orders/{hubId}</c>: the order's <c>statusUrl</c>.</summary>
public sealed class PickupOrderStatusQuery(ApiKeys apiKeys, PickupOrderStore store)
{
    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var platformId = request.Route("platformId");
        var caller = apiKeys.Authenticate(request.Header(ApiKeyHeader.Name), PrincipalKind.Platform);
        if (caller is null)
        {
            return HubResponse.Problem(Problem.Unauthorized("The platform's x-api-key is required."));
        }

        var entity = caller.Id == platformId ? await store.FindAsync(request.Route("hubId"), cancellationToken) : null;
        if (entity is null || entity.ToOrder().PlatformId != platformId)
        {
            return HubResponse.Problem(Problem.NotFound("No order of yours has that id."));
        }

        return HubResponse.Json(StatusCodes.Ok, PickupOrderView.Of(entity), HubJsonContext.Default.PickupOrderView);
    }
}
