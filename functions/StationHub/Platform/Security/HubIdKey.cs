using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace StationHub.Platform.Security;

/// <summary>
/// The key of the hub's report ids (<c>Secrets:HubIdKey</c>, base64, at least 32 bytes): an id is an
/// HMAC-SHA256 of (kind, platform, item id), so an id the hub shows one platform (a <c>duplicateOf</c>)
/// cannot be matched against guesses of another platform's item ids. Kept apart from the pseudonym key.
/// </summary>
public sealed class HubIdKey
{
    public const string Setting = "Secrets:HubIdKey";

    private readonly byte[] key;

    public HubIdKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new InvalidOperationException($"The setting '{Setting}' must hold at least 32 bytes (base64).");
        }

        this.key = key;
    }

    /// <summary>Reads the key from settings; a missing, malformed or short key names the setting.</summary>
    public static HubIdKey From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[Setting];
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"The setting '{Setting}' is missing (base64, at least 32 bytes: the key of the hub's report ids).");
        }

        try
        {
            return new HubIdKey(Convert.FromBase64String(value));
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"The setting '{Setting}' must be base64.", exception);
        }
    }

    /// <summary>The keyed digest (32 bytes) naming one item of a platform.</summary>
    public byte[] Hash(string kind, string platformId, string itemId) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{kind}\n{platformId}\n{itemId}"));
}
