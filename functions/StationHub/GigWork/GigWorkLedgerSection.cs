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

    public override string? SampleOf(string shareKind) => GigWorkFigures.SampleOf(shareKind);

    public override bool IsAdditive(string kind) => GigWorkFigures.IsAdditive(kind);

    public override Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<GigWorkStandings>().PageSectionAsync(cancellationToken);
}
