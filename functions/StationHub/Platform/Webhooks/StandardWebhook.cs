using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace StationHub.Platform.Webhooks;

/// <summary>
/// Standard Webhooks (standardwebhooks.com) signatures: <c>v1,</c> + base64 HMAC-SHA256 of
/// <c>"{id}.{timestamp}.{body}"</c> keyed by the secret's bytes (<c>whsec_</c> + base64).
/// </summary>
public sealed class StandardWebhook
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>Signatures older or newer than this are refused (replay window).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private const string SecretPrefix = "whsec_";
    private const string VersionPrefix = "v1,";
    private readonly byte[] key;

    public StandardWebhook(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            key = Convert.FromBase64String(encoded);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException("A webhook secret is 'whsec_' followed by base64.", nameof(secret), exception);
        }

        if (key.Length < 24)
        {
            throw new ArgumentException("A webhook secret must carry at least 24 bytes of key.", nameof(secret));
        }
    }

    /// <summary>Makes a new random secret in the <c>whsec_</c> form.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Sign(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body) =>
        VersionPrefix + Convert.ToBase64String(Compute(id, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), body));

    /// <summary>Checks the three headers against the body at <paramref name="now"/>.</summary>
    public WebhookVerification Verify(string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatureHeader))
        {
            return WebhookVerification.Fail("The webhook-id, webhook-timestamp and webhook-signature headers are required.");
        }

        if (id.Length > 256)
        {
            return WebhookVerification.Fail("The webhook-id header is too long.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookVerification.Fail("The webhook-timestamp header must be whole seconds since the Unix epoch.");
        }

        var nowSeconds = now.ToUnixTimeSeconds();
        if (Math.Abs(nowSeconds - seconds) > (long)Tolerance.TotalSeconds)
        {
            return WebhookVerification.Fail("The webhook-timestamp is outside the five-minute tolerance.");
        }

        Span<byte> expected = stackalloc byte[32];
        Compute(id, timestamp, body, expected);
        Span<byte> candidate = stackalloc byte[64];
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (Convert.TryFromBase64String(part[VersionPrefix.Length..], candidate, out var written)
                && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(candidate[..written], expected))
            {
                return WebhookVerification.Ok;
            }
        }

        return WebhookVerification.Fail("No webhook-signature matches the body.");
    }

    private byte[] Compute(string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var result = new byte[32];
        Compute(id, timestamp, body, result);
        return result;
    }

    private void Compute(string id, string timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(id));
        hmac.AppendData("."u8);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}

public readonly record struct WebhookVerification(bool IsValid, string? Reason)
{
    public static WebhookVerification Ok { get; } = new(true, null);

    public static WebhookVerification Fail(string reason) => new(false, reason);
}
