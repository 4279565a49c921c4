using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Tenants;

/// <summary>
/// <c>GET|POST /api/v1/admin/{kind}/{id}/credentials</c> and <c>DELETE …/credentials/{credentialId}</c>
/// (a body's under <c>cities/{id}/bodies/{bodyId}</c>): the list (ids, types, times; never a secret),
/// a new credential answered once (the others of its type then end after the overlap), and a revocation
/// that takes effect at once. Each change is one registry transaction, served by every host within
/// the registry's poll interval.
/// </summary>
public sealed class CredentialAdmin(RegistryStore store, Credentials credentials, ILogger<CredentialAdmin> logger)
{
    public async Task<HubResponse> ListAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var state = await store.CurrentAsync(cancellationToken);
        if (OwnerEntry(state, kind, request) is not { } owner)
        {
            return HubResponse.Problem(NotFound(kind, request));
        }

        var now = credentials.Now;
        var list = new JsonArray([.. Credentials.Of(state, owner.Key).OrderBy(c => c.Created).ThenBy(c => c.Id, StringComparer.Ordinal).Select(c => (JsonNode)c.Listed(now))]);
        return Json(StatusCodes.Ok, list);
    }

    public async Task<HubResponse> IssueAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        if (ReadType(kind, request, out var type) is { } bad)
        {
            return HubResponse.Problem(bad);
        }

        if (credentials.Refusal([type]) is { } refusal)
        {
            return HubResponse.Problem(refusal);
        }

        var (write, outcome) = await store.ChangeAsync(state =>
        {
            if (OwnerEntry(state, kind, request) is not { } owner)
            {
                return (null, new Issued(NotFound(kind, request), null, null, null));
            }

            var now = credentials.Now;
            var othersEnd = now + credentials.Overlap;
            var existing = Credentials.Of(state, owner.Key).ToList();
            var (issued, answer) = credentials.Issue(owner.Key, type, now);
            var puts = new List<RegistryEntry> { issued.Entry() };

            // The others of its type end after the overlap (one already ending sooner keeps its end).
            puts.AddRange(existing.Where(c => c.Type == type && c.ValidAt(now) && (c.Expires is null || c.Expires > othersEnd)).Select(c => (c with { Expires = othersEnd }).Entry()));

            // Credentials already past their end are dropped with this change.
            var deletes = existing.Where(c => !c.ValidAt(now)).Select(c => RegistryEntry.KeyOf(Credential.Kind, c.Id)).ToList();
            answer["othersEnd"] = Credential.Format(othersEnd);
            return (new RegistryChange(puts, deletes), new Issued(null, answer, owner.Key, othersEnd));
        }, cancellationToken);

        if (outcome.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        if (!write.Stored)
        {
            return HubResponse.Problem(TenantAdmin.Invalid(write.Problems));
        }

        CredentialLog.Issued(logger, (string)outcome.Answer!["id"]!, type, outcome.Owner!, request.Caller?.Id ?? "?", write.Version, Credential.Format(outcome.OthersEnd!.Value));
        return Json(StatusCodes.Created, outcome.Answer!);
    }

    public async Task<HubResponse> RevokeAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var credentialId = request.Route("credentialId");
        var (write, outcome) = await store.ChangeAsync(state =>
        {
            if (OwnerEntry(state, kind, request) is not { } owner)
            {
                return (null, new Revoked(NotFound(kind, request), null));
            }

            var credential = Credentials.Of(state, owner.Key).FirstOrDefault(c => c.Id == credentialId);
            return credential is null
                ? (null, new Revoked(Problem.NotFound($"The {kind.Kind} has no credential '{credentialId}'."), null))
                : (new RegistryChange([], [RegistryEntry.KeyOf(Credential.Kind, credential.Id)]), new Revoked(null, credential));
        }, cancellationToken);

        if (outcome.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        if (!write.Stored)
        {
            return HubResponse.Problem(TenantAdmin.Invalid(write.Problems));
        }

        CredentialLog.Revoked(logger, outcome.Credential!.Id, outcome.Credential.Type, outcome.Credential.Owner, request.Caller?.Id ?? "?", write.Version);
        return HubResponse.Empty(StatusCodes.NoContent);
    }

    /// <summary>The type the body names (<c>{"type": "api-key"}</c>), or the kind's default when there is no body.</summary>
    private static Problem? ReadType(TenantKind kind, HubRequest request, out string type)
    {
        type = Credentials.DefaultType(kind);
        if (request.BodyTooLarge)
        {
            return Problem.TooLarge(RequestBody.MaxBytes);
        }

        if (request.Body.IsEmpty)
        {
            return null;
        }

        if (!request.IsJson)
        {
            return Problem.UnsupportedMediaType();
        }

        using var parsed = JsonBody.Parse(request.Body, out var problem);
        if (parsed is null)
        {
            return problem;
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problem.BadRequest("The body is an object: {\"type\": \"signing-secret\" | \"api-key\"}.", Field("$", "A JSON object is required."));
        }

        if (parsed.RootElement.TryGetProperty("type", out var given))
        {
            var types = Credentials.TypesOf(kind);
            if (given.ValueKind != JsonValueKind.String || !types.Contains(given.GetString()!))
            {
                return Problem.BadRequest($"A {kind.Kind} holds credentials of type {string.Join(" or ", types)}.", Field("type", $"One of: {string.Join(", ", types)}."));
            }

            type = given.GetString()!;
        }

        return null;
    }

    private static RegistryEntry? OwnerEntry(RegistryState state, TenantKind kind, HubRequest request)
    {
        var id = request.Route(kind == TenantKind.Body ? "bodyId" : "id");
        var entry = state.Find(kind.Kind, id);
        return entry is null || (kind == TenantKind.Body && entry.Parent != request.Route("id")) ? null : entry;
    }

    private static Problem NotFound(TenantKind kind, HubRequest request) =>
        Problem.NotFound($"No {kind.Kind} has the id '{request.Route(kind == TenantKind.Body ? "bodyId" : "id")}'.");

    private static Dictionary<string, string[]> Field(string name, string message) => new(StringComparer.Ordinal) { [name] = [message] };

    /// <summary>The 201 of a created entry that was issued credentials: not to be kept by any cache.</summary>
    public static HubResponse Created(JsonNode body, string etag, string location) =>
        new(StatusCodes.Created, HubResponse.JsonContentType, Encoding.UTF8.GetBytes(body.ToJsonString()), new Dictionary<string, string>(StringComparer.Ordinal) { ["Cache-Control"] = "no-store", ["ETag"] = etag, ["Location"] = location });

    private static HubResponse Json(int status, JsonNode body) =>
        new(status, HubResponse.JsonContentType, Encoding.UTF8.GetBytes(body.ToJsonString()), new Dictionary<string, string>(StringComparer.Ordinal) { ["Cache-Control"] = "no-store" });

    private sealed record Revoked(Problem? Problem, Credential? Credential);

    private sealed record Issued(Problem? Problem, JsonObject? Answer, string? Owner, DateTimeOffset? OthersEnd);
}
