using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Tenants;

/// <summary>
/// The administrators' API over the registry: <c>PUT|GET|DELETE /api/v1/admin/{kind}/{id}</c> and the
/// lists, for cities, their bodies, platforms, stations, witnesses and subsidy policies. An entry's
/// body is its JSON in the sample registry's shape. <c>PUT</c> creates (201) or, with <c>If-Match</c>
/// naming the entry's current ETag, replaces (200; 412 when it changed, 428 without If-Match); an entry
/// sent as it stands is answered 200 with its ETag and nothing written, so a PUT retried after a lost
/// answer finds its change made rather than a 428 or 412. Every
/// change is checked on the would-be registry as the file is; a bad entry is a 400 naming the field,
/// and nothing of it is stored (<see cref="RegistryStore"/>).
/// </summary>
public sealed class TenantAdmin(RegistryStore store, IOptions<TenantOptions> options, Credentials credentials, ILogger<TenantAdmin> logger)
{
    private const string IfMatch = "If-Match";

    public async Task<HubResponse> ListAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var state = await store.CurrentAsync(cancellationToken);
        var parent = ParentOf(kind, request);
        if (parent is not null && state.Find(TenantKind.City.Kind, parent) is null)
        {
            return HubResponse.Problem(Problem.NotFound($"No city has the id '{parent}'."));
        }

