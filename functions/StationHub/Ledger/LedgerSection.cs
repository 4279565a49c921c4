namespace StationHub.Ledger;

/// <summary>
/// A flow's part of the public ledger: how its figures add up when a day is compiled, which of its
/// shares rest on which sample, and its section of the ledger page. <see cref="LedgerDay"/> and
/// <see cref="LedgerPage"/> loop over the flows' sections (<see cref="Triggers.FlowModule.LedgerSection"/>).
/// </summary>
public abstract class LedgerSection
{
    /// <summary>Whether the flow's figure of this kind sums its entries' amounts (money, points, minutes) rather than counting them.</summary>
    public virtual bool IsSum(string kind) => false;

    /// <summary>Adds the figures the flow derives from one scope's entries (shares, medians, year to date).</summary>
    public virtual void Summarise(SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries)
    {
    }

    /// <summary>The same, told which scope the figures are of (<see cref="LedgerDay.TotalScope"/> for the totals).</summary>
    public virtual void Summarise(string scope, SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries) =>
        Summarise(figures, entries);

    /// <summary>The figure a share of the flow is a share of, published beside it; null for a kind that is not the flow's share.</summary>
    public virtual string? SampleOf(string shareKind) => null;

    /// <summary>Whether a figure of this flow adds up across entries (a late entry's part can be carried as a change).</summary>
    public virtual bool IsAdditive(string kind) => true;

    /// <summary>Whether a share may be judged on any sample (it counts minutes, not cases).</summary>
    public virtual bool JudgedOnAnySample(string shareKind) => false;

    /// <summary>The flow's section of the ledger page, from the latest day (the draft, else the last sealed day; null when none), HTML-encoded.</summary>
    public virtual Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default) =>
        Task.FromResult(string.Empty);
}
