using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StationHub.Ledger;

namespace StationHub.Stations;

/// <summary>
/// The warm map's part of the public ledger: its minutes are sums, each district's night coverage
/// is a share of its night minutes (never too few to judge: it counts minutes, not cases), and the
/// page shows night coverage by district.
/// </summary>
public sealed class StationLedgerSection : LedgerSection
{
    /// <summary>A district's night coverage: the share of its night minutes (22:00–06:00) with a station open, basis points.</summary>
    public const string NightCoverageShare = "station.night-coverage-bp";

    public override bool IsSum(string kind) => kind.StartsWith("station.", StringComparison.Ordinal);

    public override void Summarise(SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries)
    {
        if (figures.TryGetValue(StationLedgerKinds.NightMinutes, out var night) && night > 0)
        {
            figures[NightCoverageShare] = figures.GetValueOrDefault(StationLedgerKinds.NightCoveredMinutes) * 10_000L / night;
        }
    }

    public override string? SampleOf(string shareKind) => shareKind == NightCoverageShare ? StationLedgerKinds.NightMinutes : null;

    public override bool JudgedOnAnySample(string shareKind) => shareKind == NightCoverageShare;

    /// <summary>The night coverage by district (22:00–06:00: the share of night minutes with a station open), with its sample size.</summary>
    public override Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default)
    {
        if (latestDay is null)
        {
            return Task.FromResult(string.Empty);
        }

        using var document = JsonDocument.Parse(latestDay);
        var rows = new StringBuilder();
        foreach (var scope in document.RootElement.GetProperty("figures").EnumerateObject().Where(s => s.Name.StartsWith("district~", StringComparison.Ordinal)))
        {
            if (scope.Value.TryGetProperty(NightCoverageShare, out var share) && scope.Value.TryGetProperty(StationLedgerKinds.NightMinutes, out var night))
            {
                rows.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(scope.Name["district~".Length..])}</td><td>{(share.GetInt64() / 100.0).ToString("0.#", CultureInfo.InvariantCulture)} %</td><td>{night.GetInt64()}</td></tr>");
            }
        }

        var date = document.RootElement.GetProperty("date").GetString() ?? string.Empty;
        return Task.FromResult(rows.Length == 0 ? string.Empty
            : $"<h2>Night coverage by district ({WebUtility.HtmlEncode(date)})</h2><p>The share of night minutes (22:00–06:00) with at least one station open by live report.</p><div class=\"scroll\"><table><thead><tr><th>District</th><th>Night coverage</th><th>Night minutes</th></tr></thead><tbody>{rows}</tbody></table></div>");
    }
}
