using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Tenants;

/// <summary>The answer to a station import: the registry's new version, and how many stations it created and replaced.</summary>
public sealed record StationImportAnswer(long Version, int Stations, int Created, int Replaced);

/// <summary>
/// <c>POST /api/v1/admin/stations/import</c>: an RFC 7946 GeoJSON FeatureCollection of Point features,
/// one station each: the id in the feature's <c>id</c> or <c>properties.id</c>, the position in the
/// geometry (<c>[lon, lat]</c>), the other fields in <c>properties</c> in the sample registry's station
/// shape. Each feature is checked as the admin API checks a station (<see cref="TenantKind.Problems"/>),
/// then the would-be registry whole (a station in a known district and inside its area, each flow's
/// checks); a problem names the feature's index and field (<c>features[12].geometry</c>), and nothing is
/// stored. Otherwise every station is upserted in one change, all or nothing (<see cref="RegistryStore"/>:
/// a change of more than 100 rows is staged and committed by the version row), and the map serves it.
/// </summary>
public sealed partial class StationImport(RegistryStore store, IOptions<TenantOptions> options, ILogger<StationImport> logger)
{
    /// <summary>
    /// The route's body limit: 10,000 stations in the sample's shape (all eleven services, an address)
    /// measure about 4.3 MB as GeoJSON; 8 MiB leaves room for longer names and addresses.
    /// </summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    /// <summary>
    /// How long the import may spend on storage before it is answered 503 (the 4 s of a webhook would cut
    /// a large import short): 10,000 stations are staged, committed and folded in a few seconds.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>How many field errors one answer lists (a file with thousands of bad features names the first).</summary>
    public const int MaxErrors = 100;

    public async Task<HubResponse> ImportAsync(HubRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BodyTooLarge)
        {
            return HubResponse.Problem(Problem.TooLarge(request.MaxBodyBytes));
        }

        if (!request.IsJson && !IsGeoJson(request.ContentType))
        {
            return HubResponse.Problem(Problem.UnsupportedMediaType() with { Detail = "Send Content-Type: application/geo+json or application/json (UTF-8)." });
        }

        using var parsed = JsonBody.Parse(request.Body, out var problem);
        if (parsed is null)
        {
            return HubResponse.Problem(problem!);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var stations = Read(parsed.RootElement, errors);
        if (errors.Count > 0)
        {
            return HubResponse.Problem(Refused("Some features are not valid stations; nothing was stored.", errors));
        }

        var index = stations.Select((entry, i) => (entry.Id, i)).ToDictionary(pair => pair.Id, pair => pair.i, StringComparer.Ordinal);
        var (write, counts) = await store.ChangeAsync(state =>
        {
            var replaced = stations.Count(entry => state.Find(entry.Kind, entry.Id) is not null);
            return (new RegistryChange(stations, []), (Created: stations.Count - replaced, Replaced: replaced));
        }, cancellationToken);
        if (!write.Stored)
        {
            return HubResponse.Problem(Refused("The registry with these stations would not be consistent; nothing was stored.", WholeProblems(write.Problems, index)));
        }

        Log.StationsImported(logger, request.Caller?.Id ?? "?", write.Version, stations.Count);
        return HubResponse.Json(StatusCodes.Ok, new StationImportAnswer(write.Version, stations.Count, counts.Created, counts.Replaced), HubJsonContext.Default.StationImportAnswer);
    }

    /// <summary>The stations of the collection, in order; each feature's problems in <paramref name="errors"/> (<c>features[i].field</c>).</summary>
    private List<RegistryEntry> Read(JsonElement root, Dictionary<string, string[]> errors)
    {
        var stations = new List<RegistryEntry>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "FeatureCollection")
        {
            errors["type"] = ["The body is a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\")."];
            return stations;
        }

