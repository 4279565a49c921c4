using System.Text.Json.Serialization;

namespace StationHub.Platform.Registry;

/// <summary>
/// Who the hub serves: cities and their districts, platforms, stations and the hazard
/// categories. Holds no secrets; those come from settings (<see cref="Security.HubSecrets"/>).
/// </summary>
public sealed class HubRegistry
{
    private readonly Dictionary<string, City> cities;
    private readonly Dictionary<string, (City City, District District)> districts;
    private readonly Dictionary<string, Platform> platforms;
    private readonly Dictionary<string, Station> stations;
    private readonly Dictionary<string, HazardCategory> categories;

    public HubRegistry(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Document = document;
        cities = document.Cities.ToDictionary(city => city.Id, StringComparer.Ordinal);
        districts = document.Cities
            .SelectMany(city => city.Districts.Select(district => (city, district)))
            .ToDictionary(pair => pair.district.Code, pair => (pair.city, pair.district), StringComparer.Ordinal);
        platforms = document.Platforms.ToDictionary(platform => platform.Id, StringComparer.Ordinal);
        stations = document.Stations.ToDictionary(station => station.Id, StringComparer.Ordinal);
        categories = document.HazardCategories.ToDictionary(category => category.Code, StringComparer.Ordinal);
    }

    public RegistryDocument Document { get; }

    public IReadOnlyCollection<City> Cities => cities.Values;

    public IReadOnlyList<HazardCategory> HazardCategories => Document.HazardCategories;

    public City? FindCity(string id) => cities.GetValueOrDefault(id);

    public Platform? FindPlatform(string id) => platforms.GetValueOrDefault(id);

    public Station? FindStation(string id) => stations.GetValueOrDefault(id);

    /// <summary>The ledger's witnesses (none when the registry names none).</summary>
    public IReadOnlyList<LedgerWitness> Witnesses => Document.Witnesses ?? [];

    public LedgerWitness? FindWitness(string id) => Witnesses.FirstOrDefault(w => w.Id == id);

    public HazardCategory? FindCategory(string code) => categories.GetValueOrDefault(code);

    public TaskPrice? FindTask(string code) => Document.PointsCatalog.Tasks.FirstOrDefault(t => t.Code == code);

    public RewardPrice? FindReward(string code) => Document.PointsCatalog.Rewards.FirstOrDefault(r => r.Code == code);

    public (City City, District District)? FindDistrict(string code) =>
        districts.TryGetValue(code, out var found) ? found : null;

    /// <summary>The district whose area contains the point, if any.</summary>
    public (City City, District District)? LocateDistrict(double lat, double lon)
    {
        foreach (var city in Document.Cities)
        {
            foreach (var district in city.Districts)
            {
                if (district.Area.Contains(lat, lon))
                {
                    return (city, district);
                }
            }
        }

        return null;
    }
}

public sealed record RegistryDocument(
    IReadOnlyList<City> Cities,
    IReadOnlyList<Platform> Platforms,
    IReadOnlyList<Station> Stations,
    IReadOnlyList<HazardCategory> HazardCategories,
    PointsCatalog PointsCatalog,
    IReadOnlyList<LedgerWitness>? Witnesses = null);

/// <summary>
/// A witness of the public ledger (C2SP tlog-witness): its id (letters, digits, '-' and '_'), the
/// submission prefix its <c>add-checkpoint</c> is under, and its cosignature verifier key (type 0x04).
/// Cities are the natural first witnesses; anyone may run one (<c>StationHub.Cli witness</c>).
/// </summary>
public sealed record LedgerWitness(string Id, Uri Url, string VerifierKey);

/// <summary>
/// The public prices of governance points: what each task earns (the governance pricing catalog)
/// and what each reward costs (the service exchange list). Points only ever come from here.
/// </summary>
public sealed record PointsCatalog(IReadOnlyList<TaskPrice> Tasks, IReadOnlyList<RewardPrice> Rewards);

/// <summary>A task and the points it earns; <see cref="Minutes"/> of working time it costs (0 for none).</summary>
public sealed record TaskPrice(string Code, string Name, int Points, int Minutes);

public sealed record RewardPrice(string Code, string Name, int Cost);

public sealed record City(string Id, string Name, CityDelivery Delivery, IReadOnlyList<District> Districts);

/// <summary>How a city takes routed reports: signed Standard Webhooks JSON, or Open311 POSTs.</summary>
public sealed record CityDelivery(CityDeliveryFormat Format, Uri Endpoint);

[JsonConverter(typeof(JsonStringEnumConverter<CityDeliveryFormat>))]
public enum CityDeliveryFormat
{
    Webhook,
    Open311,
}

/// <summary>A district by its GB/T 2260 code, with the polygon (lat/lon ring) it covers.</summary>
public sealed record District(string Code, string Name, GeoPolygon Area);

/// <summary>A platform; <see cref="RatePerSecond"/> caps its webhooks per hub instance (burst: twice that).</summary>
public sealed record Platform(string Id, string Name, Uri WebhookUrl, int RatePerSecond = Platform.DefaultRatePerSecond)
{
    public const int DefaultRatePerSecond = 200;
}

public sealed record Station(string Id, string Name, string District);

/// <summary>A hazard category, published to cities as an Open311 service.</summary>
public sealed record HazardCategory(string Code, string Name, string Description, string Group);
