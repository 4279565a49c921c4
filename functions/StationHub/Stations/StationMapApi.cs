using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using NetTopologySuite.Geometries;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.Stations;

/// <summary>
/// <c>GET /api/v1/stations</c> (public): the warm map as an RFC 7946 GeoJSON FeatureCollection, from the
/// in-memory <see cref="StationIndex"/>. Filters: <c>bbox=west,south,east,north</c>, <c>near=lat,lon</c>
/// (nearest first, with <c>distanceMeters</c>), <c>limit</c> (1–10000, default 100), <c>openNow=true|false</c>
/// and <c>service=code[,code]</c> (all of them). The answer carries a strong ETag of its bytes (a matching
/// <c>If-None-Match</c> gets 304) and <c>Cache-Control: public, max-age=30</c>: the data is minute-fresh.
/// </summary>
public sealed class StationMapApi(StationIndex index, HubRegistry registry, TimeProvider time)
{
    public const string GeoJsonContentType = "application/geo+json; charset=utf-8";
    public const string CacheControl = "public, max-age=30, stale-while-revalidate=30";
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = ReadQuery(request, errors);
        if (errors.Count > 0)
        {
            return HubResponse.Problem(Problem.BadRequest("The map query is not valid.", errors));
        }

        await index.EnsureFreshAsync(cancellationToken);
        var views = index.Query(query!, time.GetUtcNow());
        var body = Write(views);
        var etag = "\"" + Convert.ToBase64String(SHA256.HashData(body.Span)[..18]).Replace('+', '-').Replace('/', '_') + "\"";
        var headers = new Dictionary<string, string>
        {
            ["ETag"] = etag,
            ["Cache-Control"] = CacheControl,
            ["Access-Control-Allow-Origin"] = "*",
            ["Access-Control-Expose-Headers"] = "ETag",
        };
        if (Matches(request.Header("If-None-Match"), etag))
        {
            return new HubResponse(304, null, ReadOnlyMemory<byte>.Empty, headers);
        }

        return new HubResponse(StatusCodes.Ok, GeoJsonContentType, body, headers);
    }

    /// <summary>The GeoJSON of the views, in their order.</summary>
    public static ReadOnlyMemory<byte> Write(IReadOnlyList<StationView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var buffer = new ArrayBufferWriter<byte>(256 + (views.Count * 600));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteStartArray("features");
            foreach (var view in views)
            {
                WriteFeature(json, view);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void WriteFeature(Utf8JsonWriter json, StationView view)
    {
        var station = view.Map.Station;
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteString("id", station.Id);
        if (station.Location is { } at)
        {
            json.WriteStartObject("geometry");
            json.WriteString("type", "Point");
            json.WriteStartArray("coordinates");
            json.WriteNumberValue(Math.Round(at.Lon, 7));
            json.WriteNumberValue(Math.Round(at.Lat, 7));
            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("geometry");
        }

        json.WriteStartObject("properties");
        json.WriteString("id", station.Id);
        json.WriteString("name", station.Name);
        json.WriteString("district", station.District);
        WriteStringOrNull(json, "address", station.Address);
        json.WriteStartArray("services");
        foreach (var service in view.Map.Services)
        {
            json.WriteStartObject();
            json.WriteString("code", service.Code);
            json.WriteString("name", service.Name);
            json.WriteString("kind", service.Kind);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteStringOrNull(json, "openingHours", view.Map.Hours?.Text);
        json.WriteString("status", view.Status);
        json.WriteBoolean("openNow", view.OpenNow);
        if (view.ScheduledOpen is { } scheduled)
        {
            json.WriteBoolean("scheduledOpen", scheduled);
        }
        else
        {
            json.WriteNull("scheduledOpen");
        }

        WriteCapacity(json, "chargers", view.Live is { } c ? (view.Stale ? null : c.ChargersFree, c.ChargersTotal) : (null, null));
        if (view.Live is { SeatsTotal: { } seats } s)
        {
            WriteCapacity(json, "seats", (view.Stale ? null : s.SeatsFree, seats));
        }
        else
        {
            json.WriteNull("seats");
        }

        WriteStringOrNull(json, "lastUpdated", view.Live is { } live ? IsoTimestamp.Format(live.ObservedAt) : null);
        json.WriteBoolean("stale", view.Stale);
        if (view.DistanceMeters is { } distance)
        {
            json.WriteNumber("distanceMeters", Math.Round(distance));
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteCapacity(Utf8JsonWriter json, string name, (int? Free, int? Total) capacity)
    {
        json.WriteStartObject(name);
        WriteIntOrNull(json, "free", capacity.Free);
        WriteIntOrNull(json, "total", capacity.Total);
        json.WriteEndObject();
    }

    private static void WriteIntOrNull(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>RFC 9110 If-None-Match: <c>*</c>, or a list of tags compared weakly.</summary>
    private static bool Matches(string? ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            return false;
        }

        foreach (var tag in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (tag == "*" || (tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag) == etag)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The filters of a map query (the page reads its own the same way); problems go into <paramref name="errors"/> by parameter.</summary>
    internal StationQuery? ReadQuery(HubRequest request, Dictionary<string, string[]> errors)
    {
        Envelope? bbox = null;
        if (request.Query("bbox") is { } bboxText)
        {
            var parts = Numbers(bboxText);
            if (parts is not { Length: 4 } || parts[0] < -180 || parts[2] > 180 || parts[1] < -90 || parts[3] > 90 || parts[0] > parts[2] || parts[1] > parts[3])
            {
                errors["bbox"] = ["must be west,south,east,north in degrees (RFC 7946 order), west ≤ east, south ≤ north."];
            }
            else
            {
                bbox = new Envelope(parts[0], parts[2], parts[1], parts[3]);
            }
        }

        (double, double)? near = null;
        if (request.Query("near") is { } nearText)
        {
            var parts = Numbers(nearText);
            if (parts is not { Length: 2 } || Math.Abs(parts[0]) > 90 || Math.Abs(parts[1]) > 180)
            {
                errors["near"] = ["must be lat,lon in degrees, such as near=30.25,120.17."];
            }
            else
            {
                near = (parts[0], parts[1]);
            }
        }

        var limit = DefaultLimit;
        if (request.Query("limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}."];
        }

        bool? openNow = null;
        if (request.Query("openNow") is { } openText)
        {
            if (openText is "true" or "false")
            {
                openNow = openText == "true";
            }
            else
            {
                errors["openNow"] = ["must be true or false."];
            }
        }

        var services = new List<string>();
        if (request.Query("service") is { } serviceText)
        {
            foreach (var code in serviceText.Split(',', StringSplitOptions.TrimEntries))
            {
                if (registry.FindStationService(code) is null)
                {
                    errors["service"] = [$"'{(code.Length > 64 ? code[..64] : code)}' is not a code of the station service list."];
                    break;
                }

                services.Add(code);
            }
        }

        return errors.Count > 0 ? null : new StationQuery(bbox, near, limit, openNow, services);
    }

    private static double[]? Numbers(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var numbers = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                return null;
            }
        }

        return numbers;
    }
}
