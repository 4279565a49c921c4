using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Tenants;

/// <summary>The answer to an import: the registry's new version and the entries written.</summary>
public sealed record RegistryImportAnswer(long Version, int Entries);

/// <summary>
/// <c>POST /api/v1/admin/registry/import</c>: a registry document in the sample's shape, cut into its
/// entries (<see cref="RegistryEntries.Split"/>), each checked alone and then the would-be registry whole;
/// upserted all at once (entries it does not name stay), or, on any problem, not at all.
/// </summary>
public sealed class RegistryImport(RegistryStore store, IOptions<TenantOptions> options, ILogger<RegistryImport> logger)
{
    public async Task<HubResponse> ImportAsync(HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BodyTooLarge)
        {
            return HubResponse.Problem(Problem.TooLarge(RequestBody.MaxBytes));
        }

        if (!request.IsJson)
        {
            return HubResponse.Problem(Problem.UnsupportedMediaType());
        }

        using var parsed = JsonBody.Parse(request.Body, out var problem, maxDepth: 32);
        if (parsed is null)
        {
            return HubResponse.Problem(problem!);
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            return HubResponse.Problem(Problem.BadRequest("The body is a registry document: a JSON object."));
        }

        var entries = RegistryEntries.Split(JsonObject.Create(parsed.RootElement.Clone())!);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var kind = TenantKind.Find(entry.Kind);
            if (kind is null)
            {
                continue;
            }

            var label = $"{kind.Collection}[{entry.Id}]";
            if (!TenantKind.IsValidId(entry.Id))
            {
                errors[label + ".id"] = ["Letters, digits, '-' and '_' only, 1 to 64."];
                continue;
            }

            foreach (var (field, messages) in kind.Problems(entry.Node(), options.Value.AllowPrivateEndpoints))
            {
                errors[label + "." + field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            return HubResponse.Problem(Problem.BadRequest("Some entries are not valid; nothing was stored.", errors));
        }

        var (write, _) = await store.ChangeAsync(_ => (new RegistryChange(entries, []), 0), cancellationToken);
        if (!write.Stored)
        {
            return HubResponse.Problem(TenantAdmin.Invalid(write.Problems));
        }

        Log.EntryChanged(logger, "registry", "import", "imported", request.Caller?.Id ?? "?", write.Version, entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return HubResponse.Json(StatusCodes.Ok, new RegistryImportAnswer(write.Version, entries.Count), HubJsonContext.Default.RegistryImportAnswer);
    }
}
