using System.Security.Cryptography;
using System.Text;

namespace StationHub.Platform.Security;

/// <summary>
/// Keyed pseudonyms (HMAC-SHA256) for couriers. A platform's courier id is replaced on receipt
/// by one city-wide pseudonym, which keys the courier's points; each recipient (a city system)
/// sees a pseudonym derived for it alone, so two recipients cannot link their records.
/// The key is kept apart from the data, in settings (<c>Secrets:PseudonymKey</c>).
/// </summary>
public sealed class Pseudonyms
{
    private readonly byte[] key;

    public Pseudonyms(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("Secrets:PseudonymKey must hold at least 32 bytes (base64).", nameof(key));
        }

        this.key = key;
    }

    /// <summary>The courier's city-wide pseudonym: the same in every district and station.</summary>
    public string Courier(string platformId, string courierId) => Derive("courier", platformId, courierId);

    /// <summary>The pseudonym one recipient sees for a courier's city-wide pseudonym.</summary>
    public string ForRecipient(string recipientId, string courierPseudonym) => Derive("recipient", recipientId, courierPseudonym);

    /// <summary>A keyed digest for another purpose (a pickup code, say): checkable, not reversible without the key.</summary>
    public string Keyed(string purpose, string scope, string value) => Derive(purpose, scope, value);

    /// <summary>The raw keyed digest (32 bytes) for a purpose, for ids derived from it.</summary>
    public byte[] KeyedBytes(string purpose, string scope, string value) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{purpose}\n{scope}\n{value}"));

    private string Derive(string purpose, string scope, string value) =>
        "cp_" + Base64Url(KeyedBytes(purpose, scope, value).AsSpan(0, 18));

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
