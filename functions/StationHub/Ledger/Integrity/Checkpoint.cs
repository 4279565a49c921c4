using System.Globalization;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// The note text of a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the origin line,
/// the tree size in decimal, the base64 RFC 6962 root hash, and optional non-empty extension lines.
/// The ledger adds one extension line per checkpoint naming the sealed day and its hash
/// (<see cref="DayExtension"/>).
/// </summary>
public sealed record Checkpoint(string Origin, long Size, byte[] Root, IReadOnlyList<string> Extensions)
{
    /// <summary>The prefix of the ledger's extension line: <c>day 2026-11-22 &lt;day hash&gt;</c>.</summary>
    public const string DayPrefix = "day ";

    /// <summary>The note text, every line ending in a newline.</summary>
    public string Text =>
        Origin + "\n" + Size.ToString(CultureInfo.InvariantCulture) + "\n" + Convert.ToBase64String(Root) + "\n"
        + string.Concat(Extensions.Select(e => e + "\n"));

    /// <summary>The sealed day this checkpoint was made after, from its extension line, or null.</summary>
    public string? Day => Extensions.FirstOrDefault(e => e.StartsWith(DayPrefix, StringComparison.Ordinal))?[DayPrefix.Length..].Split(' ')[0];

    /// <summary>The hash of that day, from its extension line, or null.</summary>
    public string? DayHash => Extensions.FirstOrDefault(e => e.StartsWith(DayPrefix, StringComparison.Ordinal))?[DayPrefix.Length..].Split(' ') is [_, var hash] ? hash : null;

    /// <summary>The extension line of a sealed day.</summary>
    public static string DayExtension(string date, string dayHash) => DayPrefix + date + " " + dayHash;

    /// <summary>Reads checkpoint text (a signed note's text).</summary>
    /// <exception cref="FormatException">It is not a checkpoint.</exception>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[^1] != '\n')
        {
            throw new FormatException("Checkpoint text ends in a newline.");
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3 || lines.Any(l => l.Length == 0))
        {
            throw new FormatException("A checkpoint has at least three lines, none empty.");
        }

        var size = lines[1];
        if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var treeSize) || (size.Length > 1 && size[0] == '0'))
        {
            throw new FormatException("A checkpoint's second line is its tree size in decimal, without leading zeroes.");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("A checkpoint's third line is its root hash in base64.");
        }

        if (root.Length != MerkleTree.HashSize || Convert.ToBase64String(root) != lines[2])
        {
            throw new FormatException("A checkpoint's root hash is 32 bytes in base64.");
        }

        return new Checkpoint(lines[0], treeSize, root, lines[3..]);
    }
}
