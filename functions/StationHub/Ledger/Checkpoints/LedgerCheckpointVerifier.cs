using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using StationHub.Ledger.Integrity;
using StationHub.Platform.Json;

namespace StationHub.Ledger.Checkpoints;

/// <summary>What a verifier trusts and demands, beyond the public API.</summary>
/// <param name="HubKey">The hub's verifier key, pinned; null takes the one the hub serves (trust on first use).</param>
/// <param name="Witnesses">Verifier keys (type 0x04) of the witnesses trusted to cosign.</param>
/// <param name="Quorum">How many of them must have cosigned the latest checkpoint.</param>
/// <param name="Seen">Checkpoints (signed notes) seen before, by this verifier or anyone: the hub's tree must extend each.</param>
public sealed record CheckpointPolicy(string? HubKey = null, IReadOnlyList<string>? Witnesses = null, int Quorum = 0, IReadOnlyList<string>? Seen = null);

/// <summary>The finding: all good, or the first problem, named (<see cref="CheckpointProblems"/>), with the day and why.</summary>
public sealed record CheckpointVerification(bool Ok, int CheckpointsChecked, long TreeSize, IReadOnlyList<string> Cosigners, string? Problem, string? Day, string? Reason, string? LatestCheckpoint)
{
    public static CheckpointVerification Fail(int checkedCount, string problem, string? day, string reason) =>
        new(false, checkedCount, 0, [], problem, day, reason, null);
}

/// <summary>The tampering a <see cref="LedgerCheckpointVerifier"/> names.</summary>
public static class CheckpointProblems
{
    /// <summary>A day's published content or hash is not what its signed checkpoint says, or its figures are not the leaves the tree took.</summary>
    public const string RewrittenDay = "rewritten-day";

    /// <summary>A checkpoint is not signed by the hub's key.</summary>
    public const string ForeignSignature = "foreign-signature";

    /// <summary>Two signed checkpoints of one size with different roots, or one that the tree does not extend.</summary>
    public const string SplitView = "split-view";

    /// <summary>The tree is smaller than a checkpoint the hub signed before.</summary>
    public const string ShrunkenTree = "shrunken-tree";

    /// <summary>A consistency proof between successive checkpoints does not verify.</summary>
    public const string Inconsistent = "inconsistent";

    /// <summary>Too few trusted witnesses cosigned the latest checkpoint.</summary>
    public const string NoQuorum = "no-quorum";

    /// <summary>A sealed day has no checkpoint, though a later day has one.</summary>
    public const string MissingCheckpoint = "missing-checkpoint";
}

