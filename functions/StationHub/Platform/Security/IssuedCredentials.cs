using StationHub.Platform.Webhooks;

namespace StationHub.Platform.Security;

/// <summary>An API key the registry issued: whose it is, the SHA-256 of the key, and until when it works (null: until revoked).</summary>
public sealed record IssuedKey(Principal Principal, string CredentialId, byte[] Hash, DateTimeOffset? Expires)
{
    public bool ValidAt(DateTimeOffset now) => Expires is not { } end || now < end;
}

/// <summary>A signing secret the registry issued, decrypted in memory: whose (<c>platform:{id}</c>, <c>city:{id}</c>, <c>body:{id}</c>), and until when.</summary>
public sealed record IssuedSecret(string Owner, string CredentialId, StandardWebhook Secret, DateTimeOffset Created, DateTimeOffset? Expires)
{
    public bool ValidAt(DateTimeOffset now) => Expires is not { } end || now < end;
}

/// <summary>
/// The credentials the registry issued (<c>Tenants/Credentials</c>), as one immutable snapshot swapped
/// whole with the registry's (<c>RegistryStore</c>): key hashes and decrypted signing secrets, so
/// <see cref="ApiKeys"/> and <see cref="HubSecrets"/> stay in-memory lookups (no storage read per
/// request). An expired credential stays in the snapshot until the store prunes it; it is skipped by
/// the clock at each lookup, so an overlap ends on time on every host.
/// </summary>
public sealed class IssuedCredentials
{
    private volatile Snapshot current = new([], new Dictionary<string, IssuedSecret[]>(StringComparer.Ordinal));

    public void Replace(IEnumerable<IssuedKey> keys, IEnumerable<IssuedSecret> secrets)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(secrets);
        current = new Snapshot(
            [.. keys],
            secrets.GroupBy(s => s.Owner, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.Created).ThenBy(s => s.CredentialId, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal));
    }

    /// <summary>Every issued key (valid or past its overlap).</summary>
    public IReadOnlyList<IssuedKey> Keys => current.Keys;

    /// <summary>The owner's issued secrets still valid at <paramref name="now"/>, newest first.</summary>
    public IReadOnlyList<StandardWebhook> Secrets(string owner, DateTimeOffset now) =>
        current.Secrets.TryGetValue(owner, out var all) ? [.. all.Where(s => s.ValidAt(now)).Select(s => s.Secret)] : [];

    /// <summary>True when the registry holds a credential for the owner (<c>platform:{id}</c>...), valid or not.</summary>
    public bool Holds(string owner) =>
        current.Secrets.ContainsKey(owner) || current.Keys.Any(k => OwnerOf(k.Principal) == owner);

    public static string OwnerOf(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Kind.ToString().ToLowerInvariant() + ":" + principal.Id;
    }

    private sealed record Snapshot(IssuedKey[] Keys, Dictionary<string, IssuedSecret[]> Secrets);
}
