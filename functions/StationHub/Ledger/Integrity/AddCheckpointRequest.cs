using System.Globalization;
using System.Text;

namespace StationHub.Ledger.Integrity;

/// <summary>
/// The body of a C2SP tlog-witness <c>add-checkpoint</c> request (https://c2sp.org/tlog-witness):
/// <c>old &lt;size&gt;</c>, up to 63 base64 consistency-proof lines, an empty line, then the signed
/// checkpoint. The witness answers 200 with cosignature lines, or 409 with
/// <c>text/x.tlog.size</c> and its latest size.
/// </summary>
public sealed record AddCheckpointRequest(long OldSize, IReadOnlyList<byte[]> Proof, string Checkpoint)
{
    /// <summary>The most consistency-proof lines a request may carry.</summary>
    public const int MaxProofLines = 63;

    /// <summary>
    /// The most bytes a request body may have: 63 proof lines (2.9 KB), the checkpoint and a few dozen
    /// signature lines fit; a witness answers anything longer with 413 and reads no further.
    /// </summary>
    public const int MaxBodyBytes = 8 * 1024;

    /// <summary>The content type of a 409's body, the witness's latest size.</summary>
    public const string SizeContentType = "text/x.tlog.size";

    public override string ToString()
    {
        var body = new StringBuilder("old ").Append(OldSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in Proof)
        {
            body.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return body.Append('\n').Append(Checkpoint).ToString();
    }

    /// <summary>Reads a request body.</summary>
    /// <exception cref="FormatException">It is malformed.</exception>
    public static AddCheckpointRequest Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var blank = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            throw new FormatException("The request has an empty line before its checkpoint.");
        }

        var lines = body[..blank].Split('\n');
        if (!lines[0].StartsWith("old ", StringComparison.Ordinal)
            || !long.TryParse(lines[0][4..], NumberStyles.None, CultureInfo.InvariantCulture, out var oldSize)
            || (lines[0].Length > 5 && lines[0][4] == '0'))
        {
            throw new FormatException("The request's first line is 'old <size>'.");
        }

        if (lines.Length - 1 > MaxProofLines)
        {
            throw new FormatException("The request has more than 63 proof lines.");
        }

        var proof = new List<byte[]>();
        foreach (var line in lines.Skip(1))
        {
            byte[] hash;
            try
            {
                hash = Convert.FromBase64String(line);
            }
            catch (FormatException)
            {
                throw new FormatException("Each proof line is one base64 hash.");
            }

            if (hash.Length != MerkleTree.HashSize)
            {
                throw new FormatException("Each proof line is one base64 hash of 32 bytes.");
            }

            proof.Add(hash);
        }

        return new AddCheckpointRequest(oldSize, proof, body[(blank + 2)..]);
    }
}
