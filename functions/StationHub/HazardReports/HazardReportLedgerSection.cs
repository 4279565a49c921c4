using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StationHub.Ledger;

namespace StationHub.HazardReports;

/// <summary>
/// Hazard reports' and worker needs' part of the public ledger: the share of reports first answered
/// within 24 hours and the median first response, the needs answered within their category's SLA,
/// the resolutions that held, and the page's tables of reports by district and needs by district and
/// responsible body.
/// </summary>
public sealed class HazardReportLedgerSection : LedgerSection
{
    public const string AcknowledgedWithin24h = "report.ack-within-24h";
    public const string AcknowledgedWithin24hShare = "report.ack-within-24h-share-bp";
    public const string MedianFirstResponseMinutes = "report.first-response-median-minutes";

    /// <summary>The sample of the 24-hour share and of the median: first responses with a routing time.</summary>
    public const string AcknowledgedWithin24hSample = "report.ack-within-24h-sample";

    /// <summary>Worker needs first answered within their category's SLA, basis points of <see cref="NeedAnsweredWithinSlaSample"/>.</summary>
    public const string NeedAnsweredWithinSlaShare = "need.answered-within-sla-share-bp";

    /// <summary>The sample of the needs' SLA share: worker needs first answered this day.</summary>
    public const string NeedAnsweredWithinSlaSample = "need.answered-within-sla-sample";

    /// <summary>
    /// Resolutions less reopenings (<c>report.resolved</c> − <c>report.reopened</c>): a reopening takes
    /// back, on its own day, the resolution it undoes. Summed over any span of days it counts the
    /// resolutions that held; a day may be negative when it reopens more than it resolves.
    /// </summary>
    public const string ResolvedHeld = "report.resolved-held";

    /// <summary>The same for worker needs (<c>need.resolved</c> − <c>need.reopened</c>).</summary>
    public const string NeedResolvedHeld = "need.resolved-held";

    public override void Summarise(SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(entries);
        var responses = entries.Where(e => e.Kind == LedgerKinds.ReportFirstResponse && e.Hours is not null).Select(e => e.Hours!.Value).Order().ToList();
        if (responses.Count > 0)
        {
            var within = responses.Count(h => h <= 24);
            figures[AcknowledgedWithin24h] = within;
            figures[AcknowledgedWithin24hSample] = responses.Count;
            figures[AcknowledgedWithin24hShare] = within * 10_000L / responses.Count;
            var middle = responses.Count / 2;
            var median = responses.Count % 2 == 1 ? responses[middle] : (responses[middle - 1] + responses[middle]) / 2;
            figures[MedianFirstResponseMinutes] = (long)Math.Round(median * 60, MidpointRounding.AwayFromZero);
        }

        // Worker needs: answered within their category's SLA (judged when the answer was written), beside its sample.
        if (figures.GetValueOrDefault(LedgerKinds.NeedFirstResponse) is > 0 and var needsAnswered)
        {
            figures[NeedAnsweredWithinSlaSample] = needsAnswered;
            figures[NeedAnsweredWithinSlaShare] = figures.GetValueOrDefault(LedgerKinds.NeedAnsweredWithinSla) * 10_000L / needsAnswered;
        }

        // A report closed and then reopened is not a success: its reopening takes the resolution back.
        Held(figures, LedgerKinds.ReportResolved, LedgerKinds.ReportReopened, ResolvedHeld);
        Held(figures, LedgerKinds.NeedResolved, LedgerKinds.NeedReopened, NeedResolvedHeld);
    }

    public override string? SampleOf(string shareKind) => shareKind switch
    {
        AcknowledgedWithin24hShare => AcknowledgedWithin24hSample,
        NeedAnsweredWithinSlaShare => NeedAnsweredWithinSlaSample,
        _ => null,
    };

