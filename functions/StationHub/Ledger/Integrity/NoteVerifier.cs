using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// A verifier key of the C2SP signed-note spec, <c>&lt;name&gt;+&lt;hex key ID&gt;+base64(type || public key)</c>,
/// for Ed25519 note signatures (type 0x01) or Ed25519 cosignature/v1 (type 0x04, C2SP
/// tlog-cosignature), and the checks it makes.
/// </summary>
public sealed class NoteVerifier
{
    private readonly PublicKey key;

    private NoteVerifier(string name, byte type, byte[] publicKey)
    {
        Name = name;
        Type = type;
        PublicKey = publicKey;
        KeyId = NoteKeys.KeyId(name, type, publicKey);
        key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
    }

    public string Name { get; }

    /// <summary><see cref="NoteKeys.Ed25519"/> or <see cref="NoteKeys.CosignatureV1"/>.</summary>
    public byte Type { get; }

    public uint KeyId { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The verifier key string.</summary>
    public string VerifierKey => Name + "+" + NoteKeys.Hex8(KeyId) + "+" + Convert.ToBase64String([Type, .. PublicKey]);

    public static NoteVerifier Create(string name, byte type, byte[] publicKey)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException("A key name is non-empty, without spaces or '+'.", nameof(name));
        }

        if (type is not (NoteKeys.Ed25519 or NoteKeys.CosignatureV1) || publicKey is not { Length: 32 })
        {
            throw new ArgumentException("Only Ed25519 keys (types 0x01 and 0x04, 32 bytes) are supported.", nameof(publicKey));
        }

        return new NoteVerifier(name, type, publicKey);
    }

    /// <summary>Reads a verifier key.</summary>
    /// <exception cref="FormatException">It is malformed, of another type, or its key ID does not match.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        var parts = verifierKey.Split('+', 3);
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            throw new FormatException("A verifier key is name+hex8+base64.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("A verifier key ends in base64.");
        }

        if (bytes.Length != 33 || bytes[0] is not (NoteKeys.Ed25519 or NoteKeys.CosignatureV1))
        {
            throw new FormatException("Only Ed25519 verifier keys (types 0x01 and 0x04) are supported.");
        }

        var verifier = new NoteVerifier(parts[0], bytes[0], bytes[1..]);
        if (verifier.KeyId != keyId)
        {
            throw new FormatException("The verifier key's ID does not match its name and key.");
        }

        return verifier;
    }

    /// <summary>Whether this key made <paramref name="signature"/> on the note text (name and key ID must match too).</summary>
    public bool Verifies(string text, NoteSignature signature) => Check(text, signature, out _);

    /// <summary>
    /// As <see cref="Verifies"/>; for a cosignature, also gives its timestamp (seconds since the epoch).
    /// </summary>
    public bool Check(string text, NoteSignature signature, out long timestamp)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signature);
        timestamp = 0;
        if (signature.Name != Name || signature.KeyId != KeyId)
        {
            return false;
        }

        if (Type == NoteKeys.Ed25519)
        {
            return signature.Signature.Length == 64
                && SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(text), signature.Signature);
        }

        if (signature.Signature.Length != 72)
        {
            return false;
        }

        var time = BinaryPrimitives.ReadUInt64BigEndian(signature.Signature);
        if (time > long.MaxValue)
        {
            return false;
        }

        timestamp = (long)time;
        return SignatureAlgorithm.Ed25519.Verify(key, Cosignature.Message(text, timestamp), signature.Signature.AsSpan(8));
    }

    /// <summary>The first signature of <paramref name="note"/> this key made, or null.</summary>
    public NoteSignature? FindIn(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        return note.Signatures.FirstOrDefault(s => Verifies(note.Text, s));
    }
}
