using System.Globalization;
using System.Text.Json;
using StationHub.Ledger.Checkpoints;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Ledger;

/// <summary>
/// The public ledger's API (no key): the sealed days (<c>{date, hash, prevHash}</c>), a day's
/// summary exactly as sealed (cacheable for ever, ETag = its hash), today's draft, and an RFC 9162
/// inclusion proof that a figure is in a sealed day.
/// </summary>
public sealed class LedgerApi(LedgerStore store, LedgerCheckpoints checkpoints)
{
    public async Task<HubResponse> DaysAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var days = await store.SealedAsync(cancellationToken);
        var etag = "\"" + (days.Count > 0 ? days[^1].Hash : "empty") + "\"";
        if (request.Header("If-None-Match") == etag)
        {
            return new HubResponse(304, null, ReadOnlyMemory<byte>.Empty, new Dictionary<string, string> { ["ETag"] = etag });
        }

        var list = days.Select(d => new LedgerDayLink(d.RowKey, d.Hash!, d.PrevHash)).ToList();
        return HubResponse.Json(StatusCodes.Ok, list, HubJsonContext.Default.ListLedgerDayLink, new Dictionary<string, string>
        {
            ["ETag"] = etag,
            ["Cache-Control"] = "public, max-age=60",
        });
    }

    public async Task<HubResponse> DayAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        if (!TryDate(request, out var date))
        {
            return HubResponse.Problem(Problem.BadRequest("The date must be yyyy-MM-dd."));
        }

        if (await store.FindSealedAsync(date, cancellationToken) is { } sealedDay)
        {
            var etag = "\"" + sealedDay.Hash + "\"";
            var headers = new Dictionary<string, string> { ["ETag"] = etag, ["Cache-Control"] = "public, max-age=31536000, immutable" };
            return request.Header("If-None-Match") == etag
                ? new HubResponse(304, null, ReadOnlyMemory<byte>.Empty, headers)
                : new HubResponse(StatusCodes.Ok, HubResponse.JsonContentType, System.Text.Encoding.UTF8.GetBytes(sealedDay.Json), headers);
        }

        if (await store.FindDraftAsync(date, cancellationToken) is { } draft)
        {
            return new HubResponse(StatusCodes.Ok, HubResponse.JsonContentType, System.Text.Encoding.UTF8.GetBytes(draft.Json), new Dictionary<string, string> { ["Cache-Control"] = "public, max-age=60" });
        }

        return HubResponse.Problem(Problem.NotFound("The ledger has no such day."));
    }

    public async Task<HubResponse> ProofAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        if (!TryDate(request, out var date))
        {
            return HubResponse.Problem(Problem.BadRequest("The date must be yyyy-MM-dd."));
        }

        var scope = request.Query("scope");
        var kind = request.Query("kind");
        if (string.IsNullOrEmpty(scope) || string.IsNullOrEmpty(kind))
        {
            return HubResponse.Problem(Problem.BadRequest("Name the figure: ?scope=station~st-hz-01&kind=pickup.collected"));
        }

        if (await store.FindSealedAsync(date, cancellationToken) is not { } sealedDay)
        {
            return HubResponse.Problem(Problem.NotFound("Proofs are for sealed days; that day is not sealed."));
        }

        using var document = JsonDocument.Parse(sealedDay.Json);
        var figures = LedgerDay.LeavesOf(document.RootElement).ToList();
        var figure = figures.FirstOrDefault(f => f.Scope == scope && f.Kind == kind);
        if (figure.Scope is null)
        {
            return HubResponse.Problem(Problem.NotFound("The day has no such figure."));
        }

        var leaves = LedgerLeaf.Leaves(figures);
        var leaf = LedgerLeaf.Leaf(figure.Scope, figure.Kind, figure.Value);
        var index = leaves.ToList().FindIndex(l => l.AsSpan().SequenceEqual(leaf));
        var tree = new MerkleTree(leaves);
        var proof = new LedgerProof(
            sealedDay.RowKey, figure.Scope, figure.Kind, figure.Value, System.Text.Encoding.UTF8.GetString(leaf), index, tree.Size,
            [.. tree.InclusionProof(index).Select(Convert.ToHexStringLower)], Convert.ToHexStringLower(tree.RootHash), sealedDay.Hash!);
        var treeProof = await TreeProofAsync(request, date, index, cancellationToken);
        if (treeProof.Problem is { } problem)
        {
            return HubResponse.Problem(problem);
        }

        proof = proof with { Tree = treeProof.Proof };

        // Against the latest checkpoint the answer changes as the tree grows; against a given size it does not.
        var cacheControl = request.Query("treeSize") is null ? "public, max-age=60" : "public, max-age=31536000, immutable";
        return HubResponse.Json(StatusCodes.Ok, proof, HubJsonContext.Default.LedgerProof, new Dictionary<string, string> { ["Cache-Control"] = cacheControl });
    }

    // The same figure in the tree over all days (issue 15): against the latest checkpoint, or the
    // tree size asked for (?treeSize=N); null while the day is not yet in the tree.
    private async Task<(LedgerTreeProof? Proof, Problem? Problem)> TreeProofAsync(HubRequest request, DateOnly date, int dayIndex, CancellationToken cancellationToken)
    {
        if (await checkpoints.OfDayAsync(date, cancellationToken) is not { } dayCheckpoint || await checkpoints.LatestAsync(cancellationToken) is not { } latest)
        {
            return (null, null);
        }

        var leafIndex = dayCheckpoint.TreeStart + dayIndex;
        var size = latest.TreeSize;
        if (request.Query("treeSize") is { } asked
            && (!long.TryParse(asked, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size <= leafIndex || size > latest.TreeSize))
        {
            return (null, Problem.BadRequest(
                $"treeSize must be a tree size from {leafIndex + 1} (the figure's leaf) to {latest.TreeSize} (the latest checkpoint).",
                new Dictionary<string, string[]> { ["treeSize"] = [$"must be from {leafIndex + 1} to {latest.TreeSize}"] }));
        }

        var path = await checkpoints.InclusionAsync(leafIndex, size, cancellationToken);
        var root = size == latest.TreeSize ? Convert.FromBase64String(latest.Root) : MerkleFrontier.Root(await checkpoints.FrontierAsync(size, cancellationToken));
        return (new LedgerTreeProof(leafIndex, size, [.. path.Select(Convert.ToHexStringLower)], Convert.ToHexStringLower(root)), null);
    }

    private static bool TryDate(HubRequest request, out DateOnly date) =>
        DateOnly.TryParseExact(request.Route("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

public sealed record LedgerDayLink(string Date, string Hash, string PrevHash);

/// <summary>An RFC 9162 inclusion proof of one figure in a sealed day (hex hashes).</summary>
public sealed record LedgerProof(string Date, string Scope, string Kind, long Value, string Leaf, int LeafIndex, int TreeSize, IReadOnlyList<string> Proof, string MerkleRoot, string Hash)
{
    /// <summary>The same figure's inclusion proof in the tree over all sealed days (null until its day is in the tree).</summary>
    public LedgerTreeProof? Tree { get; init; }
}
