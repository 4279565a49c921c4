using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StationHub.Ledger;
using StationHub.Platform.Http;
using StationHub.Platform.Json;
using StationHub.Platform.Registry;

namespace StationHub.GigWork;

/// <summary>
/// Each station's gig-work year so far beside what its district's policy pays for it: read from the
/// public ledger (today's draft, else the last sealed day of the policy year), the subsidy computed
/// from those published counts and the registry's tiers. Served as
/// <c>GET /api/v1/gig-work/stations</c> (public) and as a section of the ledger page.
/// </summary>
public sealed class GigWorkStandings(HubRegistry registry, LedgerStore store, LedgerSealer sealer)
{
    public async Task<IReadOnlyList<GigWorkStanding>> StandingsAsync(CancellationToken cancellationToken = default)
    {
        var today = sealer.Today;
        var standings = new List<GigWorkStanding>();
        var days = new Dictionary<DateOnly, JsonDocument?>();
        try
        {
            foreach (var station in registry.Document.Stations)
            {
                if (registry.FindSubsidyPolicy(station.District) is not { } policy || policy.YearStartFor(today) is not { } start)
                {
                    continue;
                }

                var (asOf, figures) = await LatestAsync(LedgerScopes.Station(station.Id), start, today, days, cancellationToken);
                long Figure(string name) => figures.GetValueOrDefault(name);
                long? Share(string name) => figures.TryGetValue(name, out var value) ? value : null;
                var wanted = Figure(GigWorkFigures.YearToDate(GigWorkFigures.WorkersWanted));
                var matches = Figure(GigWorkFigures.YearMatches);
                long On(string basis) => policy.SubsidyFen(wanted, Figure(GigWorkFigures.YearCountOn(basis)));
                standings.Add(new GigWorkStanding(
                    station.Id, station.Name, station.District, policy.Id, policy.Name, start, asOf,
                    wanted, matches, On(policy.Basis), policy.CapFen,
                    Figure(GigWorkFigures.YearToDate(GigWorkKinds.MatchMade)),
                    Figure(GigWorkFigures.YearToDate(GigWorkKinds.MatchCompleted)),
                    Figure(GigWorkFigures.YearToDate(GigWorkKinds.MatchPaid)),
                    Figure(GigWorkFigures.YearToDate(GigWorkFigures.PaySample)),
                    Share(GigWorkFigures.YearToDate(GigWorkFigures.PaidWithin2hShare)),
                    Figure(GigWorkFigures.YearToDate(GigWorkKinds.MatchMade)),
                    Share(GigWorkFigures.YearToDate(GigWorkFigures.RepeatShare)),
                    policy.Version,
                    policy.Basis,
                    Figure(GigWorkFigures.YearCountOn(policy.Basis)),
                    On(SubsidyBases.Made),
                    On(SubsidyBases.Completed),
                    On(SubsidyBases.Paid),
                    Figure(GigWorkFigures.YearToDate(GigWorkFigures.MatchesPerWorkerMax)),
                    Share(GigWorkFigures.TopWorkersShare),
                    GigWorkFigures.BeyondBounds(policy.Bounds, figures)));
            }
        }
        finally
        {
            foreach (var document in days.Values)
            {
                document?.Dispose();
            }
        }

        return standings;
    }

