using System.Text.Json;
using StationHub.Platform.Json;
using StationHub.Triggers;

namespace StationHub.Platform.Registry;

/// <summary>Loads and checks the registry file named by <c>Registry:Path</c>.</summary>
public static class RegistryLoader
{
    /// <summary>The highest <c>maxPerSecond</c> a destination may have.</summary>
    public const int MaxPerSecondLimit = 1000;

    public static HubRegistry Load(string path) => new(Read(path));

    /// <summary>The registry file's document, checked whole (<see cref="Problems"/>).</summary>
    public static RegistryDocument Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Registry:Path names '{path}', which does not exist.");
        }

        RegistryDocument? document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonSerializer.Deserialize(stream, HubJsonContext.Default.RegistryDocument);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"Registry:Path '{path}' is not a valid registry: {exception.Message}", exception);
        }

        if (document is null)
        {
            throw new InvalidOperationException($"Registry:Path '{path}' is empty.");
        }

        Check(document);
        return document;
    }

    /// <summary>Throws, naming every problem, when the document is not a consistent registry.</summary>
    public static void Check(RegistryDocument document)
    {
        var problems = Problems(document);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The registry is not consistent: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>
    /// What is wrong with a whole registry, each a phrase naming the entry: unique ids, districts that
    /// are simple polygons and do not overlap, stations in a known district and inside its area, and
    /// each flow's own checks (<see cref="FlowModule.RegistryProblems"/>).
    /// </summary>
    public static List<string> Problems(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var problems = new List<string>();
        Unique(document.Cities.Select(c => c.Id).Concat(document.Cities.SelectMany(c => c.Bodies ?? []).Select(b => b.Id)), "city or body id", problems);
        Unique(document.Cities.SelectMany(c => c.Districts).Select(d => d.Code), "district code", problems);
        Unique(document.Platforms.Select(p => p.Id), "platform id", problems);
        Unique(document.Stations.Select(s => s.Id), "station id", problems);
        var districtCodes = document.Cities.SelectMany(c => c.Districts).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        foreach (var station in document.Stations.Where(s => !districtCodes.Contains(s.District)))
        {
            problems.Add($"station '{station.Id}' names unknown district '{station.District}'");
        }

        foreach (var flow in HubFlows.All)
        {
            problems.AddRange(flow.RegistryProblems(document));
        }

        var owned = HubFlows.All.SelectMany(flow => flow.RegistrySections).ToHashSet(StringComparer.Ordinal);
        problems.AddRange((document.Sections?.Keys.AsEnumerable() ?? []).Where(name => !owned.Contains(name)).Select(name => $"section '{name}' is not one the hub knows"));

        foreach (var city in document.Cities.Where(c => c.Delivery.MaxPerSecond is < 1 or > MaxPerSecondLimit))
        {
            problems.Add($"city '{city.Id}' has delivery.maxPerSecond {city.Delivery.MaxPerSecond}; it must be 1 to {MaxPerSecondLimit}");
        }

        foreach (var platform in document.Platforms.Where(p => p.MaxPerSecond is < 1 or > MaxPerSecondLimit))
        {
            problems.Add($"platform '{platform.Id}' has maxPerSecond {platform.MaxPerSecond}; it must be 1 to {MaxPerSecondLimit}");
        }

        if (document.Admin is { } admin && !(admin.WebhookUrl.IsAbsoluteUri && admin.WebhookUrl.Scheme is "https" or "http"))
        {
            problems.Add("admin.webhookUrl must be an absolute http(s) URL");
        }

        problems.AddRange(GeometryProblems(document));
        return problems;
    }

    /// <summary>Districts that are not simple polygons or overlap another; stations outside their district's area.</summary>
    private static IEnumerable<string> GeometryProblems(RegistryDocument document)
    {
        var factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory();
        var areas = new List<(string Code, NetTopologySuite.Geometries.Polygon Polygon)>();
        foreach (var district in document.Cities.SelectMany(c => c.Districts))
        {
            var ring = district.Area.Vertices.Select(v => new NetTopologySuite.Geometries.Coordinate(v.Lon, v.Lat)).ToList();
            ring.Add(ring[0]);
            var polygon = factory.CreatePolygon([.. ring]);
            if (!polygon.IsValid)
            {
                yield return $"district '{district.Code}' has an area that crosses itself";
                continue;
            }

            var envelope = polygon.EnvelopeInternal;
            foreach (var (code, other) in areas)
            {
                if (envelope.Intersects(other.EnvelopeInternal) && polygon.Relate(other).Matches("T********"))
                {
                    yield return $"district '{district.Code}' overlaps district '{code}'";
                }
            }

            areas.Add((district.Code, polygon));
        }

        var districts = document.Cities.SelectMany(c => c.Districts).GroupBy(d => d.Code, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var station in document.Stations)
        {
            if (station.Location is { } at && districts.TryGetValue(station.District, out var district) && !district.Area.Contains(at.Lat, at.Lon))
            {
                yield return $"station '{station.Id}' is not inside its district '{station.District}'";
            }
        }
    }

    /// <summary>Adds a problem for each value that appears more than once.</summary>
    public static void Unique(IEnumerable<string> values, string what, List<string> problems)
    {
        foreach (var duplicate in values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{what} '{duplicate.Key}' appears more than once");
        }
    }
}
