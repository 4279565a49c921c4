using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace StationHub.Ledger.Integrity;

/// <summary>One signature line of a signed note: <c>— name base64(keyID || signature)</c>.</summary>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    /// <summary>The line, with its em dash (U+2014) and final newline.</summary>
    public string Line =>
        SignedNote.Dash + " " + Name + " " + Convert.ToBase64String([.. KeyIdBytes(KeyId), .. Signature]) + "\n";

    internal static byte[] KeyIdBytes(uint keyId)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, keyId);
        return bytes;
    }
}

/// <summary>
/// A C2SP signed note (https://c2sp.org/signed-note, the format of golang.org/x/mod/sumdb/note):
/// UTF-8 text of newline-terminated lines, a blank line, then one or more signature lines
/// <c>— &lt;key name&gt; base64(4-byte key ID || signature)</c>.
/// </summary>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>The em dash (U+2014) that starts every signature line.</summary>
    public const string Dash = "\u2014";

    /// <summary>Most signature lines a note may carry (as the Go implementation allows).</summary>
    public const int MaxSignatures = 100;

    /// <summary>The note as sent: text, blank line, signature lines.</summary>
    public override string ToString() => Text + "\n" + string.Concat(Signatures.Select(s => s.Line));

    /// <summary>The same note with more signatures (those already there by name and key ID are kept, not repeated).</summary>
    public SignedNote With(IEnumerable<NoteSignature> more) =>
        this with { Signatures = [.. Signatures.Concat(more).DistinctBy(s => (s.Name, s.KeyId))] };

    /// <summary>Whether text is valid note text: non-empty, ending in a newline, well-formed Unicode, no control character but newlines.</summary>
    public static bool IsValidText(string text)
    {
        if (string.IsNullOrEmpty(text) || text[^1] != '\n' || text.Any(c => char.IsControl(c) && c != '\n'))
        {
            return false;
        }

        try
        {
            _ = Strict.GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Reads a signed note.</summary>
    /// <exception cref="FormatException">It is not one.</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("A signed note has a blank line between its text and its signatures.");
        }

        var text = note[..(split + 1)];
        if (!IsValidText(text))
        {
            throw new FormatException("The note's text is malformed.");
        }

        var block = note[(split + 2)..];
        if (block.Length == 0 || block[^1] != '\n')
        {
            throw new FormatException("A signed note ends with signature lines, each ending in a newline.");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in block[..^1].Split('\n'))
        {
            signatures.Add(ParseLine(line));
            if (signatures.Count > MaxSignatures)
            {
                throw new FormatException("The note has too many signatures.");
            }
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Reads one signature line (without its newline).</summary>
    /// <exception cref="FormatException">It is not one.</exception>
    public static NoteSignature ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(Dash + " ", StringComparison.Ordinal))
        {
            throw new FormatException("A signature line starts with an em dash and a space.");
        }

        var rest = line[2..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !NoteKeys.IsValidName(rest[..space]))
        {
            throw new FormatException("A signature line names its key.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException)
        {
            throw new FormatException("A signature line's signature is base64.");
        }

        if (bytes.Length < 5 || rest[(space + 1)..].Any(char.IsWhiteSpace))
        {
            throw new FormatException("A signature line's signature is too short.");
        }

        return new NoteSignature(rest[..space], BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>The signature types of C2SP note keys that the ledger uses.</summary>
public static class NoteKeys
{
    /// <summary>An Ed25519 signed-note key (signed-note, "Signature types").</summary>
    public const byte Ed25519 = 0x01;

    /// <summary>An Ed25519 cosignature/v1 key (tlog-cosignature).</summary>
    public const byte CosignatureV1 = 0x04;

    /// <summary>A key name: non-empty, no Unicode spaces, no plus sign.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));

    /// <summary>The key ID: the first four bytes, big-endian, of SHA-256(name || "\n" || type || public key).</summary>
    public static uint KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    internal static string Hex8(uint keyId) => keyId.ToString("x8", CultureInfo.InvariantCulture);
}
