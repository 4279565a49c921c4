using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>
/// <c>GET /map</c>: the warm map as a page a rider uses on a phone. Server-rendered, so the list of
/// stations works with no script, by keyboard and screen reader: each station with its state in words
/// and a symbol (not colour alone), free chargers, hours, services, how fresh its report is, and three
/// ways to navigate there (a <c>geo:</c> URI, Amap's route URI, OpenStreetMap directions).
/// <c>?near=lat,lon</c> lists the nearest open stations first (straight-line distance, from the same
/// <see cref="StationIndex"/> query as <c>GET /api/v1/stations</c>); <c>service=</c> and <c>openNow=</c>
/// filter as there; <c>lang=zh|en</c> overrides <c>Accept-Language</c>. Each city is drawn as a
/// schematic SVG; with <c>Map:TileUrl</c> set, the page's script (<c>map.js</c>) puts the stations on
/// that street map with Leaflet, both served by the hub. The script refreshes the status every
/// <c>Map:RefreshInterval</c> from <c>GET /api/v1/stations</c> with <c>If-None-Match</c>, so a change
/// shows without a reload; "Locate me" asks the browser for the position and opens <c>?near=</c>.
/// </summary>
public sealed class StationMapPage(StationIndex index, StationMapApi api, StationMapAssets assets, HubRegistry registry, IOptions<StationMapOptions> options, TimeProvider time)
{
    /// <summary>How many stations the nearest list shows unless <c>limit</c> says otherwise.</summary>
    public const int NearestShown = 10;

    private const int Width = 360;
    private const int Height = 300;
    private const int Pad = 14;

    private readonly StationMapOptions map = options.Value;
    private readonly string policy = ContentSecurityPolicy(options.Value);

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = StationMapText.Choose(request.Query("lang"), request.Header("Accept-Language"));
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = api.ReadQuery(request, errors);
        if (query is null)
        {
            // A page forgives: the parameters it could not read are left out, and it says so.
            var readable = new HubRequest(request.Method, new Dictionary<string, string?>(), request.Header, name => errors.ContainsKey(name) ? null : request.Query(name), ReadOnlyMemory<byte>.Empty, null);
            query = api.ReadQuery(readable, new Dictionary<string, string[]>(StringComparer.Ordinal))!;
        }

        if (query.Near is not null)
        {
            query = query with
            {
                OpenNow = request.Query("openNow") is null ? true : query.OpenNow,
                Limit = request.Query("limit") is null || errors.ContainsKey("limit") ? NearestShown : query.Limit,
            };
        }

