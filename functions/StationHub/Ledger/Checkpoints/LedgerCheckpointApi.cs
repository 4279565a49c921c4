using System.Globalization;
using System.Text;
using StationHub.Platform.Http;
using StationHub.Platform.Json;

namespace StationHub.Ledger.Checkpoints;

/// <summary>
/// The public, key-less routes of the tree over all sealed days: the hub's verifier key, the
/// latest checkpoint and each day's (C2SP signed notes, with the witnesses' cosignatures appended),
/// and RFC 9162 consistency proofs between any two tree sizes.
/// </summary>
public sealed class LedgerCheckpointApi(LedgerCheckpoints checkpoints, LedgerSigningKey key)
{
    /// <summary>Signed notes are served as UTF-8 text.</summary>
    public const string NoteContentType = "text/plain; charset=utf-8";

    public Task<HubResponse> KeyAsync(HubRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(Text(key.VerifierKey + "\n", "public, max-age=3600"));

    public async Task<HubResponse> LatestAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        if (await checkpoints.LatestAsync(cancellationToken) is not { } latest)
        {
            return HubResponse.Problem(Problem.NotFound("No day has been sealed into the tree yet."));
        }

        return Text(await checkpoints.WithCosignaturesAsync(latest, cancellationToken), "public, max-age=60");
    }

    public async Task<HubResponse> DayAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        if (!DateOnly.TryParseExact(request.Route("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return HubResponse.Problem(Problem.BadRequest("The date must be yyyy-MM-dd."));
        }

        if (await checkpoints.OfDayAsync(date, cancellationToken) is not { } checkpoint)
        {
            return HubResponse.Problem(Problem.NotFound("That day has no checkpoint: it is not sealed, or not yet in the tree."));
        }

        // Cosignatures may still arrive, so the day's checkpoint is cached briefly, not for ever.
        return Text(await checkpoints.WithCosignaturesAsync(checkpoint, cancellationToken), "public, max-age=60");
    }

    public async Task<HubResponse> ConsistencyAsync(HubRequest request, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var from = Size(request.Query("from"), "from", errors);
        var to = Size(request.Query("to"), "to", errors);
        if (errors.Count > 0)
        {
            return HubResponse.Problem(Problem.BadRequest("Give two tree sizes: ?from=N&to=M with 0 <= N <= M.", errors));
        }

        var size = (await checkpoints.LatestAsync(cancellationToken))?.TreeSize ?? 0;
        if (from > to)
        {
            return HubResponse.Problem(Problem.BadRequest("'from' is larger than 'to'.", new Dictionary<string, string[]> { ["from"] = ["must be at most 'to'"] }));
        }

        if (to > size)
        {
            return HubResponse.Problem(Problem.BadRequest($"The tree has {size} leaves.", new Dictionary<string, string[]> { ["to"] = [$"must be at most {size}, the tree's size"] }));
        }

        var proof = await checkpoints.ConsistencyAsync(from, to, cancellationToken);
        return HubResponse.Json(
            StatusCodes.Ok,
            new LedgerConsistency(from, to, [.. proof.Select(Convert.ToHexStringLower)]),
            HubJsonContext.Default.LedgerConsistency,
            new Dictionary<string, string> { ["Cache-Control"] = "public, max-age=31536000, immutable" });
    }

    private static long Size(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            errors[name] = ["must be a tree size: a whole number, 0 or more"];
        }

        return size;
    }

    private static HubResponse Text(string body, string cacheControl) =>
        new(StatusCodes.Ok, NoteContentType, Encoding.UTF8.GetBytes(body), new Dictionary<string, string> { ["Cache-Control"] = cacheControl });
}

/// <summary>An RFC 9162 consistency proof between two tree sizes (hex hashes, leaf end first).</summary>
public sealed record LedgerConsistency(long From, long To, IReadOnlyList<string> Proof);

/// <summary>An RFC 9162 inclusion proof of a day's figure in the tree over all days (hex hashes).</summary>
public sealed record LedgerTreeProof(long LeafIndex, long TreeSize, IReadOnlyList<string> Proof, string Root);
