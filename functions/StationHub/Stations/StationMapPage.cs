using System.Globalization;
using System.Net;
using System.Text;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>
/// <c>GET /map</c>: the warm map as a page a rider reads on a phone. One panel per city: its districts
/// drawn from the registry's outlines and every station as a dot, green open, grey closed, amber stale,
/// with its free chargers; then a list of the stations with their hours and services. Drawn here as
/// SVG: no script, no tile server, no third-party request; every value is HTML-encoded. The page asks
/// the browser to reload it every minute.
/// </summary>
public sealed class StationMapPage(StationIndex index, HubRegistry registry, TimeProvider time)
{
    private const int Width = 360;
    private const int Height = 300;
    private const int Pad = 14;

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        await index.EnsureFreshAsync(cancellationToken);
        var now = time.GetUtcNow();
        var views = index.Stations.Select(s => index.View(s, now)).ToList();
        var html = Render(views, now);
        return new HubResponse(StatusCodes.Ok, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), new Dictionary<string, string>
        {
            ["Cache-Control"] = "public, max-age=30",
            ["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
            ["X-Content-Type-Options"] = "nosniff",
            ["Referrer-Policy"] = "no-referrer",
        });
    }

    private string Render(List<StationView> views, DateTimeOffset now)
    {
        var html = new StringBuilder();
        var local = TimeZoneInfo.ConvertTime(now, index.Zone);
        html.Append("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="60">
            <title>StationHub warm map</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:0 auto;max-width:960px;padding:.75rem;color:#1b1f23;line-height:1.4}
            h1{font-size:1.4rem;margin:.25rem 0}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
            .legend span{margin-right:.9rem;font-size:.9rem;white-space:nowrap}.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;vertical-align:-.1rem;margin-right:.25rem}
            .open{background:#1a7f37}.closed{background:#6e7781}.stale{background:#d4a72c}
            .maps{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
            figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:.4rem}figcaption{font-weight:600}
            svg{width:100%;height:auto;background:#f6f8fa;border-radius:6px}
            ul{list-style:none;padding:0;margin:0}li{border-bottom:1px solid #d0d7de;padding:.5rem 0}
            .name{font-weight:600}.meta{font-size:.85rem;color:#57606a}.badge{font-size:.8rem;font-weight:600;border-radius:1rem;padding:.05rem .5rem;color:#fff;margin-left:.35rem}
            </style></head><body>
            <h1>Warm map: rider stations now</h1>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">As of {Enc(local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} ({Enc(index.Zone.Id)}). Stale means no live report lately: the station's hours say whether it should be open; free chargers are then unknown.</p>");
        html.Append("<p class=\"legend\"><span><i class=\"dot open\"></i>open</span><span><i class=\"dot closed\"></i>closed</span><span><i class=\"dot stale\"></i>stale (no live report)</span><span>⚡ free/total chargers</span></p>");
        html.Append("<div class=\"maps\">");
        foreach (var city in registry.Cities.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var districts = city.Districts.Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
            html.Append(CityMap(city, views.Where(v => districts.Contains(v.Map.Station.District)).ToList()));
        }

        html.Append("</div>");
        foreach (var city in registry.Cities.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var names = city.Districts.ToDictionary(d => d.Code, d => d.Name, StringComparer.Ordinal);
            var list = views.Where(v => names.ContainsKey(v.Map.Station.District)).OrderBy(v => v.Map.Station.Name, StringComparer.Ordinal).ToList();
            html.Append(CultureInfo.InvariantCulture, $"<h2>{Enc(city.Name)}: {list.Count(v => v.OpenNow)} of {list.Count} open</h2><ul>");
            foreach (var view in list)
            {
                var station = view.Map.Station;
                html.Append(CultureInfo.InvariantCulture, $"<li data-station=\"{Enc(station.Id)}\" data-status=\"{view.Status}\"><span class=\"name\">{Enc(station.Name)}</span><span class=\"badge {view.Status}\">{view.Status}</span>");
                html.Append(CultureInfo.InvariantCulture, $" <span>⚡ {Chargers(view)}</span>");
                if (view.Stale)
                {
                    html.Append(view.ScheduledOpen switch { true => " <span class=\"meta\">hours say open</span>", false => " <span class=\"meta\">hours say closed</span>", _ => string.Empty });
                }

                html.Append(CultureInfo.InvariantCulture, $"<div class=\"meta\">{Enc(names[station.District])} · {Enc(station.Address ?? string.Empty)} · {Enc(view.Map.Hours?.Text ?? "hours unknown")}</div>");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"meta\">{Enc(string.Join(", ", view.Map.Services.Select(s => s.Name)))}</div>");
                var updated = view.Live is { } live ? "last report " + IsoTimestamp.Format(live.ObservedAt) : "no live report yet";
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"meta\">{Enc(updated)}</div></li>");
            }

            html.Append("</ul>");
        }

        html.Append("<p class=\"meta\">The same data as GeoJSON: <code>/api/v1/stations</code>.</p></body></html>");
        return html.ToString();
    }

    private static string Chargers(StationView view) =>
        view.Live is { } live ? (view.Stale ? "?" : live.ChargersFree.ToString(CultureInfo.InvariantCulture)) + "/" + live.ChargersTotal.ToString(CultureInfo.InvariantCulture) : "–";

    /// <summary>One city's districts and stations, projected equirectangularly (longitude scaled by the cosine of the mean latitude).</summary>
    private static string CityMap(City city, List<StationView> views)
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
        svg.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{Enc(city.Name)}</figcaption><svg viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"Stations of {Enc(city.Name)}\">");
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
            var color = view.Status switch { "open" => "#1a7f37", "stale" => "#d4a72c", _ => "#6e7781" };
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"station\" data-status=\"{view.Status}\"><circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"7\" fill=\"{color}\" stroke=\"#fff\" stroke-width=\"2\"><title>{Enc(view.Map.Station.Name)}: {view.Status}</title></circle>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 9:0.#}\" y=\"{y + 4:0.#}\" font-size=\"11\" font-weight=\"600\">⚡{Enc(Chargers(view))}</text></g>");
        }

        return svg.Append("</svg></figure>").ToString();
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
