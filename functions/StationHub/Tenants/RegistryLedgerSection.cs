using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StationHub.Ledger;

namespace StationHub.Tenants;

/// <summary>
/// The registry's part of the public ledger. Each kind of public entry is a scope (<c>registry~station</c>):
/// <c>registry.changed</c> counts the day's changes to its entries, <c>registry.changed~{id}~version</c> gives each
/// entry changed that day the registry version of its last change (up to <see cref="MaxListed"/> entries
/// of a kind a day; beyond, only the count), and <c>registry.version</c> the day's last version. The totals count every change and give the last version. The page lists them.
/// </summary>
public sealed class RegistryLedgerSection : LedgerSection
{
    /// <summary>The registry version of the scope's last change that day (not additive: a later change replaces it).</summary>
    public const string Version = "registry.version";

    /// <summary>
    /// The figure of one entry: the version of its last change that day (<c>registry.changed~st-hz-01~version</c>;
    /// the suffix keeps an id that ends like a share, <c>-bp</c>, from reading as one).
    /// </summary>
    public static string EntryVersion(string id) => LedgerKinds.RegistryChanged + "~" + id + "~version";

    private const int PageRows = 200;

    /// <summary>The most entries of one kind a day lists by id (about 46 characters each in the day's JSON).</summary>
    public const int MaxListed = 2_500;

    public override void Summarise(string scope, SortedDictionary<string, long> figures, IReadOnlyCollection<LedgerEntryEntity> entries)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(entries);
        var changes = entries.Where(e => e.Kind == LedgerKinds.RegistryChanged).ToList();
        if (changes.Count == 0)
        {
            return;
        }

        figures[Version] = changes.Max(e => e.Amount);
        if (!scope.StartsWith(LedgerScopes.RegistryPrefix, StringComparison.Ordinal))
        {
            return; // the totals: how many changes, and the last version
        }

        var byId = changes.Where(e => e.Label is not null).GroupBy(e => e.Label!, StringComparer.Ordinal).ToList();
        if (byId.Count > MaxListed)
        {
            // A day is kept in one table row (480,000 characters): a bulk import of more entries than this
            // is published as its count and last version, so the day can still be compiled and sealed.
            return;
        }

        foreach (var entry in byId)
        {
            figures[EntryVersion(entry.Key)] = entry.Max(e => e.Amount);
        }
    }

    public override bool IsAdditive(string kind) => kind != Version && !kind.StartsWith(LedgerKinds.RegistryChanged + "~", StringComparison.Ordinal);

    /// <summary>The public registry entries changed on the latest day, with the version of their last change.</summary>
    public override Task<string> PageSectionAsync(IServiceProvider services, string? latestDay, CancellationToken cancellationToken = default)
    {
        if (latestDay is null)
        {
            return Task.FromResult(string.Empty);
        }

        using var document = JsonDocument.Parse(latestDay);
        var rows = new StringBuilder();
        var count = 0;
        foreach (var scope in document.RootElement.GetProperty("figures").EnumerateObject().Where(s => s.Name.StartsWith(LedgerScopes.RegistryPrefix, StringComparison.Ordinal)))
        {
            var kind = scope.Name[LedgerScopes.RegistryPrefix.Length..];
            foreach (var figure in scope.Value.EnumerateObject().Where(f => f.Name.StartsWith(LedgerKinds.RegistryChanged + "~", StringComparison.Ordinal)))
            {
                if (++count <= PageRows)
                {
                    rows.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(kind)}</td><td>{WebUtility.HtmlEncode(figure.Name[(LedgerKinds.RegistryChanged.Length + 1)..^"~version".Length])}</td><td>{figure.Value.GetInt64()}</td></tr>");
                }
            }
        }

        if (count == 0)
        {
            return Task.FromResult(string.Empty);
        }

        var date = document.RootElement.GetProperty("date").GetString() ?? string.Empty;
        var more = count > PageRows ? $"<p>And {count - PageRows} more, in the day's figures.</p>" : string.Empty;
        return Task.FromResult($"<h2>Registry changes ({WebUtility.HtmlEncode(date)})</h2><p>Stations, subsidy policies, the points catalog and witnesses changed that day, each with the registry version of its last change.</p><div class=\"scroll\"><table><thead><tr><th>Kind</th><th>Id</th><th>Version</th></tr></thead><tbody>{rows}</tbody></table></div>{more}");
    }
}
