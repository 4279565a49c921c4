using System.Collections.Frozen;
using System.Security.Cryptography;
using StationHub.Platform.Http;

namespace StationHub.Stations;

/// <summary>
/// <c>GET /map/assets/{file}</c>: the map page's script and style sheet and Leaflet's, embedded in this
/// assembly at build time (Leaflet from the npm package pinned in <c>Stations/MapAssets/package-lock.json</c>),
/// so the page needs no CDN. The page names each file with <c>?v=</c> and the first bytes of its SHA-256:
/// a request that carries the current one may be cached for a year; any other, for five minutes.
/// </summary>
public sealed class StationMapAssets
{
    private const string Prefix = "map-assets/";

    private readonly FrozenDictionary<string, Asset> assets;

    public StationMapAssets()
    {
        var assembly = typeof(StationMapAssets).Assembly;
        assets = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[Prefix.Length..], name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var bytes = copy.ToArray();
                var version = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 6));
                return new Asset(bytes, ContentType(name), version);
            }, StringComparer.Ordinal);
    }

    /// <summary>The path to link to a file, with its version: <c>/map/assets/leaflet.js?v=…</c>.</summary>
    public string Url(string name) => "/map/assets/" + name + "?v=" + assets[name].Version;

    /// <summary>True when the build embedded the file.</summary>
    public bool Has(string name) => assets.ContainsKey(name);

    public HubResponse Handle(HubRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!assets.TryGetValue(request.Route("file"), out var asset))
        {
            return HubResponse.Problem(Problem.NotFound("There is no such map file."));
        }

        var etag = "\"" + asset.Version + "\"";
        var headers = new Dictionary<string, string>
        {
            ["ETag"] = etag,
            ["Cache-Control"] = request.Query("v") == asset.Version ? "public, max-age=31536000, immutable" : "public, max-age=300",
            ["X-Content-Type-Options"] = "nosniff",
        };
        return request.Header("If-None-Match") == etag
            ? new HubResponse(304, null, ReadOnlyMemory<byte>.Empty, headers)
            : new HubResponse(StatusCodes.Ok, asset.ContentType, asset.Bytes, headers);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string Version);
}
