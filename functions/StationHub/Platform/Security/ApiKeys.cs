using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace StationHub.Platform.Security;

public enum PrincipalKind
{
    Platform,
    City,
    Station,
    Admin,

    /// <summary>A responsible body other than the city (water authority, human-resources bureau...): reads and answers its own reports.</summary>
    Body,
}

/// <summary>Who a request's API key belongs to.</summary>
public sealed record Principal(PrincipalKind Kind, string Id);

/// <summary>
/// API keys, stored only as SHA-256 hashes: in settings
/// (<c>Auth:ApiKeyHashes:{kind}:{id}</c> = hex SHA-256 of the key) and issued by the registry
/// (<see cref="IssuedCredentials"/>, each valid until its overlap ends or it is revoked). A presented
/// key is hashed and compared in constant time with every stored hash.
/// </summary>
public sealed class ApiKeys
{
    private readonly (Principal Principal, byte[] Hash)[] entries;
    private readonly IssuedCredentials? issued;
    private readonly TimeProvider time;

    public ApiKeys(IConfiguration configuration)
        : this(configuration, null, TimeProvider.System)
    {
    }

    public ApiKeys(IConfiguration configuration, IssuedCredentials? issued, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        this.issued = issued;
        this.time = time;
        var list = new List<(Principal, byte[])>();
        foreach (var kindSection in configuration.GetSection("Auth:ApiKeyHashes").GetChildren())
        {
            if (!Enum.TryParse<PrincipalKind>(kindSection.Key, ignoreCase: true, out var kind))
            {
                throw new InvalidOperationException($"Auth:ApiKeyHashes:{kindSection.Key} is not a known kind (platform, city, station, admin, body).");
            }

            foreach (var entry in kindSection.GetChildren())
            {
                byte[] hash;
                try
                {
                    hash = Convert.FromHexString(entry.Value ?? string.Empty);
                }
                catch (FormatException)
                {
                    hash = [];
                }

                if (hash.Length != 32)
                {
                    throw new InvalidOperationException($"Auth:ApiKeyHashes:{kindSection.Key}:{entry.Key} must be a hex SHA-256 hash.");
                }

                list.Add((new Principal(kind, entry.Key), hash));
            }
        }

        entries = [.. list];
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// A recipient of reports: a city system, or a responsible body. Its id names the reports it may
    /// read and answer (ids are unique across cities and bodies), so another's reports are a 404.
    /// </summary>
    public Principal? AuthenticateRecipient(string? presentedKey) =>
        Authenticate(presentedKey, PrincipalKind.City) ?? Authenticate(presentedKey, PrincipalKind.Body);

    /// <summary>The principal of the given kind that the key belongs to, or null.</summary>
    public Principal? Authenticate(string? presentedKey, PrincipalKind kind)
    {
        if (string.IsNullOrEmpty(presentedKey) || presentedKey.Length > 512)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), hash);
        Principal? found = null;
        foreach (var (principal, stored) in entries)
        {
            // Compare against every entry so the time taken does not say which one matched.
            if (CryptographicOperations.FixedTimeEquals(hash, stored) && principal.Kind == kind)
            {
                found = principal;
            }
        }

        if (issued is not null)
        {
            var now = time.GetUtcNow();
            foreach (var key in issued.Keys)
            {
                if (CryptographicOperations.FixedTimeEquals(hash, key.Hash) && key.Principal.Kind == kind && key.ValidAt(now))
                {
                    found ??= key.Principal;
                }
            }
        }

        return found;
    }
}
