using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;
using StationHub.Platform.Security;
using RegistryCity = StationHub.Platform.Registry.City;
using RegistryPlatform = StationHub.Platform.Registry.Platform;
using RegistryStation = StationHub.Platform.Registry.Station;
using Policy = StationHub.GigWork.SubsidyPolicy;

namespace StationHub.Tenants;

/// <summary>
/// A kind of registry entry the admin API manages: where it sits in the registry document (its
/// array), the fields it must have, and the URLs in it that the hub will call (checked as public
/// hosts). Each entry is stored as its JSON in the sample registry's shape (<see cref="RegistryStore"/>).
/// </summary>
public sealed partial class TenantKind
{
    private readonly Type type;

    private TenantKind(string kind, string collection, string plural, Type type, string[] required, string[] endpoints, string? parent = null)
    {
        Kind = kind;
        Collection = collection;
        Plural = plural;
        this.type = type;
        Required = required;
        Endpoints = endpoints;
        Parent = parent;
    }

    public static TenantKind City { get; } = new("city", "cities", "cities", typeof(RegistryCity), ["id", "name", "delivery", "delivery.format", "delivery.endpoint", "districts", "districts[].code", "districts[].name", "districts[].area"], ["delivery.endpoint"]);

    public static TenantKind Body { get; } = new("body", "bodies", "bodies", typeof(ResponsibleBody), ["id", "name", "delivery", "delivery.format", "delivery.endpoint", "categories"], ["delivery.endpoint"], parent: "city");

    public static TenantKind Platform { get; } = new("platform", "platforms", "platforms", typeof(RegistryPlatform), ["id", "name", "webhookUrl"], ["webhookUrl"]);

    public static TenantKind Station { get; } = new("station", "stations", "stations", typeof(RegistryStation), ["id", "name", "district"], []);

    public static TenantKind Witness { get; } = new("witness", "witnesses", "witnesses", typeof(LedgerWitness), ["id", "url", "verifierKey"], ["url"]);

    public static TenantKind SubsidyPolicy { get; } = new("subsidy-policy", "subsidyPolicies", "subsidy-policies", typeof(Policy), ["id", "name", "districts", "yearStart", "capFen", "tiers"], []);

    /// <summary>The sections of the document that are one entry each (the catalogs): kind <c>catalog</c>, id the section's name.</summary>
    public const string CatalogKind = "catalog";

    public static IReadOnlyList<string> CatalogSections { get; } = ["hazardCategories", "stationServices", "pointsCatalog", "admin"];

    public static IReadOnlyList<TenantKind> All { get; } = [City, Body, Platform, Station, Witness, SubsidyPolicy];

    /// <summary>The kind's name in storage, logs and the ledger (<c>city</c>, <c>subsidy-policy</c>).</summary>
    public string Kind { get; }

    /// <summary>Its array in the registry document (<c>cities</c>; a body's is its city's <c>bodies</c>).</summary>
    public string Collection { get; }

    /// <summary>Its segment in the admin routes (<c>subsidy-policies</c>).</summary>
    public string Plural { get; }

    /// <summary>The kind an entry of this kind belongs to (a body's city), or null.</summary>
    public string? Parent { get; }

    public IReadOnlyList<string> Required { get; }

    public IReadOnlyList<string> Endpoints { get; }

    public static TenantKind? Find(string kind) => All.FirstOrDefault(k => k.Kind == kind);

    /// <summary>Letters, digits, '-' and '_', 1 to 64: safe in a route, a row key and a setting name.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>
    /// What is wrong with one entry on its own, by field: a missing required field, a value of the
    /// wrong type, an endpoint that is not an absolute http(s) URL on a public host (unless
    /// <paramref name="allowPrivateEndpoints"/>, for local use), or user information in a URL.
    /// </summary>
    public Dictionary<string, string[]> Problems(JsonObject entry, bool allowPrivateEndpoints)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var field in Required.Where(field => Missing(entry, field.Split('.'), 0)))
        {
            errors[field] = ["This field is required."];
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        try
        {
            if (entry.Deserialize(HubJsonContext.Default.GetTypeInfo(type) ?? throw new InvalidOperationException($"The JSON context has no {type.Name}.")) is null)
            {
                errors["$"] = ["The entry is empty."];
            }
        }
        catch (JsonException exception)
        {
            errors[FieldOf(exception.Path)] = [exception.Message.Split(" Path:", 2)[0]];
            return errors;
        }
        catch (ArgumentException exception)
        {
            errors[Kind == "city" ? "districts" : "$"] = [exception.Message];
            return errors;
        }

        foreach (var field in Endpoints)
        {
            var text = field.Split('.').Aggregate((JsonNode?)entry, (node, part) => node?[part])?.GetValue<string>() ?? string.Empty;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                errors[field] = ["An absolute http(s) URL is required."];
            }
            else if (PublicHost.HasUserInfo(uri, text))
            {
                errors[field] = ["A URL with a user name or password is not taken."];
            }
            else if (!allowPrivateEndpoints && (uri.Scheme != "https" || !PublicHost.IsPublic(uri)))
            {
                errors[field] = ["The hub calls only https URLs on public hosts (no loopback, private or link-local address)."];
            }
        }

        return errors;
    }

    private static bool Missing(JsonNode? node, string[] path, int at)
    {
        if (at == path.Length)
        {
            return node is null;
        }

        var part = path[at];
        if (part.EndsWith("[]", StringComparison.Ordinal))
        {
            return node?[part[..^2]] is not JsonArray items || items.Any(item => Missing(item, path, at + 1));
        }

        return node is not JsonObject value || Missing(value[part], path, at + 1);
    }

    /// <summary>"$.location.lat" → "location.lat".</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.TrimStart('$', '.');

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();
}
