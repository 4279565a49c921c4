using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.Tenants;

/// <summary>One stored registry entry: its kind, id, owner (a body's city), JSON and the registry version it was last written at.</summary>
public sealed record RegistryEntry(string Kind, string Id, string? Parent, string Json, long Version)
{
    /// <summary>Its row key: kind and id (ids are unique within a kind; a body's are unique across cities).</summary>
    public string Key => KeyOf(Kind, Id);

    /// <summary>The HTTP ETag of the entry: the version it was last written at.</summary>
    public string ETag => $"\"{Version}\"";

    public static string KeyOf(string kind, string id) => kind + ":" + id;

    public JsonObject Node() => JsonNode.Parse(Json)!.AsObject();
}

/// <summary>
/// The registry document cut into entries (one per city, body, platform, station, witness, subsidy
/// policy and catalog section) and put back together, in the sample registry's shape. The document is
/// read by the one parser the file has always been read with, and checked whole (<see cref="RegistryLoader.Problems"/>).
/// </summary>
public static class RegistryEntries
{
    /// <summary>The entries of a registry document (the file, or an import).</summary>
    public static List<RegistryEntry> Split(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var entries = new List<RegistryEntry>();
        foreach (var kind in TenantKind.All.Where(k => k.Parent is null))
        {
            if (document[kind.Collection] is not JsonArray items)
            {
                continue;
            }

            foreach (var item in items.OfType<JsonObject>())
            {
                var copy = item.DeepClone().AsObject();
                var id = (string?)copy["id"] ?? string.Empty;
                if (kind == TenantKind.City && copy["bodies"] is JsonArray bodies)
                {
                    copy.Remove("bodies");
                    entries.AddRange(bodies.OfType<JsonObject>().Select(body => new RegistryEntry(TenantKind.Body.Kind, (string?)body["id"] ?? string.Empty, id, body.ToJsonString(), 0)));
                }

                entries.Add(new RegistryEntry(kind.Kind, id, null, copy.ToJsonString(), 0));
            }
        }

        foreach (var section in TenantKind.CatalogSections.Where(section => document[section] is not null))
        {
            entries.Add(new RegistryEntry(TenantKind.CatalogKind, section, null, document[section]!.ToJsonString(), 0));
        }

        return entries;
    }

    /// <summary>The registry document the entries make, or the problems that keep them from making one.</summary>
    public static (RegistryDocument? Document, List<string> Problems) Assemble(IEnumerable<RegistryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToList();
        var problems = new List<string>();
        var document = new JsonObject
        {
            ["cities"] = new JsonArray(),
            ["platforms"] = new JsonArray(),
            ["stations"] = new JsonArray(),
            ["hazardCategories"] = new JsonArray(),
            ["pointsCatalog"] = new JsonObject { ["tasks"] = new JsonArray(), ["rewards"] = new JsonArray() },
            ["witnesses"] = new JsonArray(),
            ["subsidyPolicies"] = new JsonArray(),
        };
        var bodies = list.Where(e => e.Kind == TenantKind.Body.Kind).ToLookup(e => e.Parent ?? string.Empty, StringComparer.Ordinal);
        var cityIds = list.Where(e => e.Kind == TenantKind.City.Kind).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in list.Where(e => e.Kind == TenantKind.Body.Kind && !cityIds.Contains(e.Parent ?? string.Empty)))
        {
            problems.Add($"body '{orphan.Id}' names unknown city '{orphan.Parent}'");
        }

        foreach (var entry in list)
        {
            if (entry.Kind == TenantKind.CatalogKind)
            {
                document[entry.Id] = JsonNode.Parse(entry.Json);
                continue;
            }

            var kind = TenantKind.Find(entry.Kind);
            if (kind is null || kind.Parent is not null)
            {
                continue;
            }

            var node = entry.Node();
            if (kind == TenantKind.City && bodies[entry.Id].Any())
            {
                node["bodies"] = new JsonArray([.. bodies[entry.Id].Select(b => (JsonNode)b.Node())]);
            }

            document[kind.Collection]!.AsArray().Add(node);
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        RegistryDocument? parsed;
        try
        {
            parsed = document.Deserialize(HubJsonContext.Default.RegistryDocument);
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException)
        {
            return (null, [$"the registry does not read: {exception.Message}"]);
        }

        if (parsed is null)
        {
            return (null, ["the registry is empty"]);
        }

        try
        {
            problems.AddRange(RegistryLoader.Problems(parsed));
        }
        catch (NullReferenceException)
        {
            problems.Add("an entry of the registry lacks a field it needs");
        }

        return (problems.Count == 0 ? parsed : null, problems);
    }
}
