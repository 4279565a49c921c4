using System.Net.Http.Json;
using System.Text.Json;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Json;

namespace StationHub.Ledger;

/// <summary>The verifier's finding: all good, or the first day that does not match and why.</summary>
public sealed record LedgerVerification(bool Ok, int DaysChecked, string? FirstBadDay, string? Reason);

/// <summary>
/// Checks the public ledger from its public API alone: every day's hash recomputed from its
/// RFC 8785 canonical JSON, the chain of <c>prevHash</c> links, each Merkle root rebuilt from
/// the day's figures and corrections, and each correction's original day sealed before it; each
/// station's gig-work subsidy recomputed from the day's published counts and the published policy;
/// optionally one figure's inclusion proof.
/// </summary>
public sealed class LedgerVerifier(HttpClient http)
{
    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var days = await http.GetFromJsonAsync("api/v1/ledger", HubJsonContext.Default.ListLedgerDayLink, cancellationToken) ?? [];
        var policies = await GigWork.GigWorkSubsidyCheck.PublishedPoliciesAsync(http, cancellationToken);
        var previous = string.Empty;
        var earlier = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in days.OrderBy(d => d.Date, StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync($"api/v1/ledger/{link.Date}", cancellationToken));
            var day = document.RootElement;
            var reason = Check(day, link, previous) ?? CheckCorrections(day, earlier) ?? GigWork.GigWorkSubsidyCheck.Check(day, policies);
            if (reason is not null)
            {
                return new LedgerVerification(false, days.Count, link.Date, reason);
            }

            previous = link.Hash;
            earlier.Add(link.Date);
        }

        return new LedgerVerification(true, days.Count, null, null);
    }

    /// <summary>Fetches and checks one figure's inclusion proof against the sealed day's root.</summary>
    public async Task<bool> VerifyProofAsync(string date, string scope, string kind, CancellationToken cancellationToken = default)
    {
        var proof = await http.GetFromJsonAsync($"api/v1/ledger/{date}/proof?scope={Uri.EscapeDataString(scope)}&kind={Uri.EscapeDataString(kind)}", HubJsonContext.Default.LedgerProof, cancellationToken)
            ?? throw new InvalidOperationException("No proof came back.");
        using var document = JsonDocument.Parse(await http.GetStringAsync($"api/v1/ledger/{date}", cancellationToken));
        var root = document.RootElement.GetProperty("merkleRoot").GetString()!;
        return proof.MerkleRoot == root
            && DayHash.IsIntact(document.RootElement)
            && MerkleTree.VerifyInclusion(LedgerLeaf.Leaf(scope, kind, proof.Value), proof.LeafIndex, proof.TreeSize, [.. proof.Proof.Select(Convert.FromHexString)], Convert.FromHexString(root));
    }

    /// <summary>
    /// A correction carries a late entry of an earlier day: that day must be sealed earlier in the
    /// chain, and only additive figures (counts, sums) can be corrected. (Corrections are hashed
    /// with the day and are leaves of its Merkle tree, which <see cref="Check"/> verifies.)
    /// </summary>
    private static string? CheckCorrections(JsonElement day, HashSet<string> earlier)
    {
        foreach (var (date, scope, kind, _) in LedgerDay.CorrectionsOf(day))
        {
            if (!earlier.Contains(date))
            {
                return $"it corrects {date}, which is not a sealed day before it";
            }

            if (!LedgerDay.IsAdditive(kind))
            {
                return $"it corrects {kind} of {scope} on {date}, which is not a count or a sum";
            }
        }

        return null;
    }

    private static string? Check(JsonElement day, LedgerDayLink link, string previous)
    {
        if (day.GetProperty("date").GetString() != link.Date)
        {
            return "the day's date is not the listed one";
        }

        if (DayHash.Recompute(day) != link.Hash || day.GetProperty(DayHash.HashMember).GetString() != link.Hash)
        {
            return "its hash does not match its content";
        }

        if (day.GetProperty(DayHash.PrevHashMember).GetString() != previous || link.PrevHash != previous)
        {
            return "its prevHash is not the previous day's hash";
        }

        var leaves = LedgerLeaf.Leaves(LedgerDay.LeavesOf(day));
        if (Convert.ToHexStringLower(MerkleTree.Root(leaves)) != day.GetProperty("merkleRoot").GetString())
        {
            return "its Merkle root does not match its figures";
        }

        return null;
    }
}
