using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;

namespace StationHub.Platform.Registry;

/// <summary>
/// Who the hub serves: cities and their districts, platforms, stations and the hazard
/// categories, as one immutable snapshot that the registry store (<c>Tenants/RegistryStore</c>)
/// swaps whole when the stored registry changes. Holds no secrets.
/// </summary>
public sealed class HubRegistry
{
    private volatile Snapshot current;

    public HubRegistry(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        current = new Snapshot(document, 0);
    }

    /// <summary>
    /// The stored registry's version this copy was read at (0: the file, before the store was read).
    /// Every change bumps it; a cache built from the registry (the warm map's index) rebuilds when it moves.
    /// </summary>
    public long Version => current.Version;

    public RegistryDocument Document => current.Document;

    /// <summary>Swaps in a checked document, whole, for every reader at once (the store's newer version).</summary>
    public void Replace(RegistryDocument document, long version)
    {
        ArgumentNullException.ThrowIfNull(document);
        current = new Snapshot(document, version);
    }

    public IReadOnlyCollection<City> Cities => current.Cities.Values;

    public IReadOnlyList<HazardCategory> HazardCategories => Document.HazardCategories;

    public City? FindCity(string id) => current.Cities.GetValueOrDefault(id);

    /// <summary>Every responsible body, with the city whose categories it answers.</summary>
    public IEnumerable<(City City, ResponsibleBody Body)> Bodies => current.Bodies.Values;

    public (City City, ResponsibleBody Body)? FindBody(string id) => current.Bodies.TryGetValue(id, out var found) ? found : null;

    /// <summary>How a recipient of reports (a city or a body, by id) takes them; null for an unknown id.</summary>
    public CityDelivery? DeliveryOf(string recipientId) =>
        FindCity(recipientId)?.Delivery ?? FindBody(recipientId)?.Body.Delivery;

    /// <summary>The name shown as Open311 <c>agency_responsible</c> for a recipient id.</summary>
    public string AgencyName(string recipientId) =>
        FindCity(recipientId)?.Name ?? FindBody(recipientId)?.Body.Name ?? recipientId;

    public Platform? FindPlatform(string id) => current.Platforms.GetValueOrDefault(id);

    public Station? FindStation(string id) => current.Stations.GetValueOrDefault(id);

    /// <summary>The ledger's witnesses (none when the registry names none).</summary>
    public IReadOnlyList<LedgerWitness> Witnesses => Document.Witnesses ?? [];

    public LedgerWitness? FindWitness(string id) => Witnesses.FirstOrDefault(w => w.Id == id);

    public HazardCategory? FindCategory(string code) => current.Categories.GetValueOrDefault(code);

    public IReadOnlyList<Station> Stations => Document.Stations;

    /// <summary>The "10+X" service list: ten basic services every station offers and local extras.</summary>
    public IReadOnlyList<StationService> StationServices => Document.StationServices ?? [];

    public StationService? FindStationService(string code) => current.StationServices.GetValueOrDefault(code);

    /// <summary>The platforms that asked for an event type (<see cref="Platform.Subscriptions"/>).</summary>
    public IEnumerable<Platform> SubscribersOf(string eventType) =>
        Document.Platforms.Where(platform => platform.Subscriptions?.Contains(eventType, StringComparer.Ordinal) == true);

    public TaskPrice? FindTask(string code) => Document.PointsCatalog.Tasks.FirstOrDefault(t => t.Code == code);

    public RewardPrice? FindReward(string code) => Document.PointsCatalog.Rewards.FirstOrDefault(r => r.Code == code);

    public (City City, District District)? FindDistrict(string code) =>
        current.Districts.TryGetValue(code, out var found) ? found : null;

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

    /// <summary>One immutable copy of the registry and its lookups; readers take it whole.</summary>
    private sealed class Snapshot
    {
        public Snapshot(RegistryDocument document, long version)
        {
            Document = document;
            Version = version;
            Cities = document.Cities.ToDictionary(city => city.Id, StringComparer.Ordinal);
            Districts = document.Cities
                .SelectMany(city => city.Districts.Select(district => (city, district)))
                .ToDictionary(pair => pair.district.Code, pair => (pair.city, pair.district), StringComparer.Ordinal);
            Platforms = document.Platforms.ToDictionary(platform => platform.Id, StringComparer.Ordinal);
            Stations = document.Stations.ToDictionary(station => station.Id, StringComparer.Ordinal);
            Categories = document.HazardCategories.ToDictionary(category => category.Code, StringComparer.Ordinal);
            StationServices = (document.StationServices ?? []).ToDictionary(service => service.Code, StringComparer.Ordinal);
            Bodies = document.Cities
                .SelectMany(city => (city.Bodies ?? []).Select(body => (city, body)))
                .ToDictionary(pair => pair.body.Id, pair => (pair.city, pair.body), StringComparer.Ordinal);
        }

