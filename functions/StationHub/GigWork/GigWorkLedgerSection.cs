using Microsoft.Extensions.DependencyInjection;
using StationHub.Ledger;

namespace StationHub.GigWork;

/// <summary>
/// Gig work's part of the public ledger: its figures of each scope (<see cref="GigWorkFigures"/>), the
/// samples of its shares, and the page's section on the policy's counts beside what they did for the
/// workers (<see cref="GigWorkStandings"/>).
/// </summary>
public sealed class GigWorkLedgerSection : LedgerSection
{
    public override void Summarise(SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries) =>
        GigWorkFigures.Add(figures, entries);

    public override string? SampleOf(string shareKind) => shareKind switch
    {
        GigWorkFigures.RepeatShare => GigWorkKinds.MatchMade,
        GigWorkFigures.PaidWithin2hShare => GigWorkFigures.PaySample,
        _ when shareKind.StartsWith("gig.ytd.", StringComparison.Ordinal)
            && SampleOf("gig." + shareKind["gig.ytd.".Length..]) is { } daily => GigWorkFigures.YearToDate(daily),
        _ => null,
    };

    public override Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<GigWorkStandings>().PageSectionAsync(cancellationToken);
}
