using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.GigWork;

/// <summary>
/// <c>GET /api/v1/gig-work/policies</c> (public): the subsidy policies as the registry holds them, so
/// anyone can recompute a station's sealed subsidy from the day's published counts (the CLI's
/// <c>verify-ledger</c> does).
/// </summary>
public sealed class GigWorkPolicies(HubRegistry registry)
{
    public IReadOnlyList<SubsidyPolicy> All => registry.AllSubsidyPolicies();

    public Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(HubResponse.Json(StatusCodes.Ok, new GigWorkPoliciesView([.. All]), HubJsonContext.Default.GigWorkPoliciesView));
}

/// <summary>The published subsidy policies.</summary>
public sealed record GigWorkPoliciesView(IReadOnlyList<SubsidyPolicy> Policies);
