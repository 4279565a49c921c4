using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StationHub.Stations;

/// <summary>
/// The warm map page's settings (section <c>Map</c>). With no <see cref="TileUrl"/> the page draws its
/// schematic and asks nothing of any other host; with one, Leaflet (served by the hub) lays the
/// stations on that street map, and the page's CSP allows images from the tile host and nothing else.
/// </summary>
public sealed class StationMapOptions : IValidatableObject
{
    public const string Section = "Map";

    /// <summary>The default live refresh: the page asks <c>GET /api/v1/stations</c> (with its ETag) this often.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>An XYZ tile template (<c>https://tile.openstreetmap.org/{z}/{x}/{y}.png</c>); empty (the default) for the schematic.</summary>
    public string? TileUrl { get; set; }

    /// <summary>The tile provider's attribution, shown on the map (required with <see cref="TileUrl"/>); plain text.</summary>
    public string? TileAttribution { get; set; }

    /// <summary>Where the attribution links to (the provider's copyright page), optional.</summary>
    public string? TileAttributionUrl { get; set; }

    /// <summary>What <c>{s}</c> in <see cref="TileUrl"/> stands for, one letter each (default <c>abc</c>).</summary>
    [RegularExpression("^[a-z0-9]{1,8}$", ErrorMessage = "Map:TileSubdomains must be 1 to 8 letters or digits, such as abc.")]
    public string TileSubdomains { get; set; } = "abc";

    /// <summary>How often the page refreshes the stations' status (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>True when a street map is configured.</summary>
    public bool HasTiles => !string.IsNullOrWhiteSpace(TileUrl);

    /// <summary>
    /// The origins the tiles come from, as CSP sources: the template's scheme, host and port, with
    /// <c>{s}</c> spelled out once for each of <see cref="TileSubdomains"/>.
    /// </summary>
    public IReadOnlyList<string> TileOrigins()
    {
        if (!HasTiles)
        {
            return [];
        }

        var hosts = TileUrl!.Contains("{s}", StringComparison.Ordinal) ? TileSubdomains.Select(s => TileUrl.Replace("{s}", s.ToString(), StringComparison.Ordinal)) : [TileUrl];
        return [.. hosts.Select(url => new Uri(Placeholders(url)).GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal)];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!HasTiles)
        {
            yield break;
        }

        var template = TileUrl!;
        if (!Uri.TryCreate(Placeholders(template.Replace("{s}", "a", StringComparison.Ordinal)), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment)
            || !template.Contains("{z}", StringComparison.Ordinal) || !template.Contains("{x}", StringComparison.Ordinal) || !template.Contains("{y}", StringComparison.Ordinal)
            || uri.Authority.Contains('{', StringComparison.Ordinal) || template.IndexOfAny(['"', '\'', ' ', ';', '<', '>']) >= 0)
        {
            yield return new ValidationResult("Map:TileUrl must be an http(s) XYZ template with {z}, {x} and {y}, such as https://tile.openstreetmap.org/{z}/{x}/{y}.png.", [nameof(TileUrl)]);
        }

        if (string.IsNullOrWhiteSpace(TileAttribution))
        {
            yield return new ValidationResult("Map:TileAttribution is required with Map:TileUrl: the tile provider's terms ask for it on the map.", [nameof(TileAttribution)]);
        }

        if (!string.IsNullOrWhiteSpace(TileAttributionUrl)
            && (!Uri.TryCreate(TileAttributionUrl, UriKind.Absolute, out var link) || (link.Scheme != Uri.UriSchemeHttps && link.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Map:TileAttributionUrl must be an absolute http(s) URL.", [nameof(TileAttributionUrl)]);
        }
    }

    /// <summary>The template with its placeholders filled, so that it parses as a URL.</summary>
    private static string Placeholders(string template) =>
        template.Replace("{z}", "0", StringComparison.Ordinal).Replace("{x}", "0", StringComparison.Ordinal).Replace("{y}", "0", StringComparison.Ordinal)
            .Replace("{r}", string.Empty, StringComparison.Ordinal);
}

/// <summary>Checks <see cref="StationMapOptions"/>'s data annotations with code generated at compile time (<see cref="Platform.ValidatedOptions"/>).</summary>
[OptionsValidator]
public sealed partial class StationMapOptionsValidator : IValidateOptions<StationMapOptions>;
