using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// An Ed25519 signer of C2SP signed notes (type 0x01) or of cosignature/v1 (type 0x04), from a
/// private key in the Go note package's format: <c>PRIVATE+KEY+&lt;name&gt;+&lt;hex key ID&gt;+base64(type || 32-byte seed)</c>.
/// Signatures come from NSec (libsodium); Ed25519 is deterministic, so one key signs one text
/// the same way on every host.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private const string PrivatePrefix = "PRIVATE+KEY+";
    private readonly Key key;

    private NoteSigner(string name, byte type, Key key)
    {
        this.key = key;
        Verifier = NoteVerifier.Create(name, type, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The matching verifier (name, key ID, public key).</summary>
    public NoteVerifier Verifier { get; }

    public string Name => Verifier.Name;

    /// <summary>Reads a private key string.</summary>
    /// <exception cref="FormatException">It is malformed, or its key ID does not match.</exception>
    public static NoteSigner Parse(string privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!privateKey.StartsWith(PrivatePrefix, StringComparison.Ordinal))
        {
            throw new FormatException("A private note key starts with PRIVATE+KEY+.");
        }

        var parts = privateKey[PrivatePrefix.Length..].Split('+', 3);
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            throw new FormatException("A private note key is PRIVATE+KEY+name+hex8+base64.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("A private note key ends in base64.");
        }

        if (bytes.Length != 33 || bytes[0] is not (NoteKeys.Ed25519 or NoteKeys.CosignatureV1))
        {
            throw new FormatException("Only Ed25519 private keys (types 0x01 and 0x04) are supported.");
        }

        var signer = new NoteSigner(parts[0], bytes[0], Key.Import(SignatureAlgorithm.Ed25519, bytes.AsSpan(1), KeyBlobFormat.RawPrivateKey));
        if (signer.Verifier.KeyId != keyId)
        {
            signer.Dispose();
            throw new FormatException("The private key's ID does not match its name and key.");
        }

        return signer;
    }

    /// <summary>A new random key: its private key string and its verifier key string.</summary>
    public static (string PrivateKey, string VerifierKey) Generate(string name, byte type = NoteKeys.Ed25519)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException("A key name is non-empty, without spaces or '+'.", nameof(name));
        }

        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var keyId = NoteKeys.Hex8(NoteKeys.KeyId(name, type, publicKey));
        return (PrivatePrefix + name + "+" + keyId + "+" + Convert.ToBase64String([type, .. seed]),
            name + "+" + keyId + "+" + Convert.ToBase64String([type, .. publicKey]));
    }

    /// <summary>Signs note text (type 0x01 keys).</summary>
    public NoteSignature Sign(string text)
    {
        if (Verifier.Type != NoteKeys.Ed25519)
        {
            throw new InvalidOperationException("A cosignature key signs with " + nameof(Cosign) + ".");
        }

        if (!SignedNote.IsValidText(text))
        {
            throw new ArgumentException("Note text is non-empty UTF-8 lines, each ending in a newline.", nameof(text));
        }

        return new NoteSignature(Name, Verifier.KeyId, SignatureAlgorithm.Ed25519.Sign(key, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A signed note of <paramref name="text"/> with this key's signature.</summary>
    public SignedNote SignNote(string text) => new(text, [Sign(text)]);

    /// <summary>Cosigns a checkpoint's text at <paramref name="timestamp"/> (seconds since the epoch; type 0x04 keys).</summary>
    public NoteSignature Cosign(string checkpointText, long timestamp)
    {
        if (Verifier.Type != NoteKeys.CosignatureV1)
        {
            throw new InvalidOperationException("Only a cosignature/v1 key (type 0x04) cosigns.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        var signature = new byte[72];
        BinaryPrimitives.WriteUInt64BigEndian(signature, (ulong)timestamp);
        SignatureAlgorithm.Ed25519.Sign(key, Cosignature.Message(checkpointText, timestamp), signature.AsSpan(8));
        return new NoteSignature(Name, Verifier.KeyId, signature);
    }

    public void Dispose() => key.Dispose();
}

/// <summary>The C2SP tlog-cosignature cosignature/v1 signed message.</summary>
public static class Cosignature
{
    /// <summary><c>cosignature/v1\ntime &lt;timestamp&gt;\n</c> followed by the checkpoint's whole note text.</summary>
    public static byte[] Message(string checkpointText, long timestamp) =>
        Encoding.UTF8.GetBytes("cosignature/v1\ntime " + timestamp.ToString(CultureInfo.InvariantCulture) + "\n" + checkpointText);
}