        var items = new JsonArray([.. state.OfKind(kind.Kind).Where(e => parent is null || e.Parent == parent).Select(e => (JsonNode)e.Node())]);
        return JsonAnswer(StatusCodes.Ok, items);
    }

    public async Task<HubResponse> GetAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var state = await store.CurrentAsync(cancellationToken);
        var entry = state.Find(kind.Kind, IdOf(kind, request));
        return entry is null || entry.Parent != ParentOf(kind, request)
            ? HubResponse.Problem(Problem.NotFound($"No {kind.Kind} has the id '{IdOf(kind, request)}'."))
            : JsonAnswer(StatusCodes.Ok, entry.Node(), entry.ETag);
    }

    public async Task<HubResponse> PutAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var id = IdOf(kind, request);
        var parent = ParentOf(kind, request);
        if (ReadEntry(kind, request, id) is not { } node)
        {
            return HubResponse.Problem(BodyProblem(kind, request, id));
        }

        var ifMatch = request.Header(IfMatch);
        var json = node.ToJsonString();
        var (write, outcome) = await store.ChangeAsync(state =>
        {
            if (parent is not null && state.Find(TenantKind.City.Kind, parent) is null)
            {
                return (null, Outcome.Refused(Problem.NotFound($"No city has the id '{parent}'.")));
            }

            var existing = state.Find(kind.Kind, id);
            if (existing is not null && existing.Parent != parent)
            {
                return (null, Outcome.Refused(Problem.Conflict($"The {kind.Kind} '{id}' belongs to city '{existing.Parent}'.")));
            }

            if (existing is not null && JsonNode.DeepEquals(existing.Node(), node))
            {
                // Sent again as it stands: a retry of a PUT whose answer was lost (a 503 after the commit),
                // with or without the ETag it named then. Nothing to change; the answer is the entry with its
                // ETag (RFC 9110, 13.1.1: the change asked for is already the current state).
                return (null, new Outcome(StatusCodes.Ok, null, existing) { Unchanged = true });
            }

            if (existing is null && ifMatch is not null)
            {
                return (null, Outcome.Refused(Problem.PreconditionFailed($"No {kind.Kind} has the id '{id}' to match If-Match {ifMatch}.")));
            }

            if (existing is not null && ifMatch is null)
            {
                return (null, Outcome.Refused(Problem.PreconditionRequired($"The {kind.Kind} '{id}' exists: send If-Match with its ETag ({existing.ETag}) to replace it.")));
            }

            if (existing is not null && ifMatch != "*" && ifMatch != existing.ETag)
            {
                return (null, Outcome.Refused(Problem.PreconditionFailed($"The {kind.Kind} '{id}' is at ETag {existing.ETag}, not {ifMatch}: read it again.")));
            }

            if (existing is null && Credentials.TypesOf(kind).Count > 0)
            {
                // A new city, body, platform or station is issued its credentials in the same change, answered once.
                if (credentials.Refusal(Credentials.TypesOf(kind)) is { } refusal)
                {
                    return (null, Outcome.Refused(refusal));
                }

                var now = credentials.Now;
                var issued = Credentials.TypesOf(kind).Select(type => credentials.Issue(RegistryEntry.KeyOf(kind.Kind, id), type, now)).ToList();
                return (RegistryChange.Put([new RegistryEntry(kind.Kind, id, parent, json, 0), .. issued.Select(i => i.Credential.Entry())]),
                    new Outcome(StatusCodes.Created, null, null) { Issued = new JsonArray([.. issued.Select(i => (JsonNode)i.Answer)]) });
            }

            return (RegistryChange.Put(new RegistryEntry(kind.Kind, id, parent, json, 0)), new Outcome(existing is null ? StatusCodes.Created : StatusCodes.Ok, null, existing));
        }, cancellationToken);

        if (outcome.Problem is { } refused)
        {
            return HubResponse.Problem(refused);
        }

        if (outcome.Unchanged)
        {
            return JsonAnswer(StatusCodes.Ok, outcome.Previous!.Node(), outcome.Previous.ETag, null);
        }

        if (!write.Stored)
        {
            return HubResponse.Problem(Invalid(write.Problems));
        }

        Log.EntryChanged(logger, kind.Kind, id, outcome.Status == StatusCodes.Created ? "created" : "replaced", request.Caller?.Id ?? "?", write.Version, ChangedFields(outcome.Previous, node));
        var etag = $"\"{write.Version}\"";
        if (outcome.Issued is { } issuedAnswer)
        {
            var answer = node.DeepClone().AsObject();
            answer["credentials"] = issuedAnswer;
            return CredentialAdmin.Created(answer, etag, request.Path);
        }

        return JsonAnswer(outcome.Status, node, etag, outcome.Status == StatusCodes.Created ? request.Path : null);
    }

    public async Task<HubResponse> DeleteAsync(TenantKind kind, HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        var id = IdOf(kind, request);
        var parent = ParentOf(kind, request);
        var ifMatch = request.Header(IfMatch);
        var (write, outcome) = await store.ChangeAsync(state =>
        {
            var existing = state.Find(kind.Kind, id);
            if (existing is null || existing.Parent != parent)
            {
                return (null, Outcome.Refused(Problem.NotFound($"No {kind.Kind} has the id '{id}'.")));
            }

            if (ifMatch is not null && ifMatch != "*" && ifMatch != existing.ETag)
            {
                return (null, Outcome.Refused(Problem.PreconditionFailed($"The {kind.Kind} '{id}' is at ETag {existing.ETag}, not {ifMatch}.")));
            }

            // A city goes with its bodies.
            var keys = state.Entries.Values.Where(e => e.Kind == TenantKind.Body.Kind && kind == TenantKind.City && e.Parent == id).Select(e => e.Key).Append(existing.Key).ToList();

            // And each goes with its credentials.
            keys.AddRange(keys.SelectMany(owner => Credentials.Of(state, owner)).Select(c => RegistryEntry.KeyOf(Credential.Kind, c.Id)).ToList());
            return (new RegistryChange([], keys), new Outcome(StatusCodes.NoContent, null, existing));
        }, cancellationToken);

        if (outcome.Problem is { } refused)
        {
            return HubResponse.Problem(refused);
        }

        if (!write.Stored)
        {
            return HubResponse.Problem(Problem.Conflict("Other entries still need it: " + string.Join("; ", write.Problems) + "."));
        }

        Log.EntryChanged(logger, kind.Kind, id, "deleted", request.Caller?.Id ?? "?", write.Version, "*");
        return HubResponse.Empty(StatusCodes.NoContent);
    }

    /// <summary>The field a problem of the whole registry is about, so a 400 names it.</summary>
    public static Problem Invalid(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var errors = problems
            .GroupBy(problem => problem switch
            {
                _ when problem.Contains("overlaps", StringComparison.Ordinal) || problem.Contains("crosses itself", StringComparison.Ordinal) => "districts",
                _ when problem.Contains("not inside its district", StringComparison.Ordinal) => "location",
                _ when problem.Contains("unknown district", StringComparison.Ordinal) => "district",
                _ when problem.Contains("more than once", StringComparison.Ordinal) => "id",
                _ => "registry",
            }, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);
        return Problem.BadRequest("The registry with this change would not be consistent: " + string.Join("; ", problems) + ".", errors);
    }

    /// <summary>The entry in the body, with the route's id in it; null when it is not one (the problem is built by <see cref="BodyProblem"/>).</summary>
    private JsonObject? ReadEntry(TenantKind kind, HubRequest request, string id)
    {
        if (!TenantKind.IsValidId(id) || request.BodyTooLarge || !request.IsJson)
        {
            return null;
        }

        using var parsed = JsonBody.Parse(request.Body, out var problem);
        if (parsed is null || parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var node = JsonObject.Create(parsed.RootElement.Clone())!;
        if (node["id"] is { } given && (given.GetValueKind() != JsonValueKind.String || (string?)given != id))
        {
            return null;
        }

        if (kind == TenantKind.City && node.ContainsKey("bodies"))
        {
            return null;
        }

        node["id"] = id;
        return kind.Problems(node, options.Value.AllowPrivateEndpoints).Count == 0 ? node : null;
    }

    private Problem BodyProblem(TenantKind kind, HubRequest request, string id)
    {
        if (!TenantKind.IsValidId(id))
        {
            return Problem.BadRequest("An id is 1 to 64 letters, digits, '-' or '_'.", Field("id", "Letters, digits, '-' and '_' only, 1 to 64."));
        }

        if (request.BodyTooLarge)
        {
            return Problem.TooLarge(RequestBody.MaxBytes);
        }

        if (!request.IsJson)
        {
            return Problem.UnsupportedMediaType();
        }

        using var parsed = JsonBody.Parse(request.Body, out var problem);
        if (parsed is null)
        {
            return problem!;
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problem.BadRequest("The body is one entry: a JSON object.", Field("$", "A JSON object is required."));
        }

        var node = JsonObject.Create(parsed.RootElement.Clone())!;
        if (node["id"] is { } given && (given.GetValueKind() != JsonValueKind.String || (string?)given != id))
        {
            return Problem.BadRequest("The id in the body is not the id in the path.", Field("id", $"Leave it out, or make it '{id}'."));
        }

        if (kind == TenantKind.City && node.ContainsKey("bodies"))
        {
            return Problem.BadRequest("A city's bodies are entries of their own.", Field("bodies", $"Manage them at /api/v1/admin/cities/{id}/bodies/{{bodyId}}."));
        }

        node["id"] = id;
        return Problem.BadRequest($"The {kind.Kind} is not valid.", kind.Problems(node, options.Value.AllowPrivateEndpoints));
    }

    private static Dictionary<string, string[]> Field(string name, string message) => new(StringComparer.Ordinal) { [name] = [message] };

    private static string IdOf(TenantKind kind, HubRequest request) => request.Route(kind == TenantKind.Body ? "bodyId" : "id");

    private static string? ParentOf(TenantKind kind, HubRequest request) => kind.Parent is null ? null : request.Route("id");

    /// <summary>The top-level fields a change sets differently (for the log; the values themselves are not logged).</summary>
    private static string ChangedFields(RegistryEntry? previous, JsonObject next)
    {
        if (previous is null)
        {
            return "*";
        }

        return string.Join(",", Changed(previous.Node(), next, string.Empty).Order(StringComparer.Ordinal));
    }

    /// <summary>The fields that differ, an object's by their own names one level down (<c>delivery.endpoint</c>), so an admin-only field's change is named in the log.</summary>
    private static IEnumerable<string> Changed(JsonObject before, JsonObject next, string prefix) =>
        before.Select(p => p.Key).Union(next.Select(p => p.Key), StringComparer.Ordinal)
            .Where(name => !JsonNode.DeepEquals(before[name], next[name]))
            .SelectMany(name => prefix.Length == 0 && before[name] is JsonObject inner && next[name] is JsonObject innerNext
                ? Changed(inner, innerNext, name + ".")
                : [prefix + name]);

    private static HubResponse JsonAnswer(int status, JsonNode body, string? etag = null, string? location = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (etag is not null)
        {
            headers["ETag"] = etag;
        }

        if (location is not null)
        {
            headers["Location"] = location;
        }

        return new HubResponse(status, HubResponse.JsonContentType, Encoding.UTF8.GetBytes(body.ToJsonString()), headers);
    }

    private sealed record Outcome(int Status, Problem? Problem, RegistryEntry? Previous)
    {
        /// <summary>The credentials a created entry was issued, with their secrets (answered once).</summary>
        public JsonArray? Issued { get; init; }

        /// <summary>The entry was sent as it stands: nothing was written.</summary>
        public bool Unchanged { get; init; }

        public static Outcome Refused(Problem problem) => new(0, problem, null);
    }


}
