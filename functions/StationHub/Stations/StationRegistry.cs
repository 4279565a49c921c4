using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>The warm map's section of the registry (stations' services, hours, status platforms and positions) and its checks.</summary>
public static class StationRegistry
{
    /// <summary>What the warm map needs of each station: a known service list, hours it can read, a position in its district.</summary>
    public static IEnumerable<string> Problems(RegistryDocument document)
    {
        var districtCodes = document.Cities.SelectMany(c => c.Districts).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        var services = document.StationServices ?? [];
        var problems = new List<string>();
        RegistryLoader.Unique(services.Select(s => s.Code), "station service", problems);
        problems.AddRange(services.Where(s => s.Kind is not ("basic" or "extra")).Select(s => $"station service '{s.Code}' must be of kind 'basic' or 'extra'"));
        var codes = services.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        var platforms = document.Platforms.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var areas = document.Cities.SelectMany(c => c.Districts).ToDictionary(d => d.Code, d => d.Area, StringComparer.Ordinal);
        foreach (var station in document.Stations)
        {
            problems.AddRange((station.Services ?? []).Where(code => !codes.Contains(code)).Select(code => $"station '{station.Id}' names unknown service '{code}'"));
            if (station.OpeningHours is { } hours && !OpeningHours.TryParse(hours, out _, out var error))
            {
                problems.Add($"station '{station.Id}' has opening hours the hub cannot read ({error})");
            }

            if (station.StatusPlatform is { } platform && !platforms.Contains(platform))
            {
                problems.Add($"station '{station.Id}' names unknown status platform '{platform}'");
            }

            if (station.Location is { } at && districtCodes.Contains(station.District)
                && (!double.IsFinite(at.Lat) || !double.IsFinite(at.Lon) || !areas[station.District].Contains(at.Lat, at.Lon)))
            {
                problems.Add($"station '{station.Id}' lies outside its district '{station.District}'");
            }
        }

        return problems;
    }
}
