using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using StationHub.Ledger;
using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>A station as the map shows it: the registry's facts and its parsed hours.</summary>
public sealed record MapStation(Station Station, OpeningHours? Hours, IReadOnlyList<StationService> Services);

/// <summary>A station and its live status at one instant, as the map and its filters see it.</summary>
public sealed record StationView(MapStation Map, LiveStatus? Live, bool Stale, bool? ScheduledOpen, bool OpenNow, double? DistanceMeters)
{
    public string Status => Stale ? "stale" : OpenNow ? "open" : "closed";
}

/// <summary>What a map query asks for.</summary>
public sealed record StationQuery(Envelope? Bbox, (double Lat, double Lon)? Near, int Limit, bool? OpenNow, IReadOnlyList<string> Services);

/// <summary>
/// The warm map's in-memory index. The stations come from the registry (built again when its version moves), into an STR-tree
/// (NetTopologySuite) over their positions; their live status comes from table <c>StationStatus</c>,
/// read whole when the copy is older than <see cref="StationOptions.IndexRefresh"/> (in the background:
/// requests meanwhile use the copy they have), and from this host's own reports at once. So a map
/// request reads no storage, and any host shows a report from another within the refresh interval.
/// </summary>
public sealed class StationIndex
{
    private const double MetersPerDegree = 111_320;
    private const double EarthRadiusMeters = 6_371_008.8;

    private readonly StationStatusStore store;
    private readonly StationOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<StationIndex> logger;
    private readonly TimeZoneInfo zone;
    private readonly HubRegistry registry;
    private readonly Lock building = new();
    private volatile Built built;
    private readonly ConcurrentDictionary<string, LiveStatus> live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim loading = new(1, 1);
    /// <summary>UTC ticks of the last refresh's start; 0 before the first (a long, read and written atomically).</summary>
    private long refreshedTicks;
    private int refreshing;

    public StationIndex(HubRegistry registry, StationStatusStore store, IOptions<StationOptions> options, IOptions<LedgerOptions> ledger, TimeProvider time, ILogger<StationIndex> logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        this.store = store;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        zone = TimeZoneInfo.FindSystemTimeZoneById(ledger.Value.TimeZone);
        this.registry = registry;
        built = new Built(registry);
    }

    public IReadOnlyList<MapStation> Stations => Current.Stations;

    public TimeZoneInfo Zone => zone;

    public MapStation? Find(string stationId) => Current.ById.GetValueOrDefault(stationId);

    /// <summary>The stations of the registry this host serves now: built again, once, when the registry's version moved.</summary>
    private Built Current
    {
        get
        {
            var held = built;
            if (held.Version == registry.Version)
            {
                return held;
            }

            lock (building)
            {
                if (built.Version != registry.Version)
                {
                    built = new Built(registry);
                }

                return built;
            }
        }
    }

    /// <summary>Takes a status this host wrote or read; an older observation than the one held changes nothing.</summary>
    public void Update(string stationId, LiveStatus status) =>
        live.AddOrUpdate(stationId, status, (_, held) =>
            status.ReceivedAt > held.ReceivedAt || (status.ReceivedAt == held.ReceivedAt && status.ObservedAt >= held.ObservedAt) ? status : held);

