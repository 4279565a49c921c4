using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StationHub.HazardReports;
using StationHub.Ledger.Checkpoints;
using StationHub.Platform.Http;

namespace StationHub.Ledger;

/// <summary>
/// <c>GET /ledger</c>: the public ledger as a page a person reads on a phone — the sealed days,
/// today's figures so far, and charts drawn here as SVG (revenue and the fund's share over time,
/// points issued against redeemed, the share of reports answered within 24 hours). No script, no
/// third-party request, no tracking; every value is HTML-encoded.
/// </summary>
public sealed class LedgerPage(IServiceProvider services, LedgerStore store, LedgerSealer sealer, CheckpointSection checkpoint)
{
    public const int DaysShown = 30;

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var sealedDays = await store.SealedAsync(cancellationToken);
        var shown = new List<(string Date, string? Hash, Dictionary<string, long> Totals)>();
        foreach (var link in sealedDays.TakeLast(DaysShown))
        {
            var day = await store.FindSealedAsync(DateOnly.ParseExact(link.RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture), cancellationToken);
            shown.Add((link.RowKey, link.Hash, Totals(day!.Json)));
        }

        var draft = await store.FindDraftAsync(sealer.Today, cancellationToken);
        var latest = draft?.Json ?? (sealedDays.Count > 0 ? (await store.FindSealedAsync(DateOnly.ParseExact(sealedDays[^1].RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture), cancellationToken))?.Json : null);
        var sections = new StringBuilder();
        foreach (var section in LedgerDay.Sections)
        {
            sections.Append(await section.PageSectionAsync(services, latest, cancellationToken));
        }