        if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            errors["features"] = ["An array of Point features, one station each."];
            return stations;
        }

        if (features.GetArrayLength() == 0)
        {
            errors["features"] = ["At least one feature."];
            return stations;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var allowPrivate = options.Value.AllowPrivateEndpoints;
        var i = 0;
        foreach (var feature in features.EnumerateArray())
        {
            var label = "features[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (ReadFeature(feature, label, errors) is { } node)
            {
                var id = (string)node["id"]!;
                if (seen.TryGetValue(id, out var first))
                {
                    errors[label + ".id"] = [$"features[{first}] has the id '{id}' too."];
                }
                else
                {
                    seen[id] = i;
                    foreach (var (field, messages) in TenantKind.Station.Problems(node, allowPrivate))
                    {
                        errors[label + "." + FieldOf(field)] = messages;
                    }

                    stations.Add(new RegistryEntry(TenantKind.Station.Kind, id, null, node.ToJsonString(), 0));
                }
            }

            i++;
        }

        return stations;
    }

    /// <summary>The station the feature describes (its properties, its id, its geometry as <c>location</c>), or null with its problems recorded.</summary>
    private static JsonObject? ReadFeature(JsonElement feature, string label, Dictionary<string, string[]> errors)
    {
        if (feature.ValueKind != JsonValueKind.Object)
        {
            errors[label] = ["A GeoJSON Feature object."];
            return null;
        }

        var before = errors.Count;
        if (!feature.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Feature")
        {
            errors[label + ".type"] = ["\"Feature\"."];
        }

        JsonObject properties = [];
        if (feature.TryGetProperty("properties", out var props) && props.ValueKind != JsonValueKind.Null)
        {
            if (props.ValueKind != JsonValueKind.Object)
            {
                errors[label + ".properties"] = ["An object: the station's fields in the sample registry's shape."];
            }
            else
            {
                properties = JsonObject.Create(props.Clone())!;
            }
        }

        string? id = null;
        var inFeature = feature.TryGetProperty("id", out var featureId) ? featureId : default;
        var inProperties = properties["id"];
        if (inFeature.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.String) || (inProperties is not null && inProperties.GetValueKind() != JsonValueKind.String))
        {
            errors[label + ".id"] = ["A station id is a string: 1 to 64 letters, digits, '-' or '_'."];
        }
        else
        {
            var fromFeature = inFeature.ValueKind == JsonValueKind.String ? inFeature.GetString() : null;
            var fromProperties = (string?)inProperties;
            if (fromFeature is not null && fromProperties is not null && fromFeature != fromProperties)
            {
                errors[label + ".id"] = [$"The feature's id '{fromFeature}' is not properties.id '{fromProperties}'."];
            }
            else if ((fromFeature ?? fromProperties) is not { } given)
            {
                errors[label + ".id"] = ["Give the station's id in the feature's id or in properties.id."];
            }
            else if (!TenantKind.IsValidId(given))
            {
                errors[label + ".id"] = ["Letters, digits, '-' and '_' only, 1 to 64."];
            }
            else
            {
                id = given;
            }
        }

        if (properties.ContainsKey("location"))
        {
            errors[label + ".properties.location"] = ["The station's position is the feature's geometry; leave location out."];
        }

        var position = Position(feature, label, errors);
        if (errors.Count > before || id is null || position is not { } at)
        {
            return null;
        }

        properties.Remove("id");
        var node = new JsonObject { ["id"] = id };
        foreach (var (name, value) in properties.ToList())
        {
            properties.Remove(name);
            node[name] = value;
        }

        node["location"] = new JsonObject { ["lat"] = at.Lat, ["lon"] = at.Lon };
        return node;
    }

    /// <summary>The Point geometry's position ([lon, lat], WGS 84), or null with the problem recorded.</summary>
    private static (double Lat, double Lon)? Position(JsonElement feature, string label, Dictionary<string, string[]> errors)
    {
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object
            || !geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Point")
        {
            errors[label + ".geometry"] = ["A GeoJSON Point: {\"type\": \"Point\", \"coordinates\": [lon, lat]}."];
            return null;
        }

        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array
            || coordinates.GetArrayLength() is < 2 or > 3 || coordinates.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.Number))
        {
            errors[label + ".geometry.coordinates"] = ["[lon, lat] (an optional altitude is ignored), numbers."];
            return null;
        }

        var lon = coordinates[0].GetDouble();
        var lat = coordinates[1].GetDouble();
        if (lon is < -180 or > 180 || lat is < -90 or > 90)
        {
            errors[label + ".geometry.coordinates"] = ["Longitude -180 to 180 first, then latitude -90 to 90."];
            return null;
        }

        return (lat, lon);
    }

    /// <summary>Where a station field's problem sits in its feature: the position is the geometry, the id the feature's, the rest properties.</summary>
    private static string FieldOf(string field) =>
        field == "id" ? "id"
        : field == "location" || field.StartsWith("location.", StringComparison.Ordinal) ? "geometry"
        : field == "$" ? "properties"
        : "properties." + field;

    /// <summary>The whole registry's problems, each on the feature of the station it names where it names one.</summary>
    private static Dictionary<string, string[]> WholeProblems(IReadOnlyList<string> problems, Dictionary<string, int> index)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var problem in problems)
        {
            var match = StationNamed().Match(problem);
            var field = match.Success && index.TryGetValue(match.Groups[1].Value, out var i)
                ? $"features[{i.ToString(CultureInfo.InvariantCulture)}]." + (problem.Contains("unknown district", StringComparison.Ordinal) ? "properties.district"
                    : problem.Contains("not inside its district", StringComparison.Ordinal) || problem.Contains("outside its district", StringComparison.Ordinal) ? "geometry"
                    : problem.Contains("unknown service", StringComparison.Ordinal) ? "properties.services"
                    : problem.Contains("opening hours", StringComparison.Ordinal) ? "properties.openingHours"
                    : problem.Contains("status platform", StringComparison.Ordinal) ? "properties.statusPlatform"
                    : "properties")
                : "registry";
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(problem);
        }

        return errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A 400 naming at most <see cref="MaxErrors"/> fields (in feature order), and how many more there were.</summary>
    private static Problem Refused(string detail, Dictionary<string, string[]> errors)
    {
        if (errors.Count <= MaxErrors)
        {
            return Problem.BadRequest(detail, errors);
        }

        var first = errors.Keys.OrderBy(FeatureIndex).ThenBy(key => key, StringComparer.Ordinal).Take(MaxErrors).ToDictionary(key => key, key => errors[key], StringComparer.Ordinal);
        return Problem.BadRequest($"{detail} The first {MaxErrors} of {errors.Count} problems are listed.", first);
    }

    private static int FeatureIndex(string key) =>
        key.StartsWith("features[", StringComparison.Ordinal) && int.TryParse(key.AsSpan(9, key.IndexOf(']', StringComparison.Ordinal) - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;

    /// <summary>RFC 7946's media type, in UTF-8 (no charset, or charset=utf-8).</summary>
    private static bool IsGeoJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var parts = contentType.Split(';');
        return parts[0].Trim().Equals("application/geo+json", StringComparison.OrdinalIgnoreCase)
            && parts.Skip(1).All(parameter => parameter.Split('=', 2) is [var name, var value]
                && (!name.Trim().Equals("charset", StringComparison.OrdinalIgnoreCase) || value.Trim().Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)));
    }

    [GeneratedRegex("^station '([^']+)'")]
    private static partial Regex StationNamed();
}
