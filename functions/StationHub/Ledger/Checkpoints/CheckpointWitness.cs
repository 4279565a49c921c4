using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using StationHub.Ledger.Integrity;

namespace StationHub.Ledger.Checkpoints;

/// <summary>A witness's answer to add-checkpoint: status, content type and body.</summary>
public sealed record WitnessAnswer(int Status, string ContentType, string Body)
{
    public const string Text = "text/plain; charset=utf-8";

    public static WitnessAnswer Refuse(int status, string reason) => new(status, Text, reason + "\n");
}

/// <summary>
/// A transparency-log witness (C2SP tlog-witness): it keeps the latest checkpoint it cosigned for
/// each log it knows (by origin), and cosigns (C2SP tlog-cosignature, cosignature/v1) a new one only
/// when the log's signature verifies and the checkpoint extends the one it kept, by an RFC 9162
/// consistency proof. It refuses a tree that is smaller than its own or that conflicts with it.
/// Anyone can run one (<c>StationHub.Cli witness</c>); the local host runs a sandbox witness.
/// </summary>
public sealed class CheckpointWitness(NoteSigner key, IEnumerable<NoteVerifier> logs, WitnessStateFile state, TimeProvider time)
{
    private readonly Dictionary<string, NoteVerifier[]> logsByOrigin = logs
        .GroupBy(l => l.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>This witness's verifier key (type 0x04), for the logs' registries.</summary>
    public string VerifierKey => key.Verifier.VerifierKey;

    /// <summary>Handles one add-checkpoint request body.</summary>
    public async Task<WitnessAnswer> AddCheckpointAsync(string body, CancellationToken cancellationToken = default)
    {
        AddCheckpointRequest request;
        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            request = AddCheckpointRequest.Parse(body);
            note = SignedNote.Parse(request.Checkpoint);
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException exception)
        {
            return WitnessAnswer.Refuse(400, exception.Message);
        }

        if (!logsByOrigin.TryGetValue(checkpoint.Origin, out var verifiers))
        {
            return WitnessAnswer.Refuse(404, "Unknown log origin.");
        }

        if (!note.Signatures.Any(s => verifiers.Any(v => v.Verifies(note.Text, s))))
        {
            return WitnessAnswer.Refuse(403, "No signature from a key this witness trusts for the origin.");
        }

        if (request.OldSize > checkpoint.Size)
        {
            return WitnessAnswer.Refuse(400, "The old size is larger than the checkpoint's.");
        }

        if (request.OldSize == 0 && request.Proof.Count > 0)
        {
            return WitnessAnswer.Refuse(400, "From size 0 the consistency proof is empty.");
        }

        // Checking against the kept checkpoint and keeping the new one are one step (the spec's race).
        await gate.WaitAsync(cancellationToken);
        try
        {
            var kept = await state.GetAsync(checkpoint.Origin, cancellationToken);
            var keptSize = kept?.Size ?? 0;
            if (request.OldSize != keptSize)
            {
                return new WitnessAnswer(409, AddCheckpointRequest.SizeContentType, keptSize.ToString(CultureInfo.InvariantCulture) + "\n");
            }

            if (kept is not null && checkpoint.Size == kept.Size)
            {
                if (!CryptographicOperations.FixedTimeEquals(checkpoint.Root, kept.Root))
                {
                    return WitnessAnswer.Refuse(409, "A checkpoint of the same size with another root: a split view.");
                }
            }
            else if (kept is not null && !MerkleTree.VerifyConsistency(kept.Size, checkpoint.Size, request.Proof, kept.Root, checkpoint.Root))
            {
                return WitnessAnswer.Refuse(422, "The consistency proof does not verify.");
            }

            await state.SaveAsync(checkpoint.Origin, new WitnessState(checkpoint.Size, checkpoint.Root, request.Checkpoint), cancellationToken);
        }
        finally
        {
            gate.Release();
        }

        var cosignature = key.Cosign(note.Text, time.GetUtcNow().ToUnixTimeSeconds());
        return new WitnessAnswer(200, WitnessAnswer.Text, cosignature.Line);
    }
}

/// <summary>What a witness keeps for one log: the latest size and root it cosigned, and that checkpoint.</summary>
public sealed record WitnessState(long Size, byte[] Root, string Checkpoint);

/// <summary>
/// A witness's state in one small JSON file, one entry per origin, replaced whole on every save
/// (written to a temporary file, then renamed over the old one) so a crash leaves the old or the new.
/// </summary>
public sealed class WitnessStateFile(string path)
{
    // Indented, and base64 and the em dash written as they are: the file is for people too.
    private static readonly JsonSerializerOptions FileFormat = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Path { get; } = path;

    public async Task<WitnessState?> GetAsync(string origin, CancellationToken cancellationToken = default)
    {
        var all = await ReadAsync(cancellationToken);
        return all[origin] is JsonObject entry
            ? new WitnessState(entry["size"]!.GetValue<long>(), Convert.FromBase64String(entry["root"]!.GetValue<string>()), entry["checkpoint"]!.GetValue<string>())
            : null;
    }

    public async Task SaveAsync(string origin, WitnessState kept, CancellationToken cancellationToken = default)
    {
        var all = await ReadAsync(cancellationToken);
        all[origin] = new JsonObject
        {
            ["size"] = kept.Size,
            ["root"] = Convert.ToBase64String(kept.Root),
            ["checkpoint"] = kept.Checkpoint,
        };
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(folder);
        var temporary = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(Path) + "." + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(temporary, all.ToJsonString(FileFormat), cancellationToken);
        File.Move(temporary, Path, overwrite: true);
    }

    private async Task<JsonObject> ReadAsync(CancellationToken cancellationToken) =>
        File.Exists(Path) ? JsonNode.Parse(await File.ReadAllTextAsync(Path, cancellationToken)) as JsonObject ?? [] : [];
}