    /// <summary>
    /// Hazard reports by district, and beside them the worker needs heard and answered by district and
    /// by responsible body: received, answered in time (with its sample, or too few to judge),
    /// resolved, reopened, and the resolutions that held (resolved less reopened).
    /// </summary>
    public override Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default)
    {
        if (latestDay is null)
        {
            return Task.FromResult(string.Empty);
        }

        using var document = JsonDocument.Parse(latestDay);
        var scopes = document.RootElement.GetProperty("figures").EnumerateObject()
            .ToDictionary(s => s.Name, s => s.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal), StringComparer.Ordinal);
        var date = document.RootElement.GetProperty("date").GetString() ?? string.Empty;
        var html = new StringBuilder();

        var reports = new StringBuilder();
        foreach (var (scope, figures) in scopes.Where(s => s.Key.StartsWith("district~", StringComparison.Ordinal) && s.Value.Keys.Any(k => k.StartsWith("report.", StringComparison.Ordinal))))
        {
            var hazards = figures.GetValueOrDefault(LedgerKinds.ReportReceived) - figures.GetValueOrDefault(LedgerKinds.NeedReceived);
            reports.Append(CultureInfo.InvariantCulture, $"<tr><td>{Enc(scope["district~".Length..])}</td><td>{hazards}</td><td>{LedgerPage.Share(figures, AcknowledgedWithin24hShare, LedgerKinds.ReportFirstResponse)}</td><td>{figures.GetValueOrDefault(LedgerKinds.ReportResolved)}</td><td>{figures.GetValueOrDefault(LedgerKinds.ReportReopened)}</td><td>{figures.GetValueOrDefault(ResolvedHeld)}</td></tr>");
        }

        if (reports.Length > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Reports by district ({Enc(date)})</h2><p>Hazards received; the share of all reports answered within 24 hours, with the number answered; resolved, reopened (closed, and not fixed), and the resolutions that held: resolved less reopened. A share of fewer than {LedgerDay.MinimumSample} reports is too few to judge.</p>")
                .Append("<div class=\"scroll\"><table><thead><tr><th>District</th><th>Hazards received</th><th>Answered ≤ 24 h</th><th>Resolved</th><th>Reopened</th><th>Resolved and held</th></tr></thead><tbody>")
                .Append(reports).Append("</tbody></table></div>");
        }

        var needs = new StringBuilder();
        foreach (var (scope, figures) in scopes.Where(s => (s.Key.StartsWith("district~", StringComparison.Ordinal) || LedgerScopes.IsView(s.Key)) && s.Value.Keys.Any(k => k.StartsWith("need.", StringComparison.Ordinal))))
        {
            var name = LedgerScopes.IsView(scope) ? "body " + scope[LedgerScopes.BodyPrefix.Length..] : "district " + scope["district~".Length..];
            needs.Append(CultureInfo.InvariantCulture, $"<tr><td>{Enc(name)}</td><td>{figures.GetValueOrDefault(LedgerKinds.NeedReceived)}</td><td>{LedgerPage.Share(figures, NeedAnsweredWithinSlaShare)}</td><td>{figures.GetValueOrDefault(LedgerKinds.NeedResolved)}</td><td>{figures.GetValueOrDefault(LedgerKinds.NeedReopened)}</td><td>{figures.GetValueOrDefault(NeedResolvedHeld)}</td></tr>");
        }

        if (needs.Length > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Needs heard and answered ({Enc(date)})</h2><p>Workers' own needs (night rest, wages, chargers, job fit, dispatch pressure), by district and by the body responsible: received, the share first answered within the category's promised hours, resolved, reopened, and resolutions that held.</p>")
                .Append("<div class=\"scroll\"><table><thead><tr><th>Where</th><th>Needs received</th><th>Answered in time</th><th>Resolved</th><th>Reopened</th><th>Resolved and held</th></tr></thead><tbody>")
                .Append(needs).Append("</tbody></table></div>");
        }

        return Task.FromResult(html.ToString());
    }

    private static void Held(SortedDictionary<string, long> figures, string resolved, string reopened, string held)
    {
        if (figures.ContainsKey(resolved) || figures.ContainsKey(reopened))
        {
            figures[held] = figures.GetValueOrDefault(resolved) - figures.GetValueOrDefault(reopened);
        }
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