/// <summary>
/// Checks the hub's signed checkpoints from the public API alone: the hub's signature on every
/// day's checkpoint; that each checkpoint's day line carries the day's hash as published and
/// recomputed; that the tree it signs is exactly all sealed days' figures so far (rebuilt here
/// from the days themselves); the hub's consistency proofs between successive checkpoints; that
/// the tree extends every checkpoint seen before (same size, same root; no smaller tree); and a
/// quorum of witness cosignatures on the latest checkpoint. <see cref="LedgerVerifier"/> still
/// checks the day hashes, the chain and the day roots.
/// </summary>
public sealed class LedgerCheckpointVerifier(HttpClient http)
{
    public async Task<CheckpointVerification> VerifyAsync(CheckpointPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var hub = NoteVerifier.Parse((policy.HubKey ?? await http.GetStringAsync("api/v1/ledger/key", cancellationToken)).Trim());
        var days = (await http.GetFromJsonAsync("api/v1/ledger", HubJsonContext.Default.ListLedgerDayLink, cancellationToken) ?? [])
            .OrderBy(d => d.Date, StringComparer.Ordinal).ToList();

        var signed = new Dictionary<long, (byte[] Root, string Day)>();
        var size = 0L;
        IReadOnlyList<byte[]> frontier = [];
        Checkpoint? previous = null;
        string? missing = null;
        var checkedCount = 0;
        foreach (var link in days)
        {
            using var answer = await http.GetAsync($"api/v1/ledger/{link.Date}/checkpoint", cancellationToken);
            if (answer.StatusCode == HttpStatusCode.NotFound)
            {
                // The last sealed days may wait for the next run to reach the tree; a gap may not.
                missing ??= link.Date;
                continue;
            }

            answer.EnsureSuccessStatusCode();
            if (missing is not null)
            {
                return CheckpointVerification.Fail(checkedCount, CheckpointProblems.MissingCheckpoint, missing, "a sealed day has no checkpoint though a later day has one");
            }

            var (checkpoint, problem) = Read(await answer.Content.ReadAsStringAsync(cancellationToken), hub);
            if (problem is not null)
            {
                return CheckpointVerification.Fail(checkedCount, problem, link.Date, "its checkpoint is not signed by the hub's key " + hub.Name + "+" + hub.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            }

            using var document = JsonDocument.Parse(await http.GetStringAsync($"api/v1/ledger/{link.Date}", cancellationToken));
            if (checkpoint!.Day != link.Date || checkpoint.DayHash != link.Hash || DayHash.Recompute(document.RootElement) != checkpoint.DayHash)
            {
                return CheckpointVerification.Fail(checkedCount, CheckpointProblems.RewrittenDay, link.Date, "the day as published is not the day its signed checkpoint names");
            }

            var leaves = LedgerLeaf.Leaves(LedgerDay.FiguresOf(document.RootElement));
            (frontier, _) = MerkleFrontier.Append(size, frontier, leaves);
            size += leaves.Count;
            if (checkpoint.Size != size || !MerkleFrontier.Root(frontier).AsSpan().SequenceEqual(checkpoint.Root))
            {
                return CheckpointVerification.Fail(checkedCount, CheckpointProblems.RewrittenDay, link.Date, "the signed tree is not the published days' figures");
            }

            if (previous is not null)
            {
                var reason = await CheckExtendsAsync(previous, checkpoint, CheckpointProblems.Inconsistent, cancellationToken);
                if (reason is not null)
                {
                    return CheckpointVerification.Fail(checkedCount, reason.Value.Problem, link.Date, reason.Value.Reason);
                }
            }

            signed[checkpoint.Size] = (checkpoint.Root, link.Date);
            previous = checkpoint;
            checkedCount++;
        }

        using var latestAnswer = await http.GetAsync("api/v1/ledger/checkpoint", cancellationToken);
        if (latestAnswer.StatusCode == HttpStatusCode.NotFound && previous is null && (policy.Seen ?? []).Count == 0)
        {
            return new CheckpointVerification(true, 0, 0, [], null, null, null, null);
        }

        latestAnswer.EnsureSuccessStatusCode();
        var latestText = await latestAnswer.Content.ReadAsStringAsync(cancellationToken);
        var (latest, latestProblem) = Read(latestText, hub);
        if (latestProblem is not null)
        {
            return CheckpointVerification.Fail(checkedCount, latestProblem, latest?.Day, "the latest checkpoint is not signed by the hub's key");
        }

        if (previous is not null && (latest!.Size != previous.Size || !latest.Root.AsSpan().SequenceEqual(previous.Root)))
        {
            var reason = await CheckExtendsAsync(previous, latest, CheckpointProblems.SplitView, cancellationToken);
            return CheckpointVerification.Fail(checkedCount, reason?.Problem ?? CheckpointProblems.SplitView, latest.Day, reason?.Reason ?? "the latest checkpoint is not the last day's");
        }

        // Checkpoints seen before (kept by this verifier, a city, a witness): the tree must extend each.
        foreach (var seenText in policy.Seen ?? [])
        {
            var (seen, seenProblem) = Read(seenText, hub);
            if (seenProblem is not null)
            {
                continue; // Not the hub's: it proves nothing about the hub.
            }

            if (signed.TryGetValue(seen!.Size, out var served) && !CryptographicOperations.FixedTimeEquals(served.Root, seen.Root))
            {
                return CheckpointVerification.Fail(checkedCount, CheckpointProblems.SplitView, served.Day, $"the hub signed two checkpoints of size {seen.Size} with different roots");
            }

            var reason = await CheckExtendsAsync(seen, latest!, CheckpointProblems.SplitView, cancellationToken);
            if (reason is not null)
            {
                return CheckpointVerification.Fail(checkedCount, reason.Value.Problem, seen.Day, reason.Value.Reason);
            }
        }

        var note = SignedNote.Parse(latestText);
        var cosigners = (policy.Witnesses ?? [])
            .Select(NoteVerifier.Parse)
            .Where(w => note.Signatures.Any(s => w.Check(note.Text, s, out _)))
            .Select(w => w.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (cosigners.Count < policy.Quorum)
        {
            return new CheckpointVerification(false, checkedCount, latest!.Size, cosigners, CheckpointProblems.NoQuorum, latest.Day, $"{cosigners.Count} of the trusted witnesses cosigned the latest checkpoint; {policy.Quorum} are required", latestText);
        }

        return new CheckpointVerification(true, checkedCount, latest!.Size, cosigners, null, null, null, latestText);
    }

    // Whether the tree of `later` extends `earlier`: no smaller, the same root at the same size, and
    // a consistency proof that verifies (else `unproven`).
    private async Task<(string Problem, string Reason)?> CheckExtendsAsync(Checkpoint earlier, Checkpoint later, string unproven, CancellationToken cancellationToken)
    {
        if (later.Size < earlier.Size)
        {
            return (CheckpointProblems.ShrunkenTree, $"the tree has {later.Size} leaves, fewer than the {earlier.Size} of a checkpoint the hub signed before");
        }

        if (later.Size == earlier.Size)
        {
            return CryptographicOperations.FixedTimeEquals(later.Root, earlier.Root)
                ? null
                : (CheckpointProblems.SplitView, $"two checkpoints of size {later.Size} with different roots");
        }

        var proof = await http.GetFromJsonAsync($"api/v1/ledger/consistency?from={earlier.Size}&to={later.Size}", HubJsonContext.Default.LedgerConsistency, cancellationToken);
        var hashes = (proof?.Proof ?? []).Select(Convert.FromHexString).ToList();
        return MerkleTree.VerifyConsistency(earlier.Size, later.Size, hashes, earlier.Root, later.Root)
            ? null
            : (unproven, $"no consistency from size {earlier.Size} to {later.Size}: the tree was rewritten");
    }

    private static (Checkpoint? Checkpoint, string? Problem) Read(string noteText, NoteVerifier hub)
    {
        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            note = SignedNote.Parse(noteText);
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException)
        {
            return (null, CheckpointProblems.ForeignSignature);
        }

        return hub.FindIn(note) is null || checkpoint.Origin != hub.Name ? (checkpoint, CheckpointProblems.ForeignSignature) : (checkpoint, null);
    }
}