        await index.EnsureFreshAsync(cancellationToken);
        var now = time.GetUtcNow();
        var page = new Page(request, text, query, errors.Keys.ToList(), now);
        var html = Render(page);
        return new HubResponse(StatusCodes.Ok, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), new Dictionary<string, string>
        {
            ["Cache-Control"] = "public, max-age=30",
            ["Vary"] = "Accept-Language",
            ["Content-Security-Policy"] = policy,
            ["X-Content-Type-Options"] = "nosniff",
            ["Referrer-Policy"] = "no-referrer",
        });
    }

    /// <summary>
    /// The page's CSP: nothing but its own script, style sheet and JSON; images of its own, inline
    /// <c>data:</c> (Leaflet's blank tile) and, with a street map, the tile host's.
    /// </summary>
    public static string ContentSecurityPolicy(StationMapOptions map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var images = string.Join(' ', new[] { "'self'", "data:" }.Concat(map.TileOrigins()));
        return $"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; base-uri 'none'; form-action 'none'";
    }

    private sealed record Page(HubRequest Request, StationMapText Text, StationQuery Query, List<string> Ignored, DateTimeOffset Now)
    {
        public string Lang => Text.Language;
    }

    private string Render(Page page)
    {
        var t = page.Text;
        var html = new StringBuilder(32 * 1024);
        var local = TimeZoneInfo.ConvertTime(page.Now, index.Zone);
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="{(t.Language == "zh" ? "zh-CN" : "en")}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <noscript><meta http-equiv="refresh" content="60"></noscript>
            <title>{Enc(t["title"])}</title>
            """);
        if (map.HasTiles)
        {
            html.Append(CultureInfo.InvariantCulture, $"<link rel=\"stylesheet\" href=\"{Enc(assets.Url("leaflet.css"))}\">");
        }

        html.Append(CultureInfo.InvariantCulture, $"<link rel=\"stylesheet\" href=\"{Enc(assets.Url("map.css"))}\"></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<header><h1>{Enc(t["heading"])}</h1><a class=\"lang\" lang=\"{t.OtherLanguage}\" href=\"{Enc(Link(page, lang: t.OtherLanguage))}\">{Enc(t["otherLanguage"])}</a></header>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\" id=\"as-of\">{Enc(t.Format("asOf", local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), index.Zone.Id))} <span class=\"live-note\" hidden>{Enc(t.Format("live", (int)map.RefreshInterval.TotalSeconds))}</span></p>");
        if (page.Ignored.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"notice\" role=\"alert\">{Enc(t.Format("ignored", string.Join(", ", page.Ignored.Order(StringComparer.Ordinal))))}</p>");
        }

        AppendControls(html, page);
        var views = index.Stations.Select(s => index.View(s, page.Now)).ToList();
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"map\" class=\"maps\" aria-label=\"{Enc(t["mapLabel"])}\">");
        foreach (var city in registry.Cities.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var districts = city.Districts.Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
            html.Append(CityMap(city, views.Where(v => districts.Contains(v.Map.Station.District)).ToList(), t));
        }

        html.Append("</section>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"legend\" aria-hidden=\"true\"><span><i class=\"dot open\"></i>✓ {Enc(t["open"])}</span><span><i class=\"dot closed\"></i>✕ {Enc(t["closed"])}</span><span><i class=\"dot stale\"></i>? {Enc(t["stale"])}</span><span>{Enc(t["legendChargers"])}</span></p>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(t["staleNote"])}</p>");

        html.Append("<p id=\"live\" class=\"visually-hidden\" aria-live=\"polite\"></p>");
        if (page.Query.Near is { } near)
        {
            var nearest = index.Query(page.Query with { Bbox = null }, page.Now);
            html.Append(CultureInfo.InvariantCulture, $"<section class=\"list\" aria-labelledby=\"nearest\"><h2 id=\"nearest\">{Enc(t[page.Query.OpenNow == true ? "nearestOpen" : "nearest"])}</h2>");
            AppendList(html, "ol", nearest, page, near);
            html.Append("</section>");
        }
        else
        {
            foreach (var city in registry.Cities.OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                var names = city.Districts.Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
                var all = views.Where(v => names.Contains(v.Map.Station.District)).ToList();
                var shown = all.Where(v => Matches(v, page.Query)).OrderBy(v => v.Map.Station.Name, StringComparer.Ordinal).ToList();
                html.Append(CultureInfo.InvariantCulture, $"<section class=\"list city\" data-city=\"{Enc(city.Id)}\" aria-labelledby=\"city-{Enc(city.Id)}\"><h2 id=\"city-{Enc(city.Id)}\" data-name=\"{Enc(city.Name)}\">{Enc(t.Format("cityCount", city.Name, shown.Count(v => v.OpenNow), shown.Count))}</h2>");
                AppendList(html, "ul", shown, page, null);
                html.Append("</section>");
            }
        }

        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(t["geojson"])} <a href=\"/api/v1/stations\"><code>/api/v1/stations</code></a></p>");
        AppendConfig(html, page);
        if (map.HasTiles)
        {
            html.Append(CultureInfo.InvariantCulture, $"<script src=\"{Enc(assets.Url("leaflet.js"))}\" defer></script>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<script src=\"{Enc(assets.Url("map.js"))}\" defer></script></body></html>");
        return html.ToString();
    }

    /// <summary>"Locate me" (shown by the script), the open-now switch and the service filter: plain links, so they work with no script.</summary>
    private void AppendControls(StringBuilder html, Page page)
    {
        var t = page.Text;
        var openOnly = page.Query.OpenNow == true;
        html.Append(CultureInfo.InvariantCulture, $"<nav class=\"controls\" aria-label=\"{Enc(t["filters"])}\"><button type=\"button\" id=\"locate\" hidden>◎ {Enc(t["locate"])}</button><span id=\"locate-status\" class=\"meta\" role=\"status\"></span>");
        html.Append(CultureInfo.InvariantCulture, $"<a class=\"chip\" href=\"{Enc(Link(page, openNow: openOnly ? (page.Query.Near is null ? string.Empty : "false") : "true"))}\" aria-pressed=\"{(openOnly ? "true" : "false")}\" role=\"button\">{(openOnly ? "☑" : "☐")} {Enc(t["openOnly"])}</a>");
        if (page.Query.Near is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<a class=\"chip\" href=\"{Enc(Link(page, near: string.Empty, openNow: string.Empty))}\">{Enc(t["allStations"])}</a>");
        }

        var selected = page.Query.Services;
        html.Append(CultureInfo.InvariantCulture, $"<details class=\"services\"><summary>{Enc(t["serviceFilter"])}: {Enc(selected.Count == 0 ? t["anyService"] : string.Join(", ", selected.Select(code => registry.FindStationService(code)!.Name)))}</summary><ul>");
        html.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{Enc(Link(page, service: string.Empty))}\"{(selected.Count == 0 ? " aria-current=\"true\"" : string.Empty)}>{Enc(t["anyService"])}</a></li>");
        foreach (var service in registry.StationServices)
        {
            var current = selected.Count == 1 && selected[0] == service.Code;
            html.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{Enc(Link(page, service: service.Code))}\" data-service=\"{Enc(service.Code)}\"{(current ? " aria-current=\"true\"" : string.Empty)}>{Enc(service.Name)}</a></li>");
        }

        html.Append("</ul></details></nav>");
    }

    private void AppendList(StringBuilder html, string tag, List<StationView> views, Page page, (double Lat, double Lon)? from)
    {
        if (views.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(page.Text["noMatch"])}</p>");
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<{tag} class=\"stations\">");
        foreach (var view in views)
        {
            AppendCard(html, view, page, from);
        }

        html.Append(CultureInfo.InvariantCulture, $"</{tag}>");
    }

    /// <summary>One station as the list shows it; <c>map.js</c> rewrites its <c>.state</c>, <c>.chargers</c> and <c>.fresh</c> parts on each refresh.</summary>
    private void AppendCard(StringBuilder html, StationView view, Page page, (double Lat, double Lon)? from)
    {
        var t = page.Text;
        var station = view.Map.Station;
        var district = registry.Cities.SelectMany(c => c.Districts).FirstOrDefault(d => d.Code == station.District)?.Name ?? station.District;
        var id = Enc(station.Id);
        html.Append(CultureInfo.InvariantCulture, $"<li class=\"station\" data-station=\"{id}\" data-status=\"{view.Status}\"><article aria-labelledby=\"name-{id}\">");
        html.Append(CultureInfo.InvariantCulture, $"<h3 class=\"name\" id=\"name-{id}\">{Enc(station.Name)}</h3>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"state\">{State(view, t)}</p>");
        if (view.DistanceMeters is { } distance)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"distance\" data-meters=\"{Math.Round(distance).ToString(CultureInfo.InvariantCulture)}\">{Enc(t.Format("away", Distance(distance)))}</p>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p class=\"chargers\">{Enc(Chargers(view, t))}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(district)}{(station.Address is { } address ? " · " + Enc(address) : string.Empty)}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(view.Map.Hours is { } hours ? t.Format("hours", hours.Text) : t["hoursUnknown"])}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Enc(t.Format("services", string.Join(", ", view.Map.Services.Select(s => s.Name))))}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"fresh\">{Fresh(view, t, page.Now)}</p>");
        if (station.Location is { } at)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"nav\">{Enc(t["navigate"])} ");
            foreach (var (kind, href) in NavigationLinks(station.Name, at, from))
            {
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"{kind}\" href=\"{Enc(href)}\" rel=\"noopener noreferrer\">{Enc(t[kind])}</a> ");
            }

            html.Append("</p>");
        }

        html.Append("</article></li>");
    }

    /// <summary>
    /// The three ways to get there (positions are WGS-84, as the registry gives them): a <c>geo:</c> URI
    /// (RFC 5870, with the <c>q=</c> label phones read), Amap's public route URI (riding,
    /// <c>coordinate=wgs84</c>; without <c>from</c> the app starts at the rider's own position), and
    /// OpenStreetMap's bicycle directions (from <c>near</c> when known).
    /// </summary>
    public static IEnumerable<(string Kind, string Href)> NavigationLinks(string name, GeoPoint at, (double Lat, double Lon)? from)
    {
        ArgumentNullException.ThrowIfNull(at);
        var lat = Coordinate(at.Lat);
        var lon = Coordinate(at.Lon);
        yield return ("geo", $"geo:{lat},{lon}?q={lat},{lon}({Uri.EscapeDataString(name.Replace('(', ' ').Replace(')', ' '))})");
        yield return ("amap", $"https://uri.amap.com/navigation?to={lon},{lat},{Uri.EscapeDataString(name.Replace(',', ' '))}&mode=ride&coordinate=wgs84&callnative=1&src=stationhub");
        var start = from is { } f ? Coordinate(f.Lat) + "," + Coordinate(f.Lon) : string.Empty;
        yield return ("osm", $"https://www.openstreetmap.org/directions?engine=fossgis_osrm_bike&route={Uri.EscapeDataString(start + ";" + lat + "," + lon)}");
    }

    private static string Coordinate(double degrees) => Math.Round(degrees, 6).ToString("0.######", CultureInfo.InvariantCulture);

    private static string State(StationView view, StationMapText t)
    {
        var symbol = view.Status switch { "open" => "✓", "closed" => "✕", _ => "?" };
        var state = $"<span class=\"badge {view.Status}\">{symbol} {Enc(t[view.Status])}</span>";
        return view.Stale && view.ScheduledOpen is { } scheduled ? state + $" <span class=\"meta\">{Enc(t[scheduled ? "hoursSayOpen" : "hoursSayClosed"])}</span>" : state;
    }

    private static string Chargers(StationView view, StationMapText t) => view.Live is { } live
        ? "⚡ " + t.Format("chargers", view.Stale ? t["unknown"] : live.ChargersFree.ToString(CultureInfo.InvariantCulture), live.ChargersTotal.ToString(CultureInfo.InvariantCulture))
        : "⚡ " + t["chargersNone"];

    private string Fresh(StationView view, StationMapText t, DateTimeOffset now)
    {
        if (view.Live is not { } live)
        {
            return Enc(t["noReport"]);
        }

        var local = TimeZoneInfo.ConvertTime(live.ObservedAt, index.Zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        return $"<time datetime=\"{IsoTimestamp.Format(live.ObservedAt)}\">{Enc(t.Format("lastReport", local, Ago(now - live.ObservedAt, t)))}</time>";
    }

    /// <summary>How long ago, as the script words it too.</summary>
    private static string Ago(TimeSpan age, StationMapText t) => age.TotalMinutes switch
    {
        < 1 => t["justNow"],
        < 60 => t.Format("minutesAgo", (int)age.TotalMinutes),
        < 24 * 60 => t.Format("hoursAgo", (int)age.TotalHours),
        _ => t.Format("daysAgo", (int)age.TotalDays),
    };

    private static string Distance(double meters) => meters < 1000
        ? (Math.Round(meters / 10) * 10).ToString("0", CultureInfo.InvariantCulture) + " m"
        : (meters / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km";

    private static bool Matches(StationView view, StationQuery query) =>
        (query.OpenNow is not { } open || view.OpenNow == open) && query.Services.All(code => view.Map.Services.Any(s => s.Code == code));

    /// <summary>
    /// A link to this page with one parameter changed (an empty string removes it), keeping the others:
    /// <c>near</c>, <c>service</c>, <c>openNow</c>, <c>lang</c>.
    /// </summary>
    private static string Link(Page page, string? near = null, string? service = null, string? openNow = null, string? lang = null)
    {
        var values = new List<(string, string)>();
        void Add(string name, string? changed, string? current)
        {
            var value = changed ?? current;
            if (!string.IsNullOrEmpty(value))
            {
                values.Add((name, value));
            }
        }

        var nearNow = page.Query.Near is { } n ? Coordinate(n.Lat) + "," + Coordinate(n.Lon) : null;
        Add("near", near, nearNow);
        Add("service", service, page.Query.Services.Count > 0 ? string.Join(',', page.Query.Services) : null);
        var openNowNow = page.Query.OpenNow switch
        {
            true when page.Query.Near is not null => null, // the nearest list's default
            true => "true",
            false => "false",
            _ => null,
        };
        Add("openNow", openNow, near == string.Empty ? null : openNowNow);
        Add("lang", lang, page.Request.Query("lang") is "zh" or "en" ? page.Lang : null);
        return "/map" + (values.Count == 0 ? string.Empty : "?" + string.Join('&', values.Select(v => v.Item1 + "=" + Uri.EscapeDataString(v.Item2))));
    }

    /// <summary>What the script needs, as a JSON data block (never run; the CSP allows only files of this hub).</summary>
    private void AppendConfig(StringBuilder html, Page page)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("lang", page.Lang);
            json.WriteString("zone", index.Zone.Id);
            json.WriteString("api", "/api/v1/stations?limit=" + Math.Clamp(index.Stations.Count, 1, StationMapApi.MaxLimit).ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("refreshMs", (long)map.RefreshInterval.TotalMilliseconds);
            if (page.Query.Near is { } near)
            {
                json.WriteStartArray("near");
                json.WriteNumberValue(near.Lat);
                json.WriteNumberValue(near.Lon);
                json.WriteEndArray();
            }
            else
            {
                json.WriteNull("near");
            }

            json.WriteString("mapPage", Link(page, near: string.Empty));
            if (map.HasTiles)
            {
                json.WriteStartObject("tiles");
                json.WriteString("url", map.TileUrl);
                json.WriteString("attribution", map.TileAttribution);
                if (!string.IsNullOrWhiteSpace(map.TileAttributionUrl))
                {
                    json.WriteString("attributionUrl", map.TileAttributionUrl);
                }

                json.WriteString("subdomains", map.TileSubdomains);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("tiles");
            }

            json.WriteStartObject("services");
            foreach (var service in registry.StationServices)
            {
                json.WriteString(service.Code, service.Name);
            }

            json.WriteEndObject();
            json.WriteStartObject("districts");
            foreach (var district in registry.Cities.SelectMany(c => c.Districts))
            {
                json.WriteString(district.Code, district.Name);
            }

            json.WriteEndObject();
            json.WriteStartObject("text");
            foreach (var (key, value) in page.Text.Words)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        // The default encoder escapes <, > and &, so the block cannot close itself.
        html.Append("<script type=\"application/json\" id=\"map-config\">").Append(Encoding.UTF8.GetString(buffer.ToArray())).Append("</script>");
    }

    /// <summary>One city's districts and stations, projected equirectangularly (longitude scaled by the cosine of the mean latitude).</summary>
    private static string CityMap(City city, List<StationView> views, StationMapText t)
    {
        var points = city.Districts.SelectMany(d => d.Area.Vertices).ToList();
        var minLat = points.Min(p => p.Lat);
        var maxLat = points.Max(p => p.Lat);
        var minLon = points.Min(p => p.Lon);
        var maxLon = points.Max(p => p.Lon);
        var scaleX = Math.Cos(double.DegreesToRadians((minLat + maxLat) / 2));
        var scale = Math.Min((Width - (2 * Pad)) / ((maxLon - minLon) * scaleX), (Height - (2 * Pad)) / (maxLat - minLat));
        (double X, double Y) Project(double lat, double lon) => (Pad + ((lon - minLon) * scaleX * scale), Height - Pad - ((lat - minLat) * scale));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure class=\"schematic\"><figcaption>{Enc(city.Name)}</figcaption><svg viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Enc(t.Format("schematicLabel", city.Name))}\">");
        foreach (var district in city.Districts)
        {
            var ring = string.Join(' ', district.Area.Vertices.Select(v => Project(v.Lat, v.Lon)).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#}")));
            var (cx, cy) = Project(district.Area.Vertices.Average(v => v.Lat), district.Area.Vertices.Average(v => v.Lon));
            svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{ring}\" fill=\"#ffffff\" stroke=\"#8c959f\" stroke-width=\"1\"/><text x=\"{cx:0.#}\" y=\"{cy:0.#}\" font-size=\"11\" fill=\"#8c959f\" text-anchor=\"middle\">{Enc(district.Name)}</text>");
        }

        foreach (var view in views.Where(v => v.Map.Station.Location is not null))
        {
            var at = view.Map.Station.Location!;
            var (x, y) = Project(at.Lat, at.Lon);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"station\" data-station=\"{Enc(view.Map.Station.Id)}\" data-status=\"{view.Status}\"><circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"7\" stroke=\"#fff\" stroke-width=\"2\"><title>{Enc(view.Map.Station.Name)}: {Enc(t[view.Status])}</title></circle>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 9:0.#}\" y=\"{y + 4:0.#}\" font-size=\"11\" font-weight=\"600\">{Label(view)}</text></g>");
        }

        return svg.Append("</svg></figure>").ToString();
    }

    /// <summary>The dot's label: a symbol for the state (not colour alone) and free/total chargers.</summary>
    private static string Label(StationView view)
    {
        var symbol = view.Status switch { "open" => "✓", "closed" => "✕", _ => "?" };
        var chargers = view.Live is { } live ? (view.Stale ? "?" : live.ChargersFree.ToString(CultureInfo.InvariantCulture)) + "/" + live.ChargersTotal.ToString(CultureInfo.InvariantCulture) : "–";
        return symbol + " ⚡" + Enc(chargers);
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