    /// <summary>Makes sure the live copy is loaded, and starts a refresh in the background when it is old.</summary>
    public async Task EnsureFreshAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Read(ref refreshedTicks) == 0)
        {
            await loading.WaitAsync(cancellationToken);
            try
            {
                if (Interlocked.Read(ref refreshedTicks) == 0)
                {
                    await RefreshAsync(cancellationToken);
                }
            }
            finally
            {
                loading.Release();
            }

            return;
        }

        if (time.GetUtcNow().UtcTicks - Interlocked.Read(ref refreshedTicks) >= options.IndexRefresh.Ticks && Interlocked.CompareExchange(ref refreshing, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await RefreshAsync(CancellationToken.None);
                }
                catch (Exception exception) when (exception is Azure.RequestFailedException or HttpRequestException or OperationCanceledException)
                {
                    Log.IndexRefreshFailed(logger, exception.Message);
                }
                finally
                {
                    Volatile.Write(ref refreshing, 0);
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Reads every station's live status from the table.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var started = time.GetUtcNow();
        foreach (var (stationId, status) in await store.LiveAsync(cancellationToken))
        {
            Update(stationId, status);
        }

        Interlocked.Exchange(ref refreshedTicks, started.UtcTicks);
    }

    /// <summary>A station's view at <paramref name="now"/>: live status unless stale, else its schedule.</summary>
    public StationView View(MapStation station, DateTimeOffset now, double? distanceMeters = null)
    {
        var status = live.GetValueOrDefault(station.Station.Id);
        var stale = status is null || status.IsStaleAt(now, options.StaleAfter);
        bool? scheduled = station.Hours?.IsOpenAt(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var openNow = stale ? scheduled ?? false : status!.Open;
        return new StationView(station, status, stale, scheduled, openNow, distanceMeters);
    }

    /// <summary>The stations that answer the query at <paramref name="now"/>: nearest first with <c>near</c>, else by id.</summary>
    public List<StationView> Query(StationQuery query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Near is { } near)
        {
            return Nearest(query, near, now);
        }

        var current = Current;
        IEnumerable<MapStation> candidates = query.Bbox is { } bbox ? current.Tree.Query(bbox).OrderBy(s => s.Station.Id, StringComparer.Ordinal) : current.Stations;
        return [.. candidates.Select(s => View(s, now)).Where(v => Matches(v, query)).Take(query.Limit)];
    }

    /// <summary>Great-circle distance (haversine, mean Earth radius) in meters.</summary>
    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>
    /// The nearest stations: the STR-tree is asked for ever wider boxes around the point (doubling from
    /// 2 km) until the box holds enough matching stations within its inner radius, so a query touches
    /// the neighbourhood, not the whole index.
    /// </summary>
    private List<StationView> Nearest(StationQuery query, (double Lat, double Lon) near, DateTimeOffset now)
    {
        var tree = Current.Tree;
        var found = new List<StationView>();
        for (var radius = 2_000.0; ; radius *= 2)
        {
            var dLat = radius / MetersPerDegree;
            var dLon = radius / (MetersPerDegree * Math.Max(0.01, Math.Cos(double.DegreesToRadians(near.Lat))));
            var box = new Envelope(near.Lon - dLon, near.Lon + dLon, Math.Max(-90, near.Lat - dLat), Math.Min(90, near.Lat + dLat));
            if (query.Bbox is { } bbox)
            {
                box = box.Intersection(bbox);
            }

            var everything = radius > 2 * Math.PI * EarthRadiusMeters;
            found.Clear();
            foreach (var station in box.IsNull ? [] : tree.Query(box))
            {
                var at = station.Station.Location!;
                var distance = DistanceMeters(near.Lat, near.Lon, at.Lat, at.Lon);
                if (everything || distance <= radius)
                {
                    var view = View(station, now, distance);
                    if (Matches(view, query))
                    {
                        found.Add(view);
                    }
                }
            }

            if (found.Count >= query.Limit || everything)
            {
                return [.. found.OrderBy(v => v.DistanceMeters).ThenBy(v => v.Map.Station.Id, StringComparer.Ordinal).Take(query.Limit)];
            }
        }
    }

    private static bool Matches(StationView view, StationQuery query) =>
        (query.OpenNow is not { } open || view.OpenNow == open)
        && query.Services.All(code => view.Map.Services.Any(s => s.Code == code));

    /// <summary>The registry's stations at one version, with their STR-tree over positions (NetTopologySuite).</summary>
    private sealed class Built
    {
        public Built(HubRegistry registry)
        {
            var document = registry.Document;
            Version = registry.Version;
            Stations = [.. document.Stations.Select(station => new MapStation(
                station,
                station.OpeningHours is { } hours ? OpeningHours.Parse(hours) : null,
                [.. (station.Services ?? []).Select(code => (document.StationServices ?? []).First(s => s.Code == code))]))];
            ById = Stations.ToDictionary(s => s.Station.Id, StringComparer.Ordinal);
            foreach (var station in Stations)
            {
                if (station.Station.Location is { } at)
                {
                    Tree.Insert(new Envelope(new Coordinate(at.Lon, at.Lat)), station);
                }
            }

            Tree.Build();
        }

        public long Version { get; }

        public MapStation[] Stations { get; }

        public Dictionary<string, MapStation> ById { get; }

        public STRtree<MapStation> Tree { get; } = new();
    }
}
