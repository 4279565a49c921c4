using StationHub.Platform.Http;

namespace StationHub.Platform.Security;

/// <summary>
/// Who may call an HTTP function, declared on its row and checked by the runner before the handler
/// runs (<see cref="HttpFunctionRunner"/>), so no handler authenticates by hand. A key scoped to a
/// route value (<c>{platformId}</c>, <c>{stationId}</c>) must belong to that id. The authenticated
/// principal is on <see cref="HubRequest.Caller"/>.
/// </summary>
public sealed class Caller
{
    private readonly PrincipalKind[] kinds;
    private readonly string? scope;
    private readonly bool queryKey;
    private readonly Func<HubRequest, Problem, HubResponse> refuse;

    private Caller(string name, PrincipalKind[] kinds, string? scope = null, bool queryKey = false, Func<HubRequest, Problem, HubResponse>? refuse = null)
    {
        Name = name;
        this.kinds = kinds;
        this.scope = scope;
        this.queryKey = queryKey;
        this.refuse = refuse ?? ((_, problem) => HubResponse.Problem(problem));
    }

    /// <summary>Anyone: the public ledger, the map, the service list, the contract.</summary>
    public static Caller Public { get; } = new("public", []);

    /// <summary>A platform's Standard Webhooks signature, checked by <see cref="Webhooks.SignedIntake"/> with the body.</summary>
    public static Caller PlatformSignature { get; } = new("platform signature", []);

    /// <summary>A platform's <c>x-api-key</c>, for its own <c>{platformId}</c> only (another's is a 404).</summary>
    public static Caller PlatformKey { get; } = new("platform key", [PrincipalKind.Platform], "platformId");

    /// <summary>A city system's or a responsible body's key, in <c>x-api-key</c> or (as Open311 allows) <c>api_key</c>.</summary>
    public static Caller CityKey { get; } = new("city key", [PrincipalKind.City, PrincipalKind.Body], queryKey: true);

    /// <summary>A station's <c>x-api-key</c>, for its own <c>{stationId}</c> only (another's is a 403).</summary>
    public static Caller StationKey { get; } = new("station key", [PrincipalKind.Station], "stationId");

    /// <summary>An administrator's <c>x-api-key</c>.</summary>
    public static Caller AdminKey { get; } = new("admin key", [PrincipalKind.Admin]);

    public string Name { get; }

    /// <summary>True when the caller proves itself with an <c>x-api-key</c>.</summary>
    public bool UsesApiKey => kinds.Length > 0;

    /// <summary>The same caller, refused in the route's own error format (Open311's GeoReport errors).</summary>
    public Caller RefusedWith(Func<HubRequest, Problem, HubResponse> refusal) => new(Name, kinds, scope, queryKey, refusal);

    /// <summary>Null when the request may go on (its principal set on the request); else the answer that refuses it.</summary>
    public HubResponse? Check(HubRequest request, ApiKeys keys)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(keys);
        if (kinds.Length == 0)
        {
            return null;
        }

        var key = request.Header(ApiKeyHeader.Name) ?? (queryKey ? request.Query(ApiKeyHeader.Open311Query) : null);
        var principal = kinds.Select(kind => keys.Authenticate(key, kind)).FirstOrDefault(found => found is not null);
        if (principal is null)
        {
            return refuse(request, Problem.Unauthorized($"A valid x-api-key is required: this route takes a {Name}."));
        }

        if (scope is not null && principal.Id != request.Route(scope))
        {
            return refuse(request, principal.Kind == PrincipalKind.Station
                ? Problem.Forbidden("That key belongs to another station.")
                : Problem.NotFound("Nothing of yours is at that path."));
        }

        request.Caller = principal;
        return null;
    }
}