        public RegistryDocument Document { get; }

        public long Version { get; }

        public Dictionary<string, City> Cities { get; }

        public Dictionary<string, (City City, District District)> Districts { get; }

        public Dictionary<string, Platform> Platforms { get; }

        public Dictionary<string, Station> Stations { get; }

        public Dictionary<string, HazardCategory> Categories { get; }

        public Dictionary<string, StationService> StationServices { get; }

        public Dictionary<string, (City City, ResponsibleBody Body)> Bodies { get; }
    }
}

public sealed record RegistryDocument
{
    public required IReadOnlyList<City> Cities { get; init; }

    public required IReadOnlyList<Platform> Platforms { get; init; }

    public required IReadOnlyList<Station> Stations { get; init; }

    public required IReadOnlyList<HazardCategory> HazardCategories { get; init; }

    public required PointsCatalog PointsCatalog { get; init; }

    public IReadOnlyList<StationService>? StationServices { get; init; }

    public AdminEndpoint? Admin { get; init; }

    public IReadOnlyList<LedgerWitness>? Witnesses { get; init; }

    /// <summary>
    /// The sections a flow owns (e.g. gig work's <c>subsidyPolicies</c>), by name, as written: each flow
    /// module names its sections (<see cref="Triggers.FlowModule.RegistrySections"/>) and reads them
    /// (<see cref="RegistrySection{T}"/>); a section no flow names is refused at load. Settable only
    /// because System.Text.Json's source generator binds <c>init</c> members as constructor
    /// parameters, which extension data may not be; nothing but the reader sets it.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Sections { get; set; }
}

/// <summary>
/// A flow's own section of the registry document, read with the flow's JSON type: absent is the
/// empty value; unreadable is a problem at load (<see cref="Problems"/>), so a loaded registry's
/// sections always read.
/// </summary>
public sealed class RegistrySection<T>(string name, JsonTypeInfo<T> type, T empty)
    where T : class
{
    private readonly ConditionalWeakTable<RegistryDocument, T> read = new();

    public string Name { get; } = name;

    /// <summary>The section as the document holds it (read once per document).</summary>
    public T In(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return read.GetValue(document, d => Read(d, out _) ?? empty);
    }

    /// <summary>What keeps the section from being read (none when it reads).</summary>
    public IEnumerable<string> Problems(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        _ = Read(document, out var problem);
        return problem is null ? [] : [problem];
    }

    private T? Read(RegistryDocument document, out string? problem)
    {
        problem = null;
        if (document.Sections?.TryGetValue(Name, out var element) != true || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return element.Deserialize(type) ?? throw new JsonException("it is null");
        }
        catch (JsonException exception)
        {
            problem = $"section '{Name}' is not valid: {exception.Message}";
            return null;
        }
    }
}

/// <summary>
/// A witness of the public ledger (C2SP tlog-witness): its id (letters, digits, '-' and '_'), the
/// submission prefix its <c>add-checkpoint</c> is under, and its cosignature verifier key (type 0x04).
/// Cities are the natural first witnesses; anyone may run one (<c>StationHub.Cli witness</c>).
/// </summary>
public sealed record LedgerWitness(string Id, Uri Url, string VerifierKey);


/// <summary>
/// The administrators' endpoint: told (signed <c>endpoint.disabled</c> webhooks, with
/// <c>Secrets:Admin:SigningSecret</c>) when a destination is disabled. Optional; the log says it too.
/// </summary>
public sealed record AdminEndpoint(Uri WebhookUrl);

/// <summary>
/// The public prices of governance points: what each task earns (the governance pricing catalog)
/// and what each reward costs (the service exchange list). Points only ever come from here.
/// </summary>
public sealed record PointsCatalog(IReadOnlyList<TaskPrice> Tasks, IReadOnlyList<RewardPrice> Rewards);

/// <summary>
/// A task and the points it earns; <see cref="Minutes"/> of working time it costs (0 for none).
/// <see cref="HubOnly"/> marks a task only the hub issues (<c>snapshot_report</c>, earned when a city
/// resolves a report as valid): a platform's <c>points.earned</c> naming it is refused.
/// </summary>
public sealed record TaskPrice(string Code, string Name, int Points, int Minutes, bool HubOnly = false);

public sealed record RewardPrice(string Code, string Name, int Cost);