    public async Task<HubResponse> HandleAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var standings = await StandingsAsync(cancellationToken);
        return HubResponse.Json(StatusCodes.Ok, new GigWorkStandingsView([.. standings]), HubJsonContext.Default.GigWorkStandingsView);
    }

    /// <summary>The ledger page's section: per station, the policy's counts and subsidy beside the effect figures.</summary>
    public async Task<string> PageSectionAsync(CancellationToken cancellationToken = default)
    {
        var standings = await StandingsAsync(cancellationToken);
        if (standings.All(s => s.MatchesMade == 0 && s.WorkersWanted == 0))
        {
            return string.Empty;
        }

        var html = new StringBuilder();
        html.Append("<h2>Gig work: the policy's counts beside what they did for the workers</h2>")
            .Append("<p>Year to date in each station's subsidy year. The subsidy is what the district's published tiers pay for the counts on the policy's basis (made, completed, or paid: completed and paid more than 0 fen); beside it, what the same tiers give on each basis, so anyone sees how far counts and effect part. The effect figures say whether the workers were paid within 2 hours of finishing, and whether they came back. A station whose signals lie beyond the policy's bounds is marked: the hub does not judge it, it shows it.</p>")
            .Append("<div class=\"scroll\"><table><thead><tr><th>Station</th><th>Policy</th><th>Workers wanted</th><th>Matches made</th><th>Subsidy (¥)</th><th>on made / completed / paid</th><th>Completed</th><th>Paid</th><th>Paid ≤ 2 h</th><th>Came back ≤ 30 d</th><th>Most matches of one worker in a day</th><th>Signals</th></tr></thead><tbody>");
        foreach (var s in standings.Where(s => s.MatchesMade > 0 || s.WorkersWanted > 0))
        {
            var marks = s.BeyondBounds.Count == 0 ? "within bounds" : "<strong class=\"beyond\">beyond: " + Enc(string.Join(", ", s.BeyondBounds)) + "</strong>";
            html.Append(CultureInfo.InvariantCulture, $"<tr data-station=\"{Enc(s.StationId)}\"><td>{Enc(s.StationName)}</td><td>{Enc(s.PolicyId)} v{s.PolicyVersion}, counts {Enc(s.Basis)}</td><td>{s.WorkersWanted}</td><td>{s.Matches}</td><td>{Yuan(s.SubsidyFen)} <small>of {Yuan(s.CapFen)}</small></td><td>{Yuan(s.SubsidyMadeFen)} / {Yuan(s.SubsidyCompletedFen)} / {Yuan(s.SubsidyPaidFen)}</td><td>{s.MatchesCompleted}</td><td>{s.MatchesPaid}</td><td>{Share(s.PaidWithin2hShareBp, s.PaySample)}</td><td>{Share(s.RepeatShareBp, s.RepeatSample)}</td><td>{s.MatchesPerWorkerMax}</td><td>{marks}</td></tr>");
        }

        html.Append("</tbody></table></div><h3>The published policies</h3><ul>");
        foreach (var policy in registry.AllSubsidyPolicies().Where(p => standings.Any(s => s.PolicyId == p.Id)))
        {
            html.Append(CultureInfo.InvariantCulture, $"<li>{Enc(policy.Name)} (<code>{Enc(policy.Id)}</code>, version {policy.Version}): counts <strong>{Enc(policy.Basis)}</strong>; cap ¥{Yuan(policy.CapFen)} a station a year; tiers: {Enc(string.Join("; ", policy.Tiers.Select(Tier)))}. Bounds: {Enc(policy.Bounds is null ? "none" : System.Text.Json.JsonSerializer.Serialize(policy.Bounds, HubJsonContext.Default.SubsidyBounds))}. As JSON: <code>GET /api/v1/gig-work/policies</code>.</li>");
        }

        return html.Append("</ul>").ToString();
    }

    private async Task<(DateOnly AsOf, Dictionary<string, long> Figures)> LatestAsync(string scope, DateOnly start, DateOnly today, Dictionary<DateOnly, JsonDocument?> days, CancellationToken cancellationToken)
    {
        if (await DayAsync(today, draft: true, days, cancellationToken) is { } draft && Scope(draft, scope) is { } todays)
        {
            return (today, todays);
        }

        var last = await store.LastSealedBeforeAsync(today, cancellationToken);
        for (var day = last is null ? start.AddDays(-1) : DateOnly.ParseExact(last.RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture); day >= start && day >= today.AddDays(-LedgerStore.RecentDays); day = day.AddDays(-1))
        {
            if (await DayAsync(day, draft: false, days, cancellationToken) is { } sealedDay && Scope(sealedDay, scope) is { } figures)
            {
                return (day, figures);
            }
        }

        return (today, new Dictionary<string, long>(StringComparer.Ordinal));
    }

    private async Task<JsonDocument?> DayAsync(DateOnly day, bool draft, Dictionary<DateOnly, JsonDocument?> days, CancellationToken cancellationToken)
    {
        if (!days.TryGetValue(day, out var document))
        {
            var entity = draft ? await store.FindDraftAsync(day, cancellationToken) : await store.FindSealedAsync(day, cancellationToken);
            days[day] = document = entity is null ? null : JsonDocument.Parse(entity.Json);
        }

        return document;
    }

    private static Dictionary<string, long>? Scope(JsonDocument day, string scope)
    {
        if (!day.RootElement.GetProperty("figures").TryGetProperty(scope, out var figures) || !figures.TryGetProperty(GigWorkFigures.YearMatches, out _))
        {
            return null;
        }

        return figures.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    /// <summary>A share with its sample; on fewer than <see cref="LedgerDay.MinimumSample"/> matches, marked too few to judge, as the rest of the page does.</summary>
    private static string Share(long? basisPoints, long sample) =>
        basisPoints is not { } bp ? "–"
        : sample < LedgerDay.MinimumSample ? string.Create(CultureInfo.InvariantCulture, $"<span class=\"few\" title=\"Fewer than {LedgerDay.MinimumSample} cases\">too few to judge ({bp / 100.0:0.#} % <small>of {sample}</small>)</span>")
        : string.Create(CultureInfo.InvariantCulture, $"{bp / 100.0:0.#} % <small>of {sample}</small>");

    private static string Tier(SubsidyTier tier) => tier.EveryMatches is { } every
        ? string.Create(CultureInfo.InvariantCulture, $"≥ {tier.MinWorkersWanted} wanted and ≥ {tier.MinMatches} matches: ¥{Yuan(tier.EarnsFen)} for each {every} beyond {tier.MinMatches}")
        : string.Create(CultureInfo.InvariantCulture, $"≥ {tier.MinWorkersWanted} wanted and ≥ {tier.MinMatches} matches: ¥{Yuan(tier.EarnsFen)}");

    private static string Yuan(long fen) => (fen / 100.0).ToString("#,0", CultureInfo.InvariantCulture);

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>One station's policy year so far: the policy's counts and subsidy (fen), and the effect figures (shares in basis points, with samples).</summary>
public sealed record GigWorkStanding(
    string StationId,
    string StationName,
    string District,
    string PolicyId,
    string PolicyName,
    DateOnly PolicyYearStart,
    DateOnly AsOf,
    long WorkersWanted,
    long Matches,
    long SubsidyFen,
    long CapFen,
    long MatchesMade,
    long MatchesCompleted,
    long MatchesPaid,
    long PaySample,
    long? PaidWithin2hShareBp,
    long RepeatSample,
    long? RepeatShareBp,
    int PolicyVersion,
    string Basis,
    long CountedMatches,
    long SubsidyMadeFen,
    long SubsidyCompletedFen,
    long SubsidyPaidFen,
    long MatchesPerWorkerMax,
    long? TopWorkersShareBp,
    IReadOnlyList<string> BeyondBounds);

public sealed record GigWorkStandingsView(IReadOnlyList<GigWorkStanding> Stations);
