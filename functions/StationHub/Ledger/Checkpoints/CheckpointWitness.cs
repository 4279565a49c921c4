using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
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
/// consistency proof. It refuses a tree that is smaller than its own or that conflicts with it: of the
/// same size, another root or other extension lines (409).
/// Anyone can run one (<c>StationHub.Cli witness</c>); the local host runs a sandbox witness.
/// </summary>
public sealed class CheckpointWitness(NoteSigner key, IEnumerable<NoteVerifier> logs, WitnessStateFile state, TimeProvider time)
{
    private readonly Dictionary<string, NoteVerifier[]> logsByOrigin = logs
        .GroupBy(l => l.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>This witness's verifier key (type 0x04), for the logs' registries.</summary>
    public string VerifierKey => key.Verifier.VerifierKey;

    /// <summary>
    /// Handles one add-checkpoint HTTP request: a body over <see cref="AddCheckpointRequest.MaxBodyBytes"/>
    /// (by its Content-Length, or once that many bytes have come) is a 413, read no further (the server
    /// discards the rest without keeping it).
    /// </summary>
    public async Task<WitnessAnswer> AddCheckpointAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > AddCheckpointRequest.MaxBodyBytes)
        {
            return TooLarge();
        }

        var buffer = new byte[AddCheckpointRequest.MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > AddCheckpointRequest.MaxBodyBytes)
        {
            return TooLarge();
        }

        string body;
        try
        {
            body = StrictUtf8.GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return WitnessAnswer.Refuse(400, "The request is not UTF-8 text.");
        }

        return await AddCheckpointAsync(body, cancellationToken);

        static WitnessAnswer TooLarge() =>
            WitnessAnswer.Refuse(413, $"An add-checkpoint body has at most {AddCheckpointRequest.MaxBodyBytes} bytes.");
    }

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

                // The same tree with other extension lines (the ledger's day line names the sealed day and
                // its hash) is a split view too: the witness cosigns again only what it kept, and keeps it.
                if (!string.Equals(SignedNote.Parse(kept.Checkpoint).Text, note.Text, StringComparison.Ordinal))
                {
                    return WitnessAnswer.Refuse(409, "A checkpoint of the same size and root with other extension lines (another day line): a split view.");
                }
            }
            else if (kept is not null && !MerkleTree.VerifyConsistency(kept.Size, checkpoint.Size, request.Proof, kept.Root, checkpoint.Root))
            {
                return WitnessAnswer.Refuse(422, "The consistency proof does not verify.");
            }
            else
            {
                await state.SaveAsync(checkpoint.Origin, new WitnessState(checkpoint.Size, checkpoint.Root, request.Checkpoint), cancellationToken);
            }
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