public sealed record City(string Id, string Name, CityDelivery Delivery, IReadOnlyList<District> Districts, IReadOnlyList<ResponsibleBody>? Bodies = null)
{
    /// <summary>The body this city sends the category to, or null when the city answers it itself.</summary>
    public ResponsibleBody? BodyFor(string category) => Bodies?.FirstOrDefault(b => b.Categories.Contains(category, StringComparer.Ordinal));
}

/// <summary>
/// How a city takes routed reports: signed Standard Webhooks JSON, or Open311 POSTs; at most
/// <see cref="MaxPerSecond"/> calls a second across hosts when set.
/// </summary>
public sealed record CityDelivery(CityDeliveryFormat Format, Uri Endpoint, int? MaxPerSecond = null);

[JsonConverter(typeof(JsonStringEnumConverter<CityDeliveryFormat>))]
public enum CityDeliveryFormat
{
    Webhook,
    Open311,
}

/// <summary>A district by its GB/T 2260 code, with the polygon (lat/lon ring) it covers.</summary>
public sealed record District(string Code, string Name, GeoPolygon Area);

/// <summary>
/// A platform; <see cref="RatePerSecond"/> caps its webhooks per hub instance (burst: twice that);
/// <see cref="MaxPerSecond"/>, when set, caps the hub's calls to it a second across hosts.
/// <see cref="Subscriptions"/> names the optional event types it asked for (<c>station.status_changed</c>).
/// </summary>
public sealed record Platform(string Id, string Name, Uri WebhookUrl, int RatePerSecond = Platform.DefaultRatePerSecond, IReadOnlyList<string>? Subscriptions = null, int? MaxPerSecond = null)
{
    public const int DefaultRatePerSecond = 200;
}

/// <summary>
/// A rider station. For the warm map: where it is (<see cref="Location"/>, WGS 84), its street
/// <see cref="Address"/>, its <see cref="OpeningHours"/> in OpenStreetMap <c>opening_hours</c> syntax
/// (the subset the warm map reads), the codes of its <see cref="Services"/> from the
/// registry's service list, and the platform that runs its door and chargers and may report its
/// status by webhook (<see cref="StatusPlatform"/>).
/// </summary>
public sealed record Station(
    string Id,
    string Name,
    string District,
    GeoPoint? Location = null,
    string? Address = null,
    string? OpeningHours = null,
    IReadOnlyList<string>? Services = null,
    string? StatusPlatform = null);

/// <summary>A WGS 84 position.</summary>
public sealed record GeoPoint(double Lat, double Lon);

/// <summary>A service of the "10+X" list: <c>basic</c> (the ten every station offers) or <c>extra</c> (local).</summary>
public sealed record StationService(string Code, string Name, string Kind);

/// <summary>
/// A hazard category, published to cities as an Open311 service. A new report links to an open one
/// of the same category within <see cref="DuplicateRadiusMeters"/> and <see cref="DuplicateWindowDays"/>;
/// a resolved report may be reopened within <see cref="ReopenWindowDays"/>; the responsible body
/// answers within <see cref="SlaHours"/> (Open311 <c>expected_datetime</c>, and the escalation timer).
/// </summary>
public sealed record HazardCategory(
    string Code,
    string Name,
    string Description,
    string Group,
    int DuplicateRadiusMeters = HazardCategory.DefaultDuplicateRadiusMeters,
    int DuplicateWindowDays = HazardCategory.DefaultDuplicateWindowDays,
    int ReopenWindowDays = HazardCategory.DefaultReopenWindowDays,
    int SlaHours = HazardCategory.DefaultSlaHours)
{
    public const int DefaultDuplicateRadiusMeters = 50;
    public const int DefaultDuplicateWindowDays = 14;
    public const int DefaultReopenWindowDays = 14;
    public const int DefaultSlaHours = 24;

    /// <summary>The group of workers' own needs (rest, wages, chargers...): the ledger counts them apart from hazards.</summary>
    public const string WorkerNeedsGroup = "Worker needs";

    public bool IsWorkerNeed => Group == WorkerNeedsGroup;

    public TimeSpan Sla => TimeSpan.FromHours(SlaHours);
}

/// <summary>
/// A body other than the city that answers some of a city's categories (a water authority, a
/// human-resources bureau, a station operator): its own endpoint and format, its own signing
/// secret (<c>Secrets:Bodies:{id}:SigningSecret</c>), Open311 key and API key
/// (<c>Auth:ApiKeyHashes:body:{id}</c>). It sees and answers only the reports sent to it.
/// Ids are unique across cities and bodies: each names one recipient of reports.
/// </summary>
public sealed record ResponsibleBody(string Id, string Name, CityDelivery Delivery, IReadOnlyList<string> Categories);