        var html = Render(shown, draft is null ? null : (LedgerStore.Key(sealer.Today), Totals(draft.Json)), sections.ToString())
            .Replace("</body></html>", await checkpoint.RenderAsync(cancellationToken) + "</body></html>", StringComparison.Ordinal);
        return new HubResponse(StatusCodes.Ok, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), new Dictionary<string, string>
        {
            ["Cache-Control"] = "public, max-age=60",
            ["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
            ["X-Content-Type-Options"] = "nosniff",
            ["Referrer-Policy"] = "no-referrer",
        });
    }

    private static Dictionary<string, long> Totals(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("figures").GetProperty(LedgerDay.TotalScope).EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    private static long Sum(Dictionary<string, long> totals, string prefix) =>
        totals.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(t => t.Value);

    /// <summary>
    /// A share with its sample size ("83.3 % of 12"), or, on fewer than <see cref="LedgerDay.MinimumSample"/>
    /// cases, marked too few to judge. Days sealed before samples were published fall back to <paramref name="sampleBefore"/>
    /// (for the 24-hour share, the count of first responses). Flows' page sections use it for their shares.
    /// </summary>
    public static string Share(Dictionary<string, long> figures, string shareKind, string? sampleBefore = null)
    {
        ArgumentNullException.ThrowIfNull(figures);
        if (!figures.TryGetValue(shareKind, out var bp))
        {
            return "–";
        }

        var sample = figures.TryGetValue(LedgerDay.SampleOf(shareKind) ?? string.Empty, out var n) ? n
            : sampleBefore is not null ? figures.GetValueOrDefault(sampleBefore) : 0;
        var text = string.Create(CultureInfo.InvariantCulture, $"{(bp / 100.0).ToString("0.#", CultureInfo.InvariantCulture)} % of {sample}");
        return LedgerDay.TooFewToJudge(shareKind, sample)
            ? $"<span class=\"few\" title=\"Fewer than {LedgerDay.MinimumSample} cases\">too few to judge ({text})</span>"
            : text;
    }

    private static string Render(List<(string Date, string? Hash, Dictionary<string, long> Totals)> days, (string Date, Dictionary<string, long> Totals)? today, string flowSections)
    {
        var html = new StringBuilder();
        html.Append("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>StationHub public ledger</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1b1f23;line-height:1.4}
            h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}
            figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:.5rem}figcaption{font-weight:600;margin-bottom:.25rem}
            svg{width:100%;height:auto}.legend span{margin-right:1rem;font-size:.85rem}
            table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #d0d7de;padding:.35rem;text-align:right}
            th:first-child,td:first-child{text-align:left}code{font-size:.8rem;word-break:break-all}
            .scroll{overflow-x:auto}.few{color:#6e7781;font-style:italic}
            </style></head><body>
            <h1>StationHub public ledger</h1>
            <p>Every day the hub publishes what came in and went out at the rider stations: reports and how fast cities answered,
            pickups and their fees, the governance fund's share, and governance points. Each sealed day carries the hash of the
            day before, so a changed day breaks the chain; anyone can check it from <code>/api/v1/ledger</code> with the verifier.</p>
            """);
        if (today is { } t)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Today so far ({Enc(t.Date)})</h2>").Append(Summary(t.Totals));
        }

        html.Append(flowSections);
        html.Append("<h2>Over time</h2><div class=\"charts\">");
        var labels = days.Select(d => d.Date).ToList();
        html.Append(Chart("Revenue and the governance fund (yuan)", labels,
            [("revenue", "#0969da", days.Select(d => Sum(d.Totals, "pickup.revenue.") / 100.0).ToList()), ("fund", "#1a7f37", days.Select(d => Sum(d.Totals, "pickup.fund.") / 100.0).ToList())]));
        html.Append(Chart("Points issued and redeemed", labels,
            [("issued", "#8250df", days.Select(d => (double)Sum(d.Totals, "points.issued.")).ToList()), ("redeemed", "#bf3989", days.Select(d => (double)Sum(d.Totals, "points.redeemed.")).ToList())]));
        html.Append(Chart("Reports answered within 24 hours (%)", labels,
            [("within 24 h", "#cf222e", days.Select(d => d.Totals.GetValueOrDefault(HazardReportLedgerSection.AcknowledgedWithin24hShare) / 100.0).ToList())]));
        html.Append("</div><h2>Sealed days</h2><div class=\"scroll\"><table><thead><tr><th>Day</th><th>Reports</th><th>Answered ≤ 24 h</th><th>Pickups collected</th><th>Revenue (¥)</th><th>Fund (¥)</th><th>Points issued</th><th>Hash</th></tr></thead><tbody>");
        foreach (var day in Enumerable.Reverse(days))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Enc(day.Date)}</td><td>{day.Totals.GetValueOrDefault("report.received")}</td><td>{Share(day.Totals, HazardReportLedgerSection.AcknowledgedWithin24hShare, LedgerKinds.ReportFirstResponse)}</td><td>{day.Totals.GetValueOrDefault("pickup.collected")}</td><td>{Yuan(Sum(day.Totals, "pickup.revenue."))}</td><td>{Yuan(Sum(day.Totals, "pickup.fund."))}</td><td>{Sum(day.Totals, "points.issued.")}</td><td><code>{Enc((day.Hash ?? string.Empty)[..Math.Min(16, day.Hash?.Length ?? 0)])}…</code></td></tr>");
        }

        if (days.Count == 0)
        {
            html.Append("<tr><td colspan=\"8\">No day has been sealed yet.</td></tr>");
        }

        html.Append("</tbody></table></div></body></html>");
        return html.ToString();
    }

    private static string Summary(Dictionary<string, long> totals) =>
        string.Create(CultureInfo.InvariantCulture, $"<p>{totals.GetValueOrDefault("report.received")} reports received, {totals.GetValueOrDefault("report.routed")} routed, {totals.GetValueOrDefault("report.resolved")} resolved, {totals.GetValueOrDefault(LedgerKinds.ReportReopened)} reopened, answered within 24 h: {Share(totals, HazardReportLedgerSection.AcknowledgedWithin24hShare, LedgerKinds.ReportFirstResponse)}; worker needs: {totals.GetValueOrDefault(LedgerKinds.NeedReceived)} heard, answered in time: {Share(totals, HazardReportLedgerSection.NeedAnsweredWithinSlaShare)}; {totals.GetValueOrDefault("pickup.collected")} pickups collected; ¥{Yuan(Sum(totals, "pickup.revenue."))} revenue, ¥{Yuan(Sum(totals, "pickup.fund."))} to the fund; {Sum(totals, "points.issued.")} points issued, {totals.GetValueOrDefault(LedgerDay.OutstandingPoints)} outstanding.</p>");

    private static string Yuan(long fen) => (fen / 100.0).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Enc(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A line chart as inline SVG, scaled to its data; one point per day.</summary>
    private static string Chart(string title, List<string> labels, List<(string Name, string Color, List<double> Values)> series)
    {
        const int width = 320, height = 160, left = 36, bottom = 20, top = 8;
        var max = Math.Max(1, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{Enc(title)}</figcaption><svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Enc(title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width}\" y2=\"{height - bottom}\" stroke=\"#8c959f\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#8c959f\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"2\" y=\"{top + 8}\" font-size=\"9\">{Enc(max.ToString("0.##", CultureInfo.InvariantCulture))}</text><text x=\"2\" y=\"{height - bottom}\" font-size=\"9\">0</text>");
        if (labels.Count > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 4}\" font-size=\"9\">{Enc(labels[0])}</text><text x=\"{width - 58}\" y=\"{height - 4}\" font-size=\"9\">{Enc(labels[^1])}</text>");
        }

        foreach (var (name, color, values) in series)
        {
            var points = values.Select((v, i) => string.Create(CultureInfo.InvariantCulture,
                $"{left + ((width - left - 4) * (values.Count == 1 ? 0.5 : i / (double)(values.Count - 1))):0.#},{height - bottom - ((height - bottom - top) * v / max):0.#}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"><title>{Enc(name)}</title></polyline>");
        }

        svg.Append("</svg><div class=\"legend\">");
        foreach (var (name, color, _) in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<span style=\"color:{color}\">■ {Enc(name)}</span>");
        }

        return svg.Append("</div></figure>").ToString();
    }
}
